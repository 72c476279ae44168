"""The OGI report extractor: Document → extraction record (../shared/spec/ogi-report.md)."""
from __future__ import annotations

import re

from parsers.checks import compute_checks
from parsers.model import Document
from parsers.normalize import normalize_text
from parsers.tables import TableReader
from parsers.values import clean_cell

EXTRACTOR_VERSION = "1"

SECTION_TITLES = ["总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况",
                  "政府信息公开行政复议、行政诉讼情况", "存在的主要问题及改进情况", "其他需要报告的事项"]
_SECTION_HEAD = re.compile(r"^([一二三四五六])[、.．]\s*(.{2,40})$")
_SECTION_WORDS = ["总体", "主动公开", "申请", "复议|诉讼", "问题|改进", "其他需要报告|其他事项"]

_TITLE = re.compile(r"(?P<year>(?:19|20)\d{2})\s*年度?\s*(?:度)?(?P<rest>.{0,12}?)(?:政府)?信息公开(?:工作)?(?:年度)?报告")
_PERIOD = re.compile(r"自\s*((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日\s*[起至到]+.{0,4}?\1\s*年\s*12\s*月\s*31\s*日")
_AGENCY_END = ("办事处", "人民政府", "政府", "委员会", "管委会", "管理委员会", "局", "厅", "办公室",
               "办公厅", "中心", "委", "院", "署", "街道", "镇", "乡", "区", "县", "市", "实验区",
               "新区", "开发区", "公司", "会", "所", "站", "队", "处", "部", "社", "馆")

_2021_SIGNS = ("本年制发", "现行有效件数", "本年废止", "本年收费金额", "逾期不补正", "缴纳费用",
               "本年处理决定数量")
_2019_SIGNS = ("本年新制作", "对外公开总数量", "上一年项目数量", "集中采购", "其他对外管理服务")


def extract(doc: Document) -> dict:
    lines = _text_lines(doc)
    title, title_index = find_title(doc, lines)
    year = find_year(title, lines)
    agency = find_agency(title, lines, title_index)
    template = detect_template(doc, year)
    reader = TableReader(template)
    reader.read(doc)
    tables = {name: (rows or None) for name, rows in reader.tables.items()}
    if template is None and any(tables.values()):
        template = "2019"
    return {
        "title": title,
        "agency": agency,
        "year": year,
        "template": template,
        "tables": tables,
        "units": dict(sorted(reader.units.items())),
        "checks": compute_checks(tables, template),
        "sections": find_sections(lines),
        "format": doc.format,
        "pages": doc.pages,
        "notes": list(doc.notes),
        "extractor_version": EXTRACTOR_VERSION,
    }


def _text_lines(doc: Document) -> list[str]:
    lines = []
    for block in doc.blocks:
        if block.kind == "table":
            continue
        for line in block.text.split("\n"):
            line = normalize_text(line).strip()
            if line:
                lines.append(line)
    return lines


def _title_candidate(line: str) -> bool:
    s = clean_cell(line)
    return bool(_TITLE.search(s)) and len(s) <= 60 and not s.startswith(("根据", "本报告", "本年度报告"))


def find_title(doc: Document, lines: list[str]) -> tuple[str | None, int | None]:
    """The report's own title: a short line naming a year's OGI annual report.

    A web page lists other years' reports in its navigation, so when the container (HTML
    <title>) names a report, the body line that repeats it is preferred.
    """
    container = clean_cell(doc.title or "")
    container = re.split(r"[_|｜]| - ", container)[0] if container else ""
    candidates = [(i, clean_cell(x)) for i, x in enumerate(lines[:400]) if _title_candidate(x)]
    if container and _title_candidate(container):
        for i, s in candidates:
            if s in container or container in s:
                return _with_agency_line(s, i, lines), i
        return container, None
    if not candidates:
        return None, None
    i, s = candidates[0]
    return _with_agency_line(s, i, lines), i


def _with_agency_line(title: str, i: int, lines: list[str]) -> str:
    """A title broken over two lines: the body's name above, the year and report below."""
    m = _TITLE.search(title)
    if m and m.start() == 0 and i > 0 and _agency_like(clean_cell(lines[i - 1])):
        return clean_cell(lines[i - 1]) + title
    return title


def find_year(title: str | None, lines: list[str]) -> int | None:
    if title:
        m = _TITLE.search(title)
        if m:
            return int(m.group("year"))
    for line in lines[:200]:
        m = _PERIOD.search(clean_cell(line))
        if m:
            return int(m.group(1))
    return None


def _agency_like(s: str) -> bool:
    return 2 <= len(s) <= 40 and s.endswith(_AGENCY_END) and not re.search(r"\d|[，。：；、]", s)


def find_agency(title: str | None, lines: list[str], title_index: int | None) -> str | None:
    if title:
        m = _TITLE.search(title)
        prefix = title[:m.start()] if m else ""
        prefix = re.sub(r"(关于|印发|公布)$", "", prefix)
        if _agency_like(prefix):
            return prefix
    if title_index:
        for back in (1, 2):
            if title_index - back >= 0:
                s = clean_cell(lines[title_index - back])
                if _agency_like(s):
                    return s
    # the signature: an agency name alone on a line near the end, before a date
    tail = lines[-12:]
    for i, line in enumerate(tail):
        s = clean_cell(line)
        if _agency_like(s) and any(re.search(r"(19|20)\d{2}年\d{1,2}月", clean_cell(x)) for x in tail[i + 1:i + 3]):
            return s
    return None


def detect_template(doc: Document, year: int | None) -> str | None:
    text = clean_cell(doc.text())
    new = sum(text.count(s) for s in _2021_SIGNS)
    old = sum(text.count(s) for s in _2019_SIGNS)
    if new > old:
        return "2021"
    if old > new:
        return "2019"
    if year is not None:
        return "2021" if year >= 2021 else "2019"
    return None


_PAGE_FURNITURE = re.compile(
    r"^(版权所有|主办单位|承办单位|主办：|网站标识码|.{0,4}ICP备|公安备案|附件下载|附件：?$|扫一扫|"
    r"友情链接|相关链接|相关文章|相关阅读|分享到|打印本页|【打印】|关闭窗口|【关闭】|上一篇|下一篇|"
    r"省市政府网站|新闻媒体$|政府网站$)")


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
        sections.append({"number": number, "heading": heading,
                         "text": "\n".join(lines[i + 1:end])})
    return sections
