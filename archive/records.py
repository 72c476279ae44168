"""What the archive reads from an extraction record: the wide row of headline figures, the long
rows of values and checks, the check status, the signature date, the sections' places in the
text."""

from __future__ import annotations

import json
import re
from itertools import pairwise

from archive.schema import APPEAL_COLS, DECLINED, FIGURE_COLUMNS, OTHER, UNAVAILABLE, WITHHELD

ARITHMETIC = ("row_total", "outcome_total", "balance")


def _num(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _sum(values):
    vals = [v for v in values if v is not None]
    return sum(vals) if vals else None


def figures(record: dict) -> dict:
    """The wide row: requests' 总计 column and the appeals table, None where not printed."""
    tables = record.get("tables") or {}
    req = tables.get("requests") or {}
    app = tables.get("appeals") or {}

    def r(row):
        return _num((req.get(row) or {}).get("total"))

    out = {
        "received": r("new_received"),
        "carried_over": r("carried_over"),
        "granted": r("granted"),
        "partly_granted": r("partly_granted"),
        "processed": r("total"),
        "carried_forward": r("carried_forward"),
    }
    for group, keys in (
        ("withheld", WITHHELD),
        ("unavailable", UNAVAILABLE),
        ("declined", DECLINED),
    ):
        for k in keys:
            out[f"{group}_{k}"] = r(f"{group}_{k}")
        out[group] = _sum(out[f"{group}_{k}"] for k in keys)
    out["other_handling"] = r("other") if "other" in req else _sum(r(f"other_{k}") for k in OTHER)
    for c in APPEAL_COLS:
        out[f"review_{c}"] = _num((app.get("review") or {}).get(c))
        out[f"lawsuit_{c}"] = _sum(
            _num((app.get(row) or {}).get(c))
            for row in ("litigation_direct", "litigation_after_review")
        )
    return {c: out.get(c) for c in FIGURE_COLUMNS}


def check_rows(checks: list[str]) -> list[dict]:
    rows = []
    for cid in checks or []:
        head, _, subject = cid.partition(":")
        table_key, _, kind = head.partition(".")
        rows.append(
            {"check_id": cid, "kind": kind, "table_key": table_key, "subject": subject or None}
        )
    return rows


def check_status(record: dict) -> str:
    """ok · fails (the report's own arithmetic fails) · incomplete (a table missing or
    truncated) · no_tables (a report without the template's tables, e.g. before 2019)."""
    if not any((record.get("tables") or {}).values()):
        return "no_tables"
    kinds = {row["kind"] for row in check_rows(record.get("checks"))}
    if kinds & set(ARITHMETIC):
        return "fails"
    if kinds:
        return "incomplete"
    return "ok"


def value_rows(record: dict) -> list[dict]:
    units = record.get("units") or {}
    prov = record.get("provenance") or {}
    rows = []
    for table_key, table in (record.get("tables") or {}).items():
        for row_key, cols in (table or {}).items():
            for col_key, value in (cols or {}).items():
                where = ((prov.get(table_key) or {}).get(row_key) or {}).get(col_key)
                rows.append(
                    {
                        "table_key": table_key,
                        "row_key": row_key,
                        "col_key": col_key,
                        "value": _num(value),
                        "unit": units.get(f"{table_key}.{row_key}.{col_key}"),
                        "page": where.get("page") if where else None,
                        "provenance": json.dumps(where, ensure_ascii=False) if where else None,
                    }
                )
    return rows


def text_check_rows(record: dict) -> list[dict]:
    """The record's text-vs-table checks as report_checks rows."""
    rows = []
    for c in record.get("text_checks") or []:
        cell = c["id"].partition(":")[2]
        table_key, _, subject = cell.partition(".")
        rows.append(
            {
                "check_id": c["id"],
                "kind": "text_vs_table",
                "table_key": table_key,
                "subject": subject,
                "statement": c.get("text"),
                "stated": c.get("stated"),
                "printed": c.get("printed"),
            }
        )
    return rows


_DATE = re.compile(r"(20\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


def published_date(record: dict | None, text: str) -> str | None:
    """The record's date if it has one, else the last date printed in the report's tail
    (the signature date of a report), as YYYY-MM-DD."""
    if record and record.get("published"):
        return str(record["published"])
    hits = list(_DATE.finditer((text or "")[-300:]))
    if not hits:
        return None
    y, m, d = (int(x) for x in hits[-1].groups())
    return f"{y:04d}-{m:02d}-{d:02d}" if 1 <= m <= 12 and 1 <= d <= 31 else None


def section_offsets(record: dict, text: str) -> list[dict]:
    """The record's sections as places in the text: [{number, heading, start, end}], where
    text[start:end] is the heading and what follows it up to the next section (tables
    included) or, for the last, the end of the section's own text."""
    out, pos = [], 0
    for s in record.get("sections") or []:
        heading = s.get("heading") or ""
        start = text.find(heading, pos) if heading else -1
        if start < 0:
            continue
        body = s.get("text") or ""
        at = text.find(body, start + len(heading)) if body else -1
        end = at + len(body) if at >= 0 else start + len(heading)
        out.append({"number": s.get("number"), "heading": heading, "start": start, "end": end})
        pos = start + len(heading)
    for a, b in pairwise(out):  # a section runs to the next heading
        a["end"] = b["start"]
    return out
