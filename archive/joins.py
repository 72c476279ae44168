"""Reports split over the attachments of one detail page: the report's text (its title, body,
year and six sections, no tables) in one file, its three tables in another (an 附表, a
spreadsheet, a scan of the tables). Within one detail page (the captures' referer), when
exactly one attachment is such a text and exactly one prints tables but no report text of its
own — and the tables name no other body or year — they are one report:

- the text's edition takes the tables (its record joined by parsers.report.join, `tables_from`
  naming the file that prints them), so the report has its text and its numbers;
- the tables' edition becomes an edition of the same report (its numbers are the same), so
  every number still leads to the file that printed it.

settle() then makes the text's edition the representative (complete tables, and the text).
"""

from __future__ import annotations

import json

from archive.editions import rows
from archive.records import check_status
from parsers.report.join import has_tables, join_text_and_tables


def join_split_reports(db, version: str, pages: set[str]) -> set[int]:
    """Join the split reports among the attachments of `pages` (detail page URLs); returns
    the reports to settle."""
    if not pages or not db.table("captures").exists():
        return set()
    conn = db.conn
    dirty: set[int] = set()
    for page in sorted(pages):
        eds = rows(
            conn,
            """
            SELECT e.id, e.sha256, e.report_id, e.body, e.year, e.url, e.tables_from,
                   t.record, t.sections
            FROM report_editions e JOIN captures c ON c.id = e.capture_id
            JOIN document_texts t ON t.sha256 = e.sha256 AND t.part = e.part
            WHERE c.referer = ? AND e.part = 0 AND e.parser_version = ?""",
            (page, version),
        )
        for e in eds:
            e["record"] = json.loads(e["record"] or "{}")
            e["text"] = _is_text(json.loads(e["sections"] or "[]"))
        texts = [
            e
            for e in eds
            if not has_tables(e["record"])
            and e["text"]
            and e["record"].get("year")
            and e["record"].get("agency")
        ]
        tables = [e for e in eds if has_tables(e["record"]) and not e["text"]]
        if len(texts) != 1 or len(tables) != 1 or texts[0]["tables_from"]:
            continue
        text, tab = texts[0], tables[0]
        if not _compatible(text["record"], tab["record"]):
            continue
        dirty |= _join(conn, text, tab)
    return dirty


def _is_text(sections: list[dict]) -> bool:
    """A report's text: its 一、总体情况 and at least two more of its six sections."""
    return any(s.get("number") == 1 for s in sections) and len(sections) >= 3


def _compatible(text: dict, tables: dict) -> bool:
    """The tables name no other year or body than the text's."""
    year, agency = tables.get("year"), tables.get("agency")
    return (not year or year == text.get("year")) and (not agency or agency == text.get("agency"))


def _join(conn, text: dict, tab: dict) -> set[int]:
    joined = join_text_and_tables(
        text["record"], tab["record"], {"sha256": tab["sha256"], "url": tab["url"]}
    )
    conn.execute(
        "UPDATE document_texts SET record = ? WHERE sha256 = ? AND part = 0",
        (json.dumps(joined, ensure_ascii=False), text["sha256"]),
    )
    conn.execute(
        "UPDATE report_editions SET check_status = ?, checks_failed = ?, template = ?, "
        "units = ?, tables_from = ? WHERE id = ?",
        (
            check_status(joined),
            len(joined["checks"]),
            joined.get("template"),
            json.dumps(joined.get("units") or {}, ensure_ascii=False),
            tab["sha256"],
            text["id"],
        ),
    )
    dirty = {text["report_id"], tab["report_id"]}
    if tab["report_id"] != text["report_id"]:  # the tables' edition joins the text's report
        conn.execute(
            "UPDATE report_editions SET report_id = ? WHERE id = ?", (text["report_id"], tab["id"])
        )
    return dirty
