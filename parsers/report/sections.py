"""The report's six numbered sections (一、总体情况 … 六、其他需要报告的事项): the one splitter.

The record's `sections` and the sections the archive stores both come from `find_sections`.
"""

from __future__ import annotations

import re

from parsers.model import Document
from parsers.normalize import normalize_text
from parsers.report.values import clean_cell

_SECTION_HEAD = re.compile(r"^([一二三四五六])[、.．]\s*(.{2,40})$")
_SECTION_WORDS = ["总体", "主动公开", "申请", "复议|诉讼", "问题|改进", "其他需要报告|其他事项"]


def text_lines(doc: Document) -> list[str]:
    """The document's text outside its tables, one normalised line per item."""
    lines = []
    for block in doc.blocks:
        if block.kind == "table":
            continue
        for line in block.text.split("\n"):
            line = normalize_text(line).strip()
            if line:
                lines.append(line)
    return lines


_PAGE_FURNITURE = re.compile(
    r"^(版权所有|主办单位|承办单位|主办：|网站标识码|.{0,4}ICP备|公安备案|附件下载|附件：?$|扫一扫|"
    r"友情链接|相关链接|相关文章|相关阅读|分享到|打印本页|【打印】|关闭窗口|【关闭】|上一篇|下一篇|"
    r"省市政府网站|新闻媒体$|政府网站$)"
)


def _page_end(lines: list[str], start: int) -> int:
    """Where the report's last section ends on a web page: at the page's own furniture."""
    for j in range(start, len(lines)):
        if _PAGE_FURNITURE.match(clean_cell(lines[j])):
            return j
    return len(lines)


def find_sections(lines: list[str]) -> list[dict]:
    """The six sections in order, each with its heading and text."""
    found: list[tuple[int, int, str]] = []  # (line index, section number, heading)
    want = 0
    for i, line in enumerate(lines):
        m = _SECTION_HEAD.match(clean_cell(line))
        if not m or want >= 6:
            continue
        number = "一二三四五六".index(m.group(1)) + 1
        if number > want and re.search(_SECTION_WORDS[number - 1], m.group(2)):
            found.append((i, number, clean_cell(line)))
            want = number
    sections = []
    for k, (i, number, heading) in enumerate(found):
        end = found[k + 1][0] if k + 1 < len(found) else _page_end(lines, i + 1)
        sections.append(
            {"number": number, "heading": heading, "text": "\n".join(lines[i + 1 : end])}
        )
    return sections
