"""The data of a report's page: the report and its body, its three tables laid out as the template
prints them (blank cells blank, units shown, failed checks marked on their row or column and
said in words), its editions and how they differ, the same body's other years."""

from __future__ import annotations

import json

from archive.editions import differing, row, rows
from archive.publish.labels import (
    ACTIVE,
    APPEAL_COLS,
    APPEAL_ROWS,
    APPLICANTS,
    BALANCE_ROWS,
    CHECK_STATUS,
    OUTCOME_ROWS,
    REQUEST_COLS,
    REQUEST_ROWS,
    TABLE_SHORT,
    TABLE_TITLES,
    col_label,
    row_label,
)
from archive.publish.pages.body import years_of
from archive.records import check_rows
from archive.template import RESULTS_GROUP


def number(value) -> str:
    """A printed number as the report printed it: integers without a decimal point."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) and abs(value) >= 10000 else str(value)


def _sum(values):
    return None if any(v is None for v in values) else sum(values)


def check_words(check_id: str, tables: dict) -> str:
    """A failed check in words, with the numbers that fail it."""
    c = check_rows([check_id])[0]
    req = tables.get("requests") or {}
    app = tables.get("appeals") or {}

    def rv(r, col):
        return (req.get(r) or {}).get(col)

    kind, subject, table = c["kind"], c["subject"], c["table_key"]
    if kind == "missing":
        return f"报告中没有“{TABLE_TITLES.get(table, table)}”这张表"
    if kind == "incomplete":
        return f"“{TABLE_TITLES.get(table, table)}”不完整：缺少模板中的行"
    if table == "requests" and kind == "row_total":
        parts = _sum([rv(subject, a) for a in APPLICANTS])
        return (
            f"“{row_label('requests', subject)}”一行：总计印 {number(rv(subject, 'total'))}，"
            f"六类申请人之和为 {number(parts)}"
        )
    if table == "requests" and kind == "outcome_total":
        parts = _sum([rv(r, subject) for r in OUTCOME_ROWS if r in req])
        return (
            f"“{col_label('requests', subject)}”一列：（七）总计印 {number(rv('total', subject))}，"
            f"办理结果各项之和为 {number(parts)}"
        )
    if table == "requests" and kind == "balance":
        a, b, t, f = (rv(r, subject) for r in BALANCE_ROWS)
        return (
            f"“{col_label('requests', subject)}”一列：本年新收 {number(a)} + 上年结转 {number(b)}"
            f" ≠ 办理总计 {number(t)} + 结转下年度 {number(f)}"
        )
    if table == "appeals" and kind == "row_total":
        cells = app.get(subject) or {}
        parts = _sum([cells.get(k) for k, _ in APPEAL_COLS[:-1]])
        return (
            f"“{row_label('appeals', subject)}”：总计印 {number(cells.get('total'))}，"
            f"维持、纠正、其他、尚未审结之和为 {number(parts)}"
        )
    return check_id


def _marks(checks: list[str]) -> dict:
    """{(table, row, col): [check ids]} of the cells a failed check is about."""
    out: dict = {}
    for c in check_rows(checks):
        cells = []
        if c["table_key"] == "requests" and c["kind"] == "row_total":
            cells = [("requests", c["subject"], k) for k, _ in REQUEST_COLS]
        elif c["table_key"] == "requests" and c["kind"] == "outcome_total":
            cells = [("requests", r, c["subject"]) for r in OUTCOME_ROWS + ["total"]]
        elif c["table_key"] == "requests" and c["kind"] == "balance":
            cells = [("requests", r, c["subject"]) for r in BALANCE_ROWS]
        elif c["table_key"] == "appeals" and c["kind"] == "row_total":
            cells = [("appeals", c["subject"], k) for k, _ in APPEAL_COLS]
        for cell in cells:
            out.setdefault(cell, []).append(c["check_id"])
    return out


def _cell(table, r, col, values, units, marks, where=None) -> dict:
    v = (values.get(r) or {}).get(col) if r in values else None
    present = r in values and col in (values.get(r) or {})
    unit = units.get(f"{table}.{r}.{col}")
    return {
        "table": table,
        "row": r,
        "col": col,
        "text": number(v),
        "unit": unit or "",
        "blank": v is None,
        "absent": not present,
        "checks": marks.get((table, r, col), []),
        "source": v is not None and bool(((where or {}).get(r) or {}).get(col)),
    }


def _request_labels(present: list[tuple]) -> list[list[dict]]:
    """The label cells of each row of the requests table in the template's three columns
    (一、… · （一）… · 1. …), merged over the rows they cover: [{text, rowspan, colspan}]."""
    out = []
    for i, (_key, group, label) in enumerate(present):
        cells = []
        if not group:  # 一、二、四: across the three label columns
            out.append([{"text": label, "rowspan": 1, "colspan": 3}])
            continue
        if i == 0 or not present[i - 1][1]:  # the first row of 三、本年度办理结果
            span = next((j for j in range(i, len(present)) if not present[j][1]), len(present)) - i
            cells.append({"text": RESULTS_GROUP, "rowspan": span, "colspan": 1})
        if group == RESULTS_GROUP:
            cells.append({"text": label, "rowspan": 1, "colspan": 2})
        else:
            if present[i - 1][1] != group:
                span = (
                    next(
                        (j for j in range(i, len(present)) if present[j][1] != group), len(present)
                    )
                    - i
                )
                cells.append({"text": group, "rowspan": span, "colspan": 1})
            cells.append({"text": label, "rowspan": 1, "colspan": 1})
        out.append(cells)
    return out


def layout(record: dict) -> dict:
    """The three tables as the template prints them, every cell with its key, its printed text
    ("" when blank) and the failed checks it belongs to."""
    tables = record.get("tables") or {}
    units = record.get("units") or {}
    marks = _marks(record.get("checks") or [])
    for c in record.get("text_checks") or []:
        t, _, rc = c["id"].partition(":")[2].partition(".")
        r, _, col = rc.partition(".")
        marks.setdefault((t, r, col), []).append(c["id"])
    prov = record.get("provenance") or {}
    out = {}
    active = tables.get("active")
    if active:
        template = (
            record.get("template")
            if record.get("template") in ACTIVE
            else (
                "2021"
                if "issued" in json.dumps(active) or "in_force" in json.dumps(active)
                else "2019"
            )
        )
        out["active"] = [
            {
                "article": article,
                "heads": [h for _, h in heads],
                "rows": [
                    {
                        "label": label,
                        "key": key,
                        "cells": [
                            _cell("active", key, c, active, units, marks, prov.get("active"))
                            for c, _ in heads
                        ],
                    }
                    for key, label in rows_
                    if key in active
                ],
            }
            for article, heads, rows_ in ACTIVE[template]
        ]
        out["active"] = [s for s in out["active"] if s["rows"]]
    req = tables.get("requests")
    if req:
        present = [(k, g, lab) for k, g, lab in REQUEST_ROWS if k in req]
        out["requests"] = [
            {
                "key": k,
                "labels": labels,
                "cells": [
                    _cell("requests", k, c, req, units, marks, prov.get("requests"))
                    for c, _ in REQUEST_COLS
                ],
                "fails": [
                    check_words(c, tables)
                    for c in record.get("checks") or []
                    if c == f"requests.row_total:{k}"
                ],
            }
            for (k, _, _), labels in zip(present, _request_labels(present), strict=True)
        ]
    app = tables.get("appeals")
    if app:
        out["appeals"] = [
            _cell("appeals", k, c, app, units, marks, prov.get("appeals"))
            for k, _, _ in APPEAL_ROWS
            for c, _ in APPEAL_COLS
        ]
    return out


def _years(conn, report: dict) -> list[dict]:
    """The same body's reports (this one marked), as the body's page shows them."""
    if not report.get("body_id"):
        return []
    years = years_of(conn, report["body_id"])
    for y in years:
        y["this"] = y["id"] == report["id"]
    return years


def text_check_words(check: dict) -> str:
    """A text-vs-table disagreement in words."""
    t, _, rc = check["id"].partition(":")[2].partition(".")
    r, _, col = rc.partition(".")
    return (
        f"正文称“{check.get('text', '')}”（{number(check.get('stated'))}），"
        f"而“{TABLE_SHORT.get(t, t)} · {row_label(t, r)} · {col_label(t, col)}”"
        f"印 {number(check.get('printed'))}"
    )


def carry_over(conn, report_id: int) -> list[dict]:
    """This report's 上年结转 against the same body's 结转下年度 of the year before, per column
    where the two differ (the carryover_mismatches view)."""
    return rows(
        conn,
        "SELECT col, carried_over, prev_carried_forward, prev_report_id "
        "FROM carryover_mismatches WHERE report_id = ? ORDER BY col",
        (report_id,),
    )


def report_page(conn, report_id: int) -> dict | None:
    report = row(conn, "SELECT * FROM reports WHERE id = ?", (report_id,))
    if report is None:
        return None
    body = row(conn, "SELECT * FROM bodies WHERE id = ?", (report["body_id"],)) or {}
    eds = rows(
        conn,
        "SELECT e.*, t.record FROM report_editions e LEFT JOIN document_texts t "
        "ON t.sha256 = e.sha256 AND t.part = e.part WHERE e.report_id = ? "
        "ORDER BY e.representative DESC, e.id",
        (report_id,),
    )
    records = {e["id"]: json.loads(e.pop("record") or "{}") for e in eds}
    rep = next((e for e in eds if e["representative"]), eds[0] if eds else None)
    record = records.get(rep["id"], {}) if rep else {}
    for e in eds:
        diff = differing(record, records[e["id"]]) if e is not rep else []
        e["differences"] = [
            {
                "where": f"{TABLE_SHORT[t]} · {row_label(t, r)} · {col_label(t, c)}",
                "here": number(_get(records[e["id"]], t, r, c)),
                "there": number(_get(record, t, r, c)),
            }
            for t, r, c in diff[:30]
        ]
        e["more_differences"] = max(0, len(diff) - 30)
    text = (
        row(
            conn,
            "SELECT text, sections FROM document_texts WHERE sha256 = ? AND part = ?",
            (rep["sha256"], rep["part"]),
        )
        if rep
        else None
    )
    sections = []
    if text:
        for s in json.loads(text["sections"] or "[]"):
            body_text = text["text"][s["start"] + len(s["heading"]) : s["end"]].strip()
            sections.append({"heading": s["heading"], "text": body_text})
    checks = record.get("checks") or []
    return {
        "report": report,
        "body": body,
        "editions": eds,
        "representative": rep,
        "tables": layout(record),
        "has_tables": any((record.get("tables") or {}).values()),
        "checks": [{"id": c, "words": check_words(c, record.get("tables") or {})} for c in checks],
        "status": CHECK_STATUS.get(report["check_status"], report["check_status"]),
        "text_checks": [
            {
                "id": c["id"],
                "words": text_check_words(c),
                "cell": c["id"].partition(":")[2],
                "source": bool(_where(record, c["id"].partition(":")[2])),
            }
            for c in record.get("text_checks") or []
        ],
        "carry": [
            {**m, "label": col_label("requests", m["col"])} for m in carry_over(conn, report_id)
        ],
        "years": _years(conn, report),
        "sections": sections,
        "table_titles": TABLE_TITLES,
        "request_cols": [lab for _, lab in REQUEST_COLS],
        "appeal_cols": [lab for _, lab in APPEAL_COLS],
        "missing": [
            t
            for t in ("active", "requests", "appeals")
            if (record.get("tables") or {}).get(t) is None
        ],
    }


def _where(record: dict, cell: str):
    t, r, c = (cell.split(".") + ["", "", ""])[:3]
    return (((record.get("provenance") or {}).get(t) or {}).get(r) or {}).get(c)


def _get(record: dict, t: str, r: str, c: str):
    return (((record.get("tables") or {}).get(t) or {}).get(r) or {}).get(c)
