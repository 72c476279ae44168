"""A report's metadata: its title, the body that publishes it, the year and the template."""

from __future__ import annotations

import re

from parsers.model import Document
from parsers.report.values import clean_cell


# the year, then what stands between it and the report's name: nothing, 度, or the body
# itself when the title puts the year first (2019年国务院办公厅政府信息公开工作年度报告)
_TITLE = re.compile(
    r"(?P<year>(?:19|20)\d{2})\s*年度?\s*(?:度)?(?P<rest>[^，。；：,;:]{0,40}?)"
    r"(?:政府)?信息公开(?:工作)?(?:年度)?报告"
)
_PERIOD = re.compile(
    r"自\s*((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日\s*[起至到]+.{0,4}?\1\s*年\s*12\s*月\s*31\s*日"
)
_CODE = re.compile(r'[{}<>=\\`]|"\s*[:,]')  # a line of JSON, markup or code, not a title
_AGENCY_END = (
    "办事处",
    "人民政府",
    "政府",
    "委员会",
    "管委会",
    "管理委员会",
    "局",
    "厅",
    "办公室",
    "办公厅",
    "中心",
    "委",
    "院",
    "署",
    "街道",
    "镇",
    "乡",
    "区",
    "县",
    "市",
    "实验区",
    "新区",
    "开发区",
    "公司",
    "会",
    "所",
    "站",
    "队",
    "处",
    "部",
    "社",
    "馆",
)

_2021_SIGNS = (
    "本年制发",
    "现行有效件数",
    "本年废止",
    "本年收费金额",
    "逾期不补正",
    "缴纳费用",
    "本年处理决定数量",
)
_2019_SIGNS = ("本年新制作", "对外公开总数量", "上一年项目数量", "集中采购", "其他对外管理服务")


def title_candidate(line: str) -> bool:
    return _title_candidate(clean_cell(line))


def _title_candidate(s: str) -> bool:
    """title_candidate of a line clean_cell has cleaned already."""
    return (
        bool(_TITLE.search(s))
        and len(s) <= 60
        and not s.startswith(("根据", "本报告", "本年度报告"))
        and not _CODE.search(s)
    )


def find_title(doc: Document, lines: list[str]) -> tuple[str | None, int | None]:
    """The report's own title: a short line naming a year's OGI annual report.

    A web page lists other years' reports in its navigation, so when the container (HTML
    <title>) names a report, the body line that repeats it is preferred.
    """
    container = clean_cell(doc.title or "")
    container = re.split(r"[_|｜]| - ", container)[0] if container else ""
    candidates = title_lines(lines[:400])
    if container and title_candidate(container):
        for i, s in candidates:
            if s in container or container in s:
                return _with_agency_line(s, i, lines), i
        return container, None
    if not candidates:
        return None, None
    i, s = candidates[0]
    return _with_agency_line(s, i, lines), i


_CLAUSE_MARK = re.compile(r"[，。；]")


def title_lines(lines: list[str]) -> list[tuple[int, str]]:
    """(index, title) of the lines that read as a report's title; a title a page wrapped
    over two lines (…政府信息公开工作 / 年度报告) is read as one."""
    out = []
    for i, x in enumerate(lines):
        s = clean_cell(x)
        if _title_candidate(s):
            out.append((i, s))
        elif i + 1 < len(lines) and len(s) >= 8 and not _CLAUSE_MARK.search(s):
            nxt = clean_cell(lines[i + 1])
            if (
                len(nxt) <= 12
                and not _title_candidate(nxt)
                and title_candidate(s + nxt)
                and not _TITLE.search(s + nxt[:-1] if len(nxt) > 1 else s)
            ):
                out.append((i, s + nxt))
    return out


def _with_agency_line(title: str, i: int, lines: list[str]) -> str:
    """A title broken over two lines: the body's name above, the year and report below."""
    m = _TITLE.search(title)
    if m and m.start() == 0 and i > 0 and agency_like(clean_cell(lines[i - 1])):
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


def agency_like(s: str) -> bool:
    return 2 <= len(s) <= 40 and s.endswith(_AGENCY_END) and not re.search(r"\d|[，。：；、]", s)


def find_agency(
    title: str | None, lines: list[str], title_index: int | None, meta: dict | None = None
) -> str | None:
    """The publishing body, whatever the title's word order: before the year, between the
    year and the report's name, on the line above the title, in the 落款 (signature) at the
    end, or in the file's metadata (the page's 来源/发布机构, the PDF's or DOCX's author)."""
    if title:
        m = _TITLE.search(title)
        prefix = title[: m.start()] if m else ""
        prefix = re.sub(r"(关于|印发|公布)$", "", prefix)
        if agency_like(prefix):
            return prefix
        rest = m.group("rest") if m else ""
        if agency_like(rest):
            return rest
    if title_index:
        for back in (1, 2):
            if title_index - back >= 0:
                s = clean_cell(lines[title_index - back])
                if agency_like(s):
                    return s
    return _signature(lines) or _publisher(lines, meta or {})


_PAGE_NUMBER = re.compile(r"^[\-—–_·•\s]*(第)?\d{1,4}(页)?(/(共)?\d{1,4}页?)?[\-—–_·•\s]*$")
_DATE = re.compile(r"(19|20)\d{2}年\d{1,2}月|(19|20)\d{2}[-./]\d{1,2}[-./]\d{1,2}$")


def _signature(lines: list[str]) -> str | None:
    """The 落款: a body's name alone on a line near the end, before the date (page numbers
    and blank furniture between them do not count), or the name and the date on one line."""
    tail = [s for s in (clean_cell(x) for x in lines[-16:]) if s and not _PAGE_NUMBER.match(s)]
    for i in range(len(tail) - 1, -1, -1):
        s = tail[i]
        if agency_like(s) and any(_DATE.search(x) for x in tail[i + 1 : i + 3]):
            return s
        m = re.match(r"^(.{2,40}?)\s*((?:19|20)\d{2}年\d{1,2}月\d{1,2}日)$", s)
        if m and agency_like(m.group(1)):
            return m.group(1)
    return None


_PUBLISHER_LABEL = re.compile(r"^(发布机构|发文机关|发文单位|公开主体|信息来源|来源)[:：]\s*(.+)$")
_LABEL_END = re.compile(r"\s|发布时间|发文日期|发布日期|成文日期|浏览|时间|日期|分类|索引号")


def _publisher(lines: list[str], meta: dict) -> str | None:
    """The body a page's metadata names: 发布机构：… on the page, the <meta> a CMS writes
    (ContentSource), 来源：…, the author of a PDF or DOCX (only when it reads as a body, not
    a person's account)."""
    labelled: dict[str, str] = {}
    for line in lines[:80]:
        m = _PUBLISHER_LABEL.match(clean_cell(line))
        if m:
            value = _LABEL_END.split(m.group(2))[0]
            if agency_like(value):
                labelled.setdefault("source" if "来源" in m.group(1) else "publisher", value)
    for value in (
        labelled.get("publisher"),
        meta.get("publisher"),
        labelled.get("source"),
        meta.get("author"),
    ):
        value = clean_cell(value or "")
        if agency_like(value):
            return value
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
