"""Store one parsed (or failed) report: reports, report_texts, report_values, report_checks,
report_figures, agencies and the full-text index. The only code that writes those tables."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import sqlite_utils

from archive import search
from archive.regions import split_region
from archive.schema import APPEAL_COLS, DECLINED, FIGURE_COLUMNS, OTHER, UNAVAILABLE, WITHHELD

ARITHMETIC = ("row_total", "outcome_total", "balance")


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


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

    out = {"received": r("new_received"), "carried_over": r("carried_over"),
           "granted": r("granted"), "partly_granted": r("partly_granted"),
           "processed": r("total"), "carried_forward": r("carried_forward")}
    for group, keys in (("withheld", WITHHELD), ("unavailable", UNAVAILABLE),
                        ("declined", DECLINED)):
        for k in keys:
            out[f"{group}_{k}"] = r(f"{group}_{k}")
        out[group] = _sum(out[f"{group}_{k}"] for k in keys)
    out["other_handling"] = r("other") if "other" in req else _sum(r(f"other_{k}") for k in OTHER)
    for c in APPEAL_COLS:
        out[f"review_{c}"] = _num((app.get("review") or {}).get(c))
        out[f"lawsuit_{c}"] = _sum(_num((app.get(row) or {}).get(c))
                                   for row in ("litigation_direct", "litigation_after_review"))
    return {c: out.get(c) for c in FIGURE_COLUMNS}


def check_rows(checks: list[str]) -> list[dict]:
    rows = []
    for cid in checks or []:
        head, _, subject = cid.partition(":")
        table_key, _, kind = head.partition(".")
        rows.append({"check_id": cid, "kind": kind, "table_key": table_key,
                     "subject": subject or None})
    return rows


def check_status(record: dict | None, parse_status: str) -> str:
    """ok · fails (the report's own arithmetic fails) · incomplete (a table missing or
    truncated) · not parsed."""
    if parse_status != "ok" or record is None:
        return "not parsed"
    kinds = {row["kind"] for row in check_rows(record.get("checks"))}
    if kinds & set(ARITHMETIC):
        return "fails"
    if kinds:
        return "incomplete"
    return "ok"


def value_rows(record: dict) -> list[dict]:
    units = record.get("units") or {}
    rows = []
    for table_key, table in (record.get("tables") or {}).items():
        for row_key, cols in (table or {}).items():
            for col_key, value in (cols or {}).items():
                rows.append({"table_key": table_key, "row_key": row_key, "col_key": col_key,
                             "value": _num(value),
                             "unit": units.get(f"{table_key}.{row_key}.{col_key}")})
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


def _agency(record: dict | None) -> str | None:
    a = (record or {}).get("agency")
    if isinstance(a, list):
        a = a[0] if a else None
    return a or None


def store_report(db: sqlite_utils.Database, *, sha256: str, record: dict | None,
                 parser_version: str, parse_status: str = "ok", error: str | None = None,
                 text: str = "", sections: list | None = None, capture: dict | None = None,
                 portal: dict | None = None, ext: str = "") -> int:
    """Insert or replace the report for this document (sha256). Returns reports.id.

    capture: a captures row (id, url, fetched_at, content_type, size, portal …);
    portal: a portals row (name, region_code, level). Call inside a transaction for speed."""
    capture = capture or {}
    portal = portal or {}
    conn = db.conn
    agency = _agency(record)
    region = split_region(portal.get("region_code"))
    if agency:
        conn.execute(
            "INSERT INTO agencies(name, region_code, province, city, county, level, portal) "
            "VALUES (?,?,?,?,?,?,?) ON CONFLICT(name) DO NOTHING",
            (agency, portal.get("region_code"), region["province"], region["city"],
             region["county"], portal.get("level"), portal.get("name")))
    rec = record or {}
    row = {
        "sha256": sha256, "title": rec.get("title"), "agency": agency, "year": rec.get("year"),
        "template": rec.get("template"), "published": published_date(record, text),
        **region, "portal": portal.get("name") or capture.get("portal"),
        "url": capture.get("final_url") or capture.get("url"), "raw": f"{sha256}{ext}",
        "capture_id": capture.get("id"), "fetched_at": capture.get("fetched_at"),
        "content_type": capture.get("content_type"), "size": capture.get("size"),
        "parse_status": parse_status, "error": error,
        "check_status": check_status(record, parse_status),
        "checks_failed": len(rec.get("checks") or []) if record else None,
        "current": 1, "parser_version": parser_version, "parsed_at": now(),
        "units": json.dumps(rec.get("units") or {}, ensure_ascii=False) if record else None,
    }
    old = conn.execute("SELECT id, title, agency FROM reports WHERE sha256 = ?",
                       (sha256,)).fetchone()
    if old:
        rid = old[0]
        body = conn.execute("SELECT text FROM report_texts WHERE report_id = ?",
                            (rid,)).fetchone()
        search.unindex_row(conn, rid, old[1] or "", old[2] or "", body[0] if body else "")
        for tbl in ("report_values", "report_checks", "report_figures", "report_texts"):
            conn.execute(f"DELETE FROM {tbl} WHERE report_id = ?", (rid,))
        sets = ", ".join(f"{k} = ?" for k in row)
        conn.execute(f"UPDATE reports SET {sets} WHERE id = ?", (*row.values(), rid))
    else:
        cols = ", ".join(row)
        cur = conn.execute(f"INSERT INTO reports({cols}) VALUES ({', '.join('?' * len(row))})",
                           tuple(row.values()))
        rid = cur.lastrowid
    conn.execute("INSERT INTO report_texts(report_id, text, sections, record) VALUES (?,?,?,?)",
                 (rid, text, json.dumps(sections or [], ensure_ascii=False),
                  json.dumps(record, ensure_ascii=False) if record else None))
    search.index_row(conn, rid, row["title"] or "", agency or "", text or "")
    if record:
        conn.executemany(
            "INSERT INTO report_values(report_id, table_key, row_key, col_key, value, unit) "
            "VALUES (?,?,?,?,?,?)",
            [(rid, v["table_key"], v["row_key"], v["col_key"], v["value"], v["unit"])
             for v in value_rows(record)])
        conn.executemany(
            "INSERT OR IGNORE INTO report_checks(report_id, check_id, kind, table_key, subject) "
            "VALUES (?,?,?,?,?)",
            [(rid, c["check_id"], c["kind"], c["table_key"], c["subject"])
             for c in check_rows(record.get("checks"))])
        fig = figures(record)
        cols = ["report_id", "agency", "province", "city", "year", "template", *fig]
        conn.execute(f"INSERT INTO report_figures({', '.join(cols)}) "
                     f"VALUES ({', '.join('?' * len(cols))})",
                     (rid, agency, region["province"], region["city"], rec.get("year"),
                      rec.get("template"), *fig.values()))
    return rid


def refresh_current(db: sqlite_utils.Database) -> None:
    """reports.current = 1 when the report's document is what its URL served last (or it was
    stored without a capture); 0 when the URL has since changed or been removed."""
    if not db.table("captures").exists():
        return
    with db.conn:
        db.execute("""
            WITH latest AS (
              SELECT COALESCE(final_url, url) AS u, sha256, MAX(id) FROM captures
              WHERE sha256 IS NOT NULL AND status = 200 AND error IS NULL GROUP BY u)
            UPDATE reports SET current = CASE
              WHEN url IS NULL THEN 1
              WHEN sha256 = (SELECT latest.sha256 FROM latest WHERE latest.u = reports.url)
                THEN 1
              WHEN NOT EXISTS (SELECT 1 FROM latest WHERE latest.u = reports.url) THEN 1
              ELSE 0 END""")
        if db.table("change_events").exists():
            db.execute("""
                UPDATE reports SET current = 0 WHERE url IN (
                  SELECT e.url FROM change_events e
                  WHERE e.id = (SELECT MAX(id) FROM change_events l WHERE l.url = e.url)
                    AND e.event = 'removed')""")
