"""The data of a body's page: its place and level, and all its years as a small time series
(requests received, granted, withheld, appeals) with a link to each year's report."""

from __future__ import annotations

from archive.editions import row, rows
from archive.publish.labels import CHECK_STATUS

SERIES = [
    ("received", "本年新收申请"),
    ("granted", "予以公开"),
    ("withheld", "不予公开"),
    ("appeals", "复议与诉讼"),
]


def _bars(points: list[tuple], width: int = 220, height: int = 48) -> list[dict]:
    """Bars of a small chart (x, y, w, h in an SVG of width × height), one per year; a year
    whose number is unknown has no bar."""
    values = [v for _, v in points if v is not None]
    top = max(values) if values and max(values) > 0 else 1
    step = width / max(1, len(points))
    out = []
    for i, (year, v) in enumerate(points):
        h = 0 if v is None else max(1.0, (height - 12) * v / top) if v else 0
        out.append(
            {
                "year": year,
                "value": v,
                "x": round(i * step + 2, 1),
                "w": round(step - 4, 1),
                "h": round(h, 1),
                "y": round(height - 12 - h, 1),
            }
        )
    return out


def years_of(conn, body_id: int) -> list[dict]:
    """A body's reports by year, each with its headline numbers, the change in requests
    received from the year before, and `carry`: whether its 上年结转 equals the year before's
    结转下年度 (None where that cannot be said)."""
    years = rows(
        conn,
        "SELECT r.id, r.year, r.title, r.check_status, r.current, r.editions, "
        "f.received, f.granted, f.withheld, f.processed, f.carried_over, "
        "f.carried_forward, f.review_total, f.lawsuit_total FROM reports r "
        "LEFT JOIN report_figures f ON f.report_id = r.id "
        "WHERE r.body_id = ? ORDER BY r.year",
        (body_id,),
    )
    by_year = {y["year"]: y for y in years if y["year"] is not None}
    for y in years:
        parts = [y["review_total"], y["lawsuit_total"]]
        y["appeals"] = None if all(p is None for p in parts) else sum(p or 0 for p in parts)
        y["status"] = CHECK_STATUS.get(y["check_status"], y["check_status"])
        prev = by_year.get(y["year"] - 1) if y["year"] is not None else None
        y["change"] = y["carry"] = None
        if prev and prev["received"] is not None and y["received"] is not None:
            y["change"] = y["received"] - prev["received"]
        if prev and prev["carried_forward"] is not None and y["carried_over"] is not None:
            y["carry"] = prev["carried_forward"] == y["carried_over"]
    return years


def body_page(conn, body_id: int) -> dict | None:
    body = row(conn, "SELECT * FROM bodies WHERE id = ?", (body_id,))
    if body is None:
        return None
    years = years_of(conn, body_id)
    charts = [
        {
            "key": k,
            "label": label,
            "bars": _bars([(y["year"], y[k]) for y in years if y["year"] is not None]),
        }
        for k, label in SERIES
    ]
    others = rows(
        conn,
        "SELECT id, name, province, city, county FROM bodies "
        "WHERE name = ? AND id != ? ORDER BY province, city",
        (body["name"], body_id),
    )
    carry = row(
        conn,
        "SELECT count(DISTINCT year) AS years, count(*) AS cells "
        "FROM carryover_mismatches WHERE body_id = ?",
        (body_id,),
    )
    text = row(
        conn,
        "SELECT count(DISTINCT c.report_id) AS reports, count(*) AS checks "
        "FROM report_checks c JOIN reports r ON r.id = c.report_id "
        "WHERE r.body_id = ? AND c.kind = 'text_vs_table'",
        (body_id,),
    )
    return {
        "body": body,
        "years": years,
        "charts": charts,
        "series": SERIES,
        "namesakes": others,
        "carry_mismatches": carry,
        "text_vs_table": text,
        "carry_known": sum(1 for y in years if y["carry"] is not None),
    }
