"""Figures the prose states, against the table cells they describe: `text_vs_table` checks.

The prose of sections 一–四 often states the tables' figures in words ("全年共收到政府信息公开申请
17件", "因政府信息公开被申请行政复议2件", "本年度制发行政规范性文件6件"). Each statement read here
names exactly one cell of the record; one that disagrees with the number the table prints is a
fact about the source (`text_vs_table:<table.row.col>`), never a correction of either.

Precision over recall: a clause is read only when one pattern names its cell by meaning and
nothing in it turns the figure into something else — a comparison with another year (同比,
较上年, 增长), a running total (累计, 以来), another year named, a share (%), other kinds of
business (人大建议, 政协提案, 热线, 留言), or two figures where one is expected. Figures the table
splits over cells (不予公开 is eight rows, 行政诉讼 two) are left alone.
"""

from __future__ import annotations

import re

from parsers.model import Document
from parsers.normalize import normalize_text
from parsers.report.values import clean_cell

_HEAD = re.compile(r"^([一二三四五六])[、.．]\s*(.{2,40})$")
_HEAD_WORDS = ["总体", "主动公开", "申请", "复议|诉讼", "问题|改进", "其他需要报告|其他事项"]
_N = r"(\d+)\s*(?:件|个|宗|起)"

# what turns a stated figure into something other than this year's cell
_NOT_THIS = re.compile(
    r"同比|较上年|比上年|较去年|比去年|去年|上年度同期|增长|下降|减少|增加|增幅|降幅|"
    r"累计|以来|近[两三四五]年|历年|%|％|人大|政协|提案|建议|热线|留言|信访|"
    r"咨询|举报|办结率|平均|每|月|季度|以上|以下|余件|多件"
)
_YEAR = re.compile(r"(\d{4})\s*年")
_DIGIT = re.compile(r"\d")
_CLAUSE = re.compile(r"[^，,；;。：:（）()！!？?\n]+")
_COUNT = re.compile(_N)
_APPLICATION = r"(?:政府信息公开|依申请公开|信息公开)(?:的)?申请(?:件)?"

# (cell, pattern, templates): a pattern names its cell with the figure as its one group
STATEMENTS: list[tuple[str, re.Pattern, tuple[str, ...]]] = [
    (
        "requests.new_received.total",
        re.compile(
            rf"(?:新收|收到|受理|接收|接到|办理)(?:了)?(?:各类)?{_APPLICATION}"
            rf"(?:数量|总数|总量)?(?:共计|共|合计|为|计)?{_N}"
        ),
        ("2019", "2021"),
    ),
    (
        "requests.new_received.total",
        re.compile(rf"(?:新收|收到|受理|接收|接到){_N}{_APPLICATION}"),
        ("2019", "2021"),
    ),
    (
        "requests.carried_over.total",
        re.compile(rf"上年(?:度)?结转(?:的)?(?:政府信息公开)?(?:申请)?(?:共|为)?{_N}"),
        ("2019", "2021"),
    ),
    (
        "requests.carried_forward.total",
        re.compile(
            rf"结转(?:至|到)?下(?:一)?年(?:度)?(?:继续)?(?:办理)?(?:的)?(?:申请)?(?:共|为)?{_N}"
        ),
        ("2019", "2021"),
    ),
    (
        "requests.carried_forward.total",
        re.compile(rf"{_N}(?:申请)?(?:需)?结转(?:至|到)下(?:一)?年(?:度)?"),
        ("2019", "2021"),
    ),
    (
        "requests.granted.total",
        re.compile(rf"(?<![不分])予以公开(?:的)?(?:申请)?(?:共|为)?{_N}"),
        ("2019", "2021"),
    ),
    (
        "requests.partly_granted.total",
        re.compile(rf"部分公开(?:的)?(?:申请)?(?:共|为)?{_N}"),
        ("2019", "2021"),
    ),
    (
        "appeals.review.total",
        re.compile(
            rf"(?<!复议后)(?:被申请|收到|发生|涉及)?(?:政府信息公开)?(?:类)?行政复议"
            rf"(?:案件|申请)?(?:共|为)?{_N}"
        ),
        ("2019", "2021"),
    ),
    (
        "active.normative_documents.issued",
        re.compile(rf"(?:制发|印发|出台|制定|发布)(?:行政)?规范性文件(?:共)?{_N}"),
        ("2021",),
    ),
    (
        "active.normative_documents.repealed",
        re.compile(rf"废止(?:行政)?规范性文件(?:共)?{_N}"),
        ("2021",),
    ),
    (
        "active.normative_documents.in_force",
        re.compile(rf"现行有效(?:的)?(?:行政)?规范性文件(?:共)?{_N}"),
        ("2021",),
    ),
    (
        "active.normative_documents.new_made",
        re.compile(rf"(?:新)?制作(?:行政)?规范性文件(?:共)?{_N}"),
        ("2019",),
    ),
    (
        "active.normative_documents.new_published",
        re.compile(rf"(?:新)?公开(?:行政)?规范性文件(?:共)?{_N}"),
        ("2019",),
    ),
]


