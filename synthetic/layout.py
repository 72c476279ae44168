"""Table layouts shared by the renderers: a report's three tables as grids of spanned cells.

A table is a list of parts (a part is one <table> / one DOCX table / one block on a PDF page);
a split table has two parts. Renderers only draw what this module lays out.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

from synthetic import report as R


@dataclass
class GCell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    kind: str = "value"  # "head" | "band" | "label" | "value"
    key: str | None = None  # a value cell's place in the record: "table.row.col"


@dataclass
class Part:
    rows: list[list[GCell]]
    widths: list[float]  # relative column widths
    continued: bool = False  # the second part of a split table
    caption: str = ""  # a line printed above the part (a sub-table's heading)


def placed_cells(part: Part) -> list[tuple[int, int, GCell]]:
    """(row, grid column, cell) of every cell, columns taken by spans from above skipped."""
    taken: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(part.rows):
        col = 0
        for c in row:
            while (r, col) in taken:
                col += 1
            taken.update((r + dr, col + dc) for dr in range(c.rowspan) for dc in range(c.colspan))
            out.append((r, col, c))
            col += c.colspan
    return out


@dataclass
class Layout:
    name: str = "random"
    active_split: int | None = None  # split table 二 before this band
    requests: str = "merged"  # "merged" (template) | "flat" (one label column)
    requests_split: int | None = None  # split table 三 before this body row
    repeat_group: bool = True  # print 三、本年度办理结果 again after the split
    repeat_header: bool = False  # print table 三's header again after the split
    numeral_cell: bool = False  # "一、" in a cell of its own before the row label
    appeals: str = "template"  # "template" (15 values) | "labelled" (3 rows)
    appeals_split: bool = False  # table 四's value row in a part of its own
    trailing_blank: bool = False  # table 四 ends with an empty row (Word exports)
    html: str = "plain"  # "plain" | "cms" | "word"
    meta_charset: bool = True  # HTML declares its charset
    between: str = "none"  # what separates split parts: "none" | "para" | "page"
    appeals_names: str = "paren"  # labelled 四: "paren" | "halfwidth" | "bare" | "two_col"
    lost_style: str = "empty"  # a lost group label: "empty" cell | "absent" cell
    html_tbody: str = "one"  # "one" <tbody> | "thead" + <tbody> | "two" <tbody>
    text: str = "cell-lines"  # text flattening: "cell-lines" | "pipes" | "tab-rows"
    text_wrap: bool = False  # tab rows: table 四's 15 values wrapped over two lines
    rejoin: bool = False  # a split table 三 kept as one table: the group cells
    # (三、本年度办理结果, ...) start again mid-table
    subtables: bool = False  # table 二 as one small table per 第二十条 item, its
    # heading (第二十条第（一）项 …) a line above each
    extra: dict = field(default_factory=dict)


PRESETS = ("template", "split", "flat", "cms", "word")


def choose_layout(report: R.SyntheticReport, fmt: str, layout=None) -> Layout:
    """A Layout from an instance, a preset name, a dict of fields, or drawn from the seed."""
    if isinstance(layout, Layout):
        return layout
    lay = _choose_layout(report, fmt, layout)
    if isinstance(layout, dict):
        return lay
    # later fields come from a stream of their own: older fields keep their draws
    rng = random.Random(f"{report.seed}:{fmt}:layout2")
    text = rng.choice(["cell-lines", "pipes", "tab-rows"])
    wrap = rng.random() < 0.3
    names = rng.choice(["paren", "halfwidth", "bare", "two_col"])
    lost = rng.choice(["empty", "absent"])
    tbody = rng.choices(["one", "thead", "two"], weights=[5, 3, 2])[0]
    rejoin = lay.name == "random" and rng.random() < 0.3
    if lay.name == "template":
        return replace(lay, text=text)
    subtables = random.Random(f"{report.seed}:{fmt}:layout3").random() < 0.1
    return replace(
        lay,
        text=text,
        text_wrap=wrap,
        appeals_names=names,
        lost_style=lost,
        html_tbody=tbody,
        rejoin=rejoin,
        subtables=subtables and lay.name == "random",
    )


def _choose_layout(report: R.SyntheticReport, fmt: str, layout=None) -> Layout:
    rng = random.Random(f"{report.seed}:{fmt}:layout")
    nreq = len(report.req_rows)
    split_at = rng.randint(3, max(3, nreq - 2)) if nreq > 5 else None
    band_split = rng.randint(1, len(R.active_bands(report.template)) - 1)
    if isinstance(layout, dict):
        return replace(Layout(name="custom"), **layout)
    if layout == "template":
        return Layout(name="template")
    if layout == "split":
        return Layout(
            name="split",
            active_split=band_split,
            requests_split=split_at,
            repeat_group=rng.random() < 0.5,
            repeat_header=rng.random() < 0.3,
            appeals_split=rng.random() < 0.3,
            between=rng.choice(["none", "para", "page"]),
        )
    if layout == "flat":
        return Layout(name="flat", requests="flat", appeals="labelled")
    if layout == "cms":
        return Layout(name="cms", html="cms", meta_charset=rng.random() < 0.7)
    if layout == "word":
        return Layout(name="word", html="word")
    if layout is not None:
        raise ValueError(f"unknown layout {layout!r}; presets: {PRESETS}")
    split = rng.random() < 0.4
    return Layout(
        name="random",
        active_split=band_split if split and rng.random() < 0.5 else None,
        requests=rng.choices(["merged", "flat"], weights=[4, 1])[0],
        requests_split=split_at if split else None,
        repeat_group=rng.random() < 0.5,
        repeat_header=rng.random() < 0.3,
        numeral_cell=rng.random() < 0.25,
        appeals=rng.choices(["template", "labelled"], weights=[3, 1])[0],
        appeals_split=split and rng.random() < 0.2,
        trailing_blank=rng.random() < 0.15,
        html=rng.choice(["plain", "cms", "word"]),
        meta_charset=rng.random() < 0.7,
        between=rng.choice(["none", "para", "page"]),
    )


# --- table 二 ---------------------------------------------------------------------------------


def active_parts(rep: R.SyntheticReport, lay: Layout) -> list[Part]:
    vals = rep.printed["active"]
    rows: list[list[list[GCell]]] = []  # per band
    for band, brows, bcols in R.active_bands(rep.template):
        b = [] if lay.subtables else [[GCell(rep.label(band), colspan=4, kind="band")]]
        span = 3 - len(bcols)
        head = [GCell("信息内容", kind="head")] + [
            GCell(rep.label(h), kind="head") for _, h in bcols
        ]
        head[-1].colspan += span
        b.append(head)
        for key, lab in brows:
            if key not in vals:  # a row the body left out (no rule-making power, ...)
                continue
            line = [GCell(rep.label(lab), kind="label")]
            line += [GCell(vals[key][c], key=f"active.{key}.{c}") for c, _ in bcols]
            line[-1].colspan += span
            b.append(line)
        rows.append(b)
    widths = [0.34, 0.22, 0.22, 0.22]
    if lay.subtables:  # 第二十条第（一）项 above a table of its own, and so on
        return [
            Part(b, widths, caption=rep.label(band))
            for b, (band, _, _) in zip(rows, R.active_bands(rep.template), strict=True)
        ]
    k = lay.active_split
    if k:
        return [
            Part([r for b in rows[:k] for r in b], widths),
            Part([r for b in rows[k:] for r in b], widths, continued=True),
        ]
    return [Part([r for b in rows for r in b], widths)]


# --- table 三 ---------------------------------------------------------------------------------

_HEADS = {"new_received", "carried_over", "carried_forward"}


def _req_header_merged(rep) -> list[list[GCell]]:
    return [
        [
            GCell(rep.label(R.REQ_NOTE), rowspan=3, colspan=3, kind="head"),
            GCell(rep.label("申请人情况"), colspan=7, kind="head"),
        ],
        [
            GCell(rep.label("自然人"), rowspan=2, kind="head"),
            GCell(rep.label("法人或其他组织"), colspan=5, kind="head"),
            GCell(rep.label("总计"), rowspan=2, kind="head"),
        ],
        [GCell(rep.label(h), kind="head") for _, h in R.REQ_COLS[1:6]],
    ]


def _lost(rep, group: str) -> bool:
    return group in (rep.options.get("lost_groups") or [])


def _req_body_merged(
    rep,
    body: list,
    first: bool,
    repeat_group: bool,
    numeral_cell: bool = False,
    lost_style: str = "empty",
) -> list[list[GCell]]:
    vals = rep.printed["requests"]
    out = []
    n_results = sum(1 for r, _, _ in body if r not in _HEADS)
    results_started = False
    for i, (key, group, lab) in enumerate(body):
        line: list[GCell] = []
        if key in _HEADS:
            text_ = rep.label(lab)
            i = text_.find("、")
            if numeral_cell and 0 < i <= 2:  # 一、 | 本年新收政府信息公开申请数量
                line += [
                    GCell(text_[: i + 1], kind="label"),
                    GCell(text_[i + 1 :].strip(), colspan=2, kind="label"),
                ]
            else:
                line.append(GCell(text_, colspan=3, kind="label"))
        else:
            if not results_started:
                results_started = True
                text_ = rep.label(R.RESULTS_GROUP) if (first or repeat_group) else ""
                if _lost(rep, R.RESULTS_GROUP):
                    text_ = ""
                line.append(GCell(text_, rowspan=n_results, kind="label"))
            if group is None:
                line.append(GCell(rep.label(lab), colspan=2, kind="label"))
            elif _lost(rep, group) and lost_style == "absent":  # no group cell at all
                line.append(GCell(rep.label(lab), colspan=2, kind="label"))
            else:
                prev = body[i - 1][1] if i else None
                if prev != group:
                    n = 1
                    while i + n < len(body) and body[i + n][1] == group:
                        n += 1
                    # the first row of a group in a continued part: group cell left empty
                    cont = not first and i == 0 and group == rep_group_at_split(rep, key)
                    gtext = (
                        "" if (cont and not repeat_group) or _lost(rep, group) else rep.label(group)
                    )
                    line.append(GCell(gtext, rowspan=n, kind="label"))
                line.append(GCell(rep.label(lab), kind="label"))
        line += [GCell(vals[key][c], key=f"requests.{key}.{c}") for c, _ in R.REQ_COLS]
        out.append(line)
    return out


def rep_group_at_split(rep, key) -> str | None:
    """The group of the row before `key` (the group a split cuts through), if any."""
    keys = [r for r, _, _ in rep.req_rows]
    i = keys.index(key)
    return rep.req_rows[i - 1][1] if i else None


def _req_header_flat(rep) -> list[list[GCell]]:
    return [
        [
            GCell("项目", rowspan=2, kind="head"),
            GCell(rep.label("自然人"), rowspan=2, kind="head"),
            GCell(rep.label("法人或其他组织"), colspan=5, kind="head"),
            GCell(rep.label("总计"), rowspan=2, kind="head"),
        ],
        [GCell(rep.label(h), kind="head") for _, h in R.REQ_COLS[1:6]],
    ]


def _req_body_flat(rep, body: list, first: bool) -> list[list[GCell]]:
    vals = rep.printed["requests"]
    out = []
    for i, (key, group, lab) in enumerate(body):
        if key == "granted" and not _lost(rep, R.RESULTS_GROUP):
            out.append([GCell(rep.label(R.RESULTS_GROUP), colspan=8, kind="band")])
        text_ = rep.label(lab)
        prev = body[i - 1][1] if i else None
        if group and group != prev and not _lost(rep, group):
            text_ = rep.label(group) + " " + text_
        out.append(
            [GCell(text_, kind="label")]
            + [GCell(vals[key][c], key=f"requests.{key}.{c}") for c, _ in R.REQ_COLS]
        )
    return out


def requests_parts(rep: R.SyntheticReport, lay: Layout) -> list[Part]:
    body = rep.req_rows
    k = lay.requests_split if lay.requests_split and lay.requests_split < len(body) else None
    chunks = [body[:k], body[k:]] if k else [body]
    flat = lay.requests == "flat"
    widths = [0.44] + [0.08] * 7 if flat else [0.06, 0.11, 0.27] + [0.08] * 7
    head = _req_header_flat if flat else _req_header_merged

    def mk(ch, first):
        if flat:
            return _req_body_flat(rep, ch, first)
        return _req_body_merged(rep, ch, first, lay.repeat_group, lay.numeral_cell, lay.lost_style)

    parts = []
    for i, ch in enumerate(chunks):
        rows = (head(rep) if i == 0 or lay.repeat_header else []) + mk(ch, i == 0)
        parts.append(Part(rows, widths, continued=i > 0))
    if lay.rejoin and len(parts) == 2:  # a Word table cut over pages, exported as one table
        return [Part(parts[0].rows + parts[1].rows, widths)]
    return parts


# --- table 四 ---------------------------------------------------------------------------------


def appeals_parts(rep: R.SyntheticReport, lay: Layout) -> list[Part]:
    vals = rep.printed["appeals"]
    if vals is None:
        return []
    heads = [h for _, h in R.APPEAL_COLS]
    if lay.appeals == "labelled" and lay.appeals_names == "two_col":
        # 行政诉讼 | 未经复议直接起诉 / 复议后起诉 in a label column of its own
        rows = [
            [GCell("", colspan=2, kind="head")] + [GCell(h, kind="head") for h in heads],
            [GCell("行政复议", colspan=2, kind="label")]
            + [GCell(vals["review"][c], key=f"appeals.review.{c}") for c, _ in R.APPEAL_COLS],
            [GCell("行政诉讼", rowspan=2, kind="label"), GCell("未经复议直接起诉", kind="label")]
            + [
                GCell(vals["litigation_direct"][c], key=f"appeals.litigation_direct.{c}")
                for c, _ in R.APPEAL_COLS
            ],
            [GCell("复议后起诉", kind="label")]
            + [
                GCell(
                    vals["litigation_after_review"][c], key=f"appeals.litigation_after_review.{c}"
                )
                for c, _ in R.APPEAL_COLS
            ],
        ]
        return [Part(rows, [0.14, 0.2] + [0.132] * 5)]
    if lay.appeals == "labelled":
        names = {
            "paren": ("行政复议", "行政诉讼（未经复议直接起诉）", "行政诉讼（复议后起诉）"),
            "halfwidth": ("行政复议", "行政诉讼(未经复议直接起诉)", "行政诉讼(复议后起诉)"),
            "bare": ("行政复议", "未经复议直接起诉", "复议后起诉"),
        }[lay.appeals_names]
        rows = [[GCell("", kind="head")] + [GCell(h, kind="head") for h in heads]]
        for (key, _), name in zip(R.APPEAL_ROWS, names, strict=True):
            rows.append(
                [GCell(rep.label(name), kind="label")]
                + [GCell(vals[key][c], key=f"appeals.{key}.{c}") for c, _ in R.APPEAL_COLS]
            )
        return [Part(rows, [0.3] + [0.14] * 5)]
    rows = [
        [GCell("行政复议", colspan=5, kind="head"), GCell("行政诉讼", colspan=10, kind="head")],
        [GCell(h, rowspan=2, kind="head") for h in heads]
        + [
            GCell("未经复议直接起诉", colspan=5, kind="head"),
            GCell("复议后起诉", colspan=5, kind="head"),
        ],
        [GCell(h, kind="head") for h in heads * 2],
        [
            GCell(vals[key][c], key=f"appeals.{key}.{c}")
            for key, _ in R.APPEAL_ROWS
            for c, _ in R.APPEAL_COLS
        ],
    ]
    if lay.trailing_blank:
        rows.append([GCell("") for _ in range(15)])
    widths = [1 / 15] * 15
    if lay.appeals_split:
        return [Part(rows[:3], widths), Part(rows[3:], widths, continued=True)]
    return [Part(rows, widths)]


def all_tables(rep: R.SyntheticReport, lay: Layout) -> dict[str, list[Part]]:
    return {
        "active": active_parts(rep, lay),
        "requests": requests_parts(rep, lay),
        "appeals": appeals_parts(rep, lay),
    }


def tables_blocks(rep: R.SyntheticReport, title: str) -> list[tuple[str, object]]:
    """A file holding only the report's three tables under their headings (an 附表)."""
    out: list[tuple[str, object]] = [("title", title)]
    for i, name in ((1, "active"), (2, "requests"), (3, "appeals")):
        out += [("heading", rep.label(R.SECTIONS[i])), ("table", name)]
    return out


