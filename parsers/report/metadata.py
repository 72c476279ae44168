"""A report's metadata: its title, the body that publishes it, the year and the template."""
from __future__ import annotations

import re

from parsers.model import Document
from parsers.report.values import clean_cell


_TITLE = re.compile(r"(?P<year>(?:19|20)\d{2})\s*年度?\s*(?:度)?(?P<rest>.{0,12}?)(?:政府)?信息公开(?:工作)?(?:年度)?报告")
_PERIOD = re.compile(r"自\s*((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日\s*[起至到]+.{0,4}?\1\s*年\s*12\s*月\s*31\s*日")
_CODE = re.compile(r'[{}<>=\\`]|"\s*[:,]')  # a line of JSON, markup or code, not a title
_AGENCY_END = ("办事处", "人民政府", "政府", "委员会", "管委会", "管理委员会", "局", "厅", "办公室",
               "办公厅", "中心", "委", "院", "署", "街道", "镇", "乡", "区", "县", "市", "实验区",
               "新区", "开发区", "公司", "会", "所", "站", "队", "处", "部", "社", "馆")

_2021_SIGNS = ("本年制发", "现行有效件数", "本年废止", "本年收费金额", "逾期不补正", "缴纳费用",
               "本年处理决定数量")
_2019_SIGNS = ("本年新制作", "对外公开总数量", "上一年项目数量", "集中采购", "其他对外管理服务")


def _title_candidate(line: str) -> bool:
    s = clean_cell(line)
    return bool(_TITLE.search(s)) and len(s) <= 60 and not s.startswith(("根据", "本报告", "本年度报告")) \
        and not _CODE.search(s)


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
