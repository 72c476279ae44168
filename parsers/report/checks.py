"""The identities the template states, evaluated on the printed numbers (spec: Checks).

A null cell makes a check unevaluable: it is skipped, never failed. A violated identity is a
fact about the source; nothing here changes a value.
"""

from __future__ import annotations

from parsers.report import labels as L

REQUEST_PARTS = L.REQUEST_COLS[:-1]
APPEAL_PARTS = L.APPEAL_COLS[:-1]


def _sum(values):
    if any(v is None for v in values):
        return None
    return sum(values)


def _differs(a, b) -> bool:
    return a is not None and b is not None and abs(a - b) > 1e-6


def compute_checks(tables: dict, template: str | None) -> list[str]:
    checks: list[str] = []
    for name in L.TABLES:
        rows = tables.get(name)
        if rows is None:
            checks.append(f"{name}.missing")
        elif _truncated(name, rows, template):
            checks.append(f"{name}.incomplete")
    requests = tables.get("requests") or {}
    checks += _row_totals("requests", requests, L.REQUEST_ROWS, REQUEST_PARTS)
    outcome_rows = _outcome_rows(requests)
    if outcome_rows and "total" in requests:
        for col in L.REQUEST_COLS:
            parts = _sum([requests[r].get(col) for r in outcome_rows])
            if _differs(requests["total"].get(col), parts):
                checks.append(f"requests.outcome_total:{col}")
    if all(r in requests for r in ("new_received", "carried_over", "total", "carried_forward")):
        for col in L.REQUEST_COLS:
            left = _sum([requests["new_received"].get(col), requests["carried_over"].get(col)])
            right = _sum([requests["total"].get(col), requests["carried_forward"].get(col)])
            if _differs(left, right):
                checks.append(f"requests.balance:{col}")
    checks += _row_totals("appeals", tables.get("appeals") or {}, L.APPEAL_ROWS, APPEAL_PARTS)
    return checks


def _row_totals(name: str, rows: dict, order: list[str], parts: list[str]) -> list[str]:
    """`<table>.row_total:<row>` for each row whose printed total is not the sum of its parts."""
    return [
        f"{name}.row_total:{row}"
        for row in order
        if (cells := rows.get(row))
        and _differs(cells.get("total"), _sum([cells.get(c) for c in parts]))
    ]


def _outcome_rows(requests: dict) -> list[str] | None:
    """The outcome rows, when every one of them is present (else the sum is unevaluable)."""
    base = L.OUTCOME_ROWS
    if not all(r in requests for r in base):
        return None
    if all(r in requests for r in L.OTHER_SPLIT):
        return base + L.OTHER_SPLIT
    if "other" in requests:
        return base + ["other"]
    return None


def _truncated(name: str, rows: dict, template: str | None) -> bool:
    """The table stops before its last template row (rows left out in the middle are not
    truncation: a body without rule-making power may drop 规章)."""
    if name == "requests":
        return "carried_forward" not in rows
    if name == "appeals":
        return "litigation_after_review" not in rows
    last = list(L.ACTIVE_ROWS[template or "2019"])[-1]
    return last not in rows
