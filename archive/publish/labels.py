"""The Chinese labels of the canonical keys (../shared/spec/ogi-report.md, docs/archive.md), and the
three tables laid out as the national templates print them: for the report page, the chart
legends and the column help."""

from __future__ import annotations

from archive.template import (
    ACTIVE_2019,
    ACTIVE_2021,
    APPEAL_COLS,
    APPLICANTS,
    OTHER_ONE,
    OTHER_THREE,
    REQ_COLS,
    REQ_OUTCOMES,
    REQ_ROWS_HEAD,
    REQ_TAIL,
    RESULTS_GROUP,
    SECTIONS,
)

__all__ = [
    "ACTIVE",
    "APPEAL_COLS",
    "APPEAL_ROWS",
    "APPLICANTS",
    "BALANCE_ROWS",
    "CHECK_STATUS",
    "OUTCOME_ROWS",
    "REQUEST_COLS",
    "REQUEST_ROWS",
    "TABLE_SHORT",
    "TABLE_TITLES",
    "WITHHELD_REASONS",
    "col_label",
    "row_label",
]

REQUEST_COLS = REQ_COLS

# (row key, group label printed to its left, row label): 一、二、四 have no group; the outcome
# rows (一) (二) (六) (七) stand in 三、本年度办理结果, the numbered rows in their
# (三) (四) (五) (六)
REQUEST_ROWS = [
    (
        k,
        g or ("" if k in ("new_received", "carried_over", "carried_forward") else RESULTS_GROUP),
        label,
    )
    for k, g, label in (REQ_ROWS_HEAD + REQ_OUTCOMES + OTHER_ONE + OTHER_THREE + REQ_TAIL)
]
OUTCOME_ROWS = [k for k, _, _ in REQ_OUTCOMES + OTHER_ONE + OTHER_THREE]
BALANCE_ROWS = ["new_received", "carried_over", "total", "carried_forward"]

APPEAL_ROWS = [
    ("review", "行政复议", ""),
    ("litigation_direct", "行政诉讼", "未经复议直接起诉"),
    ("litigation_after_review", "行政诉讼", "复议后起诉"),
]

# table `active` by template: (the article of the Regulation, its column heads, its rows)
ACTIVE = {
    template: [(band, cols, rows) for band, rows, cols in bands]
    for template, bands in (("2019", ACTIVE_2019), ("2021", ACTIVE_2021))
}

TABLE_TITLES = dict(zip(("active", "requests", "appeals"), SECTIONS[1:4], strict=True))

TABLE_SHORT = {"active": "主动公开表", "requests": "依申请公开表", "appeals": "复议诉讼表"}

WITHHELD_REASONS = {
    k[len("withheld_") :]: label[2:] for k, _, label in REQUEST_ROWS if k.startswith("withheld_")
}
CHECK_STATUS = {
    "ok": "核验通过",
    "fails": "本表算术不符",
    "incomplete": "缺表或表不全",
    "no_tables": "无统计表",
}


def row_label(table: str, row: str) -> str:
    if table == "requests":
        return next(
            (
                f"{g}{lab}" if g and not lab.startswith(("（", "一", "二", "四")) else lab
                for k, g, lab in REQUEST_ROWS
                if k == row
            ),
            row,
        )
    if table == "appeals":
        return next((f"{a}{'·' + b if b else ''}" for k, a, b in APPEAL_ROWS if k == row), row)
    for sections in ACTIVE.values():
        for _, _, rows in sections:
            for k, lab in rows:
                if k == row:
                    return lab
    return row


def col_label(table: str, col: str) -> str:
    cols = {"requests": REQUEST_COLS, "appeals": APPEAL_COLS}.get(table)
    if cols is None:
        cols = [c for sections in ACTIVE.values() for _, cs, _ in sections for c in cs]
    return dict(cols).get(col, col)