def prose_lines(doc: Document):
    """(section number, line, position) of the prose lines of sections 一–四, in order."""
    section = 0
    for block in doc.blocks:
        if block.kind == "table":
            continue
        pos = block.pos or ({"page": block.page} if block.page else None)
        for line in block.text.split("\n"):
            line = normalize_text(line).strip()
            if not line:
                continue
            m = _HEAD.match(clean_cell(line))
            if m:
                n = "一二三四五六".index(m.group(1)) + 1
                if n > section and re.search(_HEAD_WORDS[n - 1], m.group(2)):
                    section = n
                    continue
            if 1 <= section <= 4:
                yield section, line, pos


def statements(doc: Document, template: str | None, year: int | None) -> list[dict]:
    """Every clause of the prose that names one cell: {cell, stated, text, pos}. A section's
    lines are read as one running text (a PDF wraps a sentence over lines, a figure and its
    件 on two); a line that ends without punctuation and is short (a sub-heading) ends its
    clause."""
    out = []
    text, where = "", []  # the running text, and (offset, pos) of each line in it
    last = None
    for section, line, pos in prose_lines(doc):
        if section != last and text:
            out += _read(text, where, template, year)
            text, where = "", []
        last = section
        if text and len(line) <= 20 and not re.search(r"[，,。；;]", line):
            text += "\n"  # a sub-heading: a clause of its own
        where.append((len(text), pos))
        text += line + ("\n" if len(line) <= 20 and not re.search(r"[，,。；;]", line) else "")
    if text:
        out += _read(text, where, template, year)
    return out


def _read(text: str, where: list, template: str | None, year: int | None) -> list[dict]:
    out = []
    for m in _CLAUSE.finditer(text):
        if not _DIGIT.search(m.group()):  # (most clauses state no figure)
            continue
        clause = "".join(m.group().split())
        hit = read_clause(clause, template, year)
        if hit:
            pos = next((p for off, p in reversed(where) if off <= m.start()), None)
            out.append({"cell": hit[0], "stated": hit[1], "text": clause, "pos": pos})
    return out


def read_clause(clause: str, template: str | None, year: int | None) -> tuple[str, int] | None:
    if not _DIGIT.search(clause) or _NOT_THIS.search(clause):  # (most clauses state no figure)
        return None
    if any(int(y) != year for y in _YEAR.findall(clause)) and year is not None:
        return None
    if len(_COUNT.findall(clause)) != 1:
        return None
    hits = {
        (cell, int(m.group(1)))
        for cell, pat, templates in STATEMENTS
        if template in templates
        for m in [pat.search(clause)]
        if m
    }
    if len(hits) != 1:
        return None
    return hits.pop()


def text_checks(doc: Document, tables: dict, template: str | None, year: int | None) -> list[dict]:
    """The statements that disagree with the cell they name, one per cell (the first):
    [{id: "text_vs_table:<table.row.col>", text, stated, printed, pos}]. A cell the table
    leaves blank, or a table the document does not print, cannot disagree."""
    out: dict[str, dict] = {}
    for s in statements(doc, template, year):
        table, row, col = s["cell"].split(".")
        printed = (((tables.get(table) or {}).get(row)) or {}).get(col)
        if printed is None or s["stated"] == printed:
            continue
        if s["cell"] == "requests.new_received.total":
            # 收到 may count the requests carried over as well: that sum is no disagreement
            over = ((tables.get("requests") or {}).get("carried_over") or {}).get("total")
            if over is not None and s["stated"] == printed + over:
                continue
        cid = f"text_vs_table:{s['cell']}"
        out.setdefault(
            cid,
            {
                "id": cid,
                "text": s["text"],
                "stated": s["stated"],
                "printed": printed,
                "pos": s["pos"],
            },
        )
    return list(out.values())
