"""One report, several copies. A body often publishes the same report twice (an HTML page and
the attached PDF or DOCX), or uploads it again. Every copy is an edition (report_editions) of
one report, the report of its body and year (reports: one row per body and year; a report that
names no body or year stands alone). settle() makes a report's row, numbers (report_values,
report_checks, report_figures) and search index from its representative edition, chosen in
this order:

1. an edition its URL still serves (current) over one changed or taken down since;
2. one with the three tables complete over one with a table missing or cut short, over one
   without tables;
3. one that holds the report's text (its 一、总体情况 at least) over one that holds only its
   tables (the attachment of a report whose text is in another);
4. a born-digital file with cells (HTML, DOCX, spreadsheet, text) over a PDF (its cells are
   recovered from the page layout), over a scan or pictures read by OCR;
5. the first captured.

Each other edition records how many cells differ from the representative (`differs`); the
report page lists them with the differing numbers.
"""

from __future__ import annotations

import json

from archive import search
from archive.records import (
    check_rows,
    check_status,
    figures,
    published_date,
    text_check_rows,
    value_rows,
)
from archive.regions import split_region
from archive.schema import FIGURE_COLUMNS

TABLES = ("active", "requests", "appeals")


def row(conn, sql: str, args=()) -> dict | None:
    cur = conn.execute(sql, args)
    got = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], got, strict=True)) if got else None


def rows(conn, sql: str, args=()) -> list[dict]:
    cur = conn.execute(sql, args)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def text_of(conn, sha256: str, part: int = 0) -> str:
    got = conn.execute(
        "SELECT text FROM document_texts WHERE sha256 = ? AND part = ?", (sha256, part)
    ).fetchone()
    return (got[0] or "") if got else ""


def unindex_report(conn, report_id: int) -> None:
    """Take a report out of the search index (it is indexed while reports.sha256 is set)."""
    rep = row(conn, "SELECT title, body, sha256, part FROM reports WHERE id = ?", (report_id,))
    if rep and rep["sha256"]:
        search.unindex_row(
            conn,
            report_id,
            rep["title"],
            rep["body"],
            text_of(conn, rep["sha256"], rep["part"] or 0),
        )
        conn.execute("UPDATE reports SET sha256 = NULL WHERE id = ?", (report_id,))


def _completeness(record: dict) -> int:
    tables = record.get("tables") or {}
    if not any(tables.values()):
        return 0
    kinds = {c["kind"] for c in check_rows(record.get("checks"))}
    return 2 if all(tables.get(t) for t in TABLES) and not kinds & {"missing", "incomplete"} else 1


def _format_rank(edition: dict, record: dict) -> int:
    if any("ocr" in str(n).lower() for n in record.get("notes") or []):
        return 0
    return 1 if (edition.get("format") or "") == "pdf" else 2


def rank(edition: dict, record: dict) -> tuple:
    """Sort key: the representative sorts first (the order in the module's docstring)."""
    has_text = any(s.get("number") == 1 for s in json.loads(edition.get("sections") or "[]"))
    return (
        -(edition.get("current") or 0),
        -_completeness(record),
        -has_text,
        -_format_rank(edition, record),
        edition["id"],
    )


def cells(record: dict) -> dict:
    """{(table, row, col): value} of a record."""
    return {(v["table_key"], v["row_key"], v["col_key"]): v["value"] for v in value_rows(record)}


def differing(a: dict, b: dict) -> list[tuple]:
    """The cells (table, row, col) where two records print different values (a cell one of
    them lacks counts)."""
    ca, cb = cells(a), cells(b)
    return sorted(k for k in ca.keys() | cb.keys() if ca.get(k, "∅") != cb.get(k, "∅"))