def text_blocks(rep: R.SyntheticReport, note: str) -> list[tuple[str, object]]:
    """The report without its tables: `note` where each table stands (详见附件)."""
    return [("para", note) if kind == "table" else (kind, val) for kind, val in section_blocks(rep)]


def section_blocks(rep: R.SyntheticReport) -> list[tuple[str, object]]:
    """The report in reading order: ("title", text) ("heading", text) ("para", text)
    ("table", name) ("sign", text)."""
    n = rep.narrative
    out: list[tuple[str, object]] = [("title", line) for line in rep.title_lines]
    out += [("para", p) for p in n["intro"]]
    out.append(("heading", rep.label(R.SECTIONS[0])))
    for h, p in n["overview"]:
        out += [("subheading", h), ("para", p)]
    out += [("heading", rep.label(R.SECTIONS[1])), ("table", "active")]
    out += [("heading", rep.label(R.SECTIONS[2])), ("table", "requests")]
    out.append(("heading", rep.label(R.SECTIONS[3])))
    if rep.printed["appeals"] is None:
        out.append(
            ("para", f"{rep.year}年，{rep.short}政府信息公开行政复议、行政诉讼情况详见附件。")
        )
    else:
        out.append(("table", "appeals"))
    out.append(("heading", rep.label(R.SECTIONS[4])))
    out += [("para", p) for p in n["problems"]]
    out.append(("heading", rep.label(R.SECTIONS[5])))
    out += [("para", p) for p in n["other"]]
    d = rep.publish_date
    if rep.signature:
        out.append(("sign", rep.signature))
    out.append(("sign", f"{d.year}年{d.month}月{d.day}日"))
    return out