def settle(db, report_ids) -> None:
    """Remake each report's row, numbers and index entry from its representative edition; a
    report left without editions is removed, and so is a body left without reports."""
    conn = db.conn
    dropped_bodies = set()
    for rid in sorted({r for r in report_ids if r is not None}):
        unindex_report(conn, rid)
        for table in ("report_values", "report_checks", "report_figures"):
            conn.execute(f"DELETE FROM {table} WHERE report_id = ?", (rid,))
        report = row(conn, "SELECT id, body_id FROM reports WHERE id = ?", (rid,))
        if report is None:
            continue
        eds = rows(
            conn,
            "SELECT e.*, t.record, t.text, t.sections FROM report_editions e "
            "LEFT JOIN document_texts t ON t.sha256 = e.sha256 AND t.part = e.part "
            "WHERE e.report_id = ?",
            (rid,),
        )
        if not eds:
            conn.execute("DELETE FROM reports WHERE id = ?", (rid,))
            dropped_bodies.add(report["body_id"])
            continue
        pairs = sorted(((e, json.loads(e["record"] or "{}")) for e in eds), key=lambda p: rank(*p))
        rep, rec = pairs[0]
        _write_report(conn, report, rep, rec, len(eds), max(e["current"] or 0 for e in eds))
        for e, r in pairs:
            conn.execute(
                "UPDATE report_editions SET representative = ?, differs = ? WHERE id = ?",
                (int(e is rep), None if e is rep else len(differing(rec, r)), e["id"]),
            )
    for body_id in dropped_bodies - {None}:
        if not conn.execute("SELECT 1 FROM reports WHERE body_id = ?", (body_id,)).fetchone():
            conn.execute("DELETE FROM bodies WHERE id = ?", (body_id,))


def _write_report(conn, report: dict, rep: dict, rec: dict, n_editions: int, current: int) -> None:
    rid = report["id"]
    body = row(conn, "SELECT * FROM bodies WHERE id = ?", (report["body_id"],)) or {}
    if body:
        place = {k: body[k] for k in ("province", "city", "county", "level")}
    else:  # no body named: the place of the portal it was found on
        portal = (
            row(conn, "SELECT region_code FROM portals WHERE name = ?", (rep["portal"],))
            if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'portals'").fetchone()
            else None
        )
        place = {**split_region((portal or {}).get("region_code")), "level": None}
    has_tables = any((rec.get("tables") or {}).values())
    values = {
        "title": rep["title"],
        "body": body.get("name") or rep["body"],
        "year": rep["year"],
        **place,
        "check_status": check_status(rec),
        "template": rec.get("template") if has_tables else None,
        "editions": n_editions,
        "published": rep["published"] or published_date(rec, rep["text"] or ""),
        "url": rep["url"],
        "raw": rep["raw"],
        "fetched_at": rep["fetched_at"],
        "current": current,
        "portal": rep["portal"],
        "checks_failed": len(rec.get("checks") or []),
        "edition_id": rep["id"],
        "sha256": rep["sha256"],
        "part": rep["part"] or 0,
        "parser_version": rep["parser_version"],
    }
    conn.execute(
        f"UPDATE reports SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
        (*values.values(), rid),
    )
    search.index_row(conn, rid, values["title"], values["body"], rep["text"] or "")
    conn.executemany(
        "INSERT INTO report_values(report_id, table_key, row_key, col_key, value, unit, page, "
        "provenance) VALUES (?,?,?,?,?,?,?,?)",
        [
            (
                rid,
                v["table_key"],
                v["row_key"],
                v["col_key"],
                v["value"],
                v["unit"],
                v["page"],
                v["provenance"],
            )
            for v in value_rows(rec)
        ],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO report_checks(report_id, check_id, kind, table_key, subject, "
        "statement, stated, printed) VALUES (?,?,?,?,?,?,?,?)",
        [
            (
                rid,
                c["check_id"],
                c["kind"],
                c["table_key"],
                c["subject"],
                c.get("statement"),
                c.get("stated"),
                c.get("printed"),
            )
            for c in check_rows(rec.get("checks")) + text_check_rows(rec)
        ],
    )
    if has_tables:
        fig = figures(rec)
        cols = [
            "report_id",
            "title",
            "body",
            "year",
            "province",
            "city",
            "county",
            "level",
            "template",
            "body_id",
            *FIGURE_COLUMNS,
        ]
        conn.execute(
            f"INSERT INTO report_figures({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            (
                rid,
                values["title"],
                values["body"],
                values["year"],
                place["province"],
                place["city"],
                place["county"],
                place["level"],
                values["template"],
                report["body_id"],
                *fig.values(),
            ),
        )
