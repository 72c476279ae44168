"""File parsed documents into the archive; the only code that writes its document tables.

file_document() files one parsed (or failed) document: its text once (document_texts), then,
as archive.classify decides, either as an edition of a report (report_editions, grouped by
body and year: archive.editions) or as another document (other_documents, with its own
full-text index). settle() (archive/editions.py) then makes each touched report's row, numbers
and index from its representative edition. refresh_current() marks what the URLs still serve.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

import sqlite_utils

from archive import search
from archive.bodies import body_of
from archive.classify import classify, clean_title, heading
from archive.editions import row, settle, text_of, unindex_report
from archive.records import check_status, published_date, section_offsets
from archive.regions import split_region

__all__ = ["file_document", "settle", "refresh_current", "refile_queued"]


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _agency(record: dict | None) -> str | None:
    a = (record or {}).get("agency")
    if isinstance(a, list):
        a = a[0] if a else None
    return a or None


@dataclass
class Filed:
    kind: str  # "report" or an other_documents kind
    id: int  # report_editions.id or other_documents.id
    dirty: set = field(default_factory=set)  # reports to settle()


def _forget(conn, sha256: str) -> tuple[int | None, set]:
    """Remove the earlier filing of a document (before it is filed again: every report of a
    compilation, or the other document it was); returns its (first) id and the reports it
    leaves to settle."""
    dirty, old_id = set(), None
    for ed in conn.execute(
        "SELECT id, report_id FROM report_editions WHERE sha256 = ? ORDER BY part", (sha256,)
    ).fetchall():
        old_id = ed[0] if old_id is None else old_id
        dirty.add(ed[1])
        if conn.execute(
            "SELECT 1 FROM reports WHERE id = ? AND edition_id = ?", (ed[1], ed[0])
        ).fetchone():
            unindex_report(conn, ed[1])
        conn.execute("DELETE FROM report_editions WHERE id = ?", (ed[0],))
    other = row(
        conn,
        "SELECT id, title, body, parse_status FROM other_documents WHERE sha256 = ?",
        (sha256,),
    )
    if other:
        old_id = other["id"]
        if other["parse_status"] == "ok":  # indexed (an unreadable document has no text)
            search.unindex_row(
                conn,
                other["id"],
                other["title"],
                other["body"],
                text_of(conn, sha256),
                search.OTHER_FTS_TABLE,
            )
        conn.execute("DELETE FROM other_documents WHERE id = ?", (other["id"],))
    conn.execute("DELETE FROM document_texts WHERE sha256 = ?", (sha256,))
    return old_id, dirty


def _body_id(conn, body: dict) -> int:
    conn.execute(
        "INSERT INTO bodies(name, place, region_code, province, city, county, level, "
        "parent, portal) VALUES (:name, :place, :region_code, :province, :city, "
        ":county, :level, :parent, :portal) ON CONFLICT(name, place) DO NOTHING",
        body,
    )
    return conn.execute(
        "SELECT id FROM bodies WHERE name = ? AND place = ?", (body["name"], body["place"])
    ).fetchone()[0]


def _report_id(conn, group_key: str, body_id: int | None, prefer: int | None) -> int:
    """The report of a group (body and year), made when it has none (with the id `prefer`
    when that id is free)."""
    got = conn.execute("SELECT id FROM reports WHERE group_key = ?", (group_key,)).fetchone()
    if got:
        return got[0]
    if (
        prefer is not None
        and conn.execute("SELECT 1 FROM reports WHERE id = ?", (prefer,)).fetchone()
    ):
        prefer = None
    return conn.execute(
        "INSERT INTO reports(id, group_key, body_id, current) VALUES (?, ?, ?, 1)",
        (prefer, group_key, body_id),
    ).lastrowid


def _insert(conn, table: str, row: dict) -> int:
    cols = ", ".join(row)
    return conn.execute(
        f"INSERT INTO {table}({cols}) VALUES ({', '.join('?' * len(row))})", tuple(row.values())
    ).lastrowid


def file_document(
    db: sqlite_utils.Database,
    *,
    sha256: str,
    record: dict | None,
    parser_version: str,
    parse_status: str = "ok",
    error: str | None = None,
    text: str = "",
    capture: dict | None = None,
    portal: dict | None = None,
    ext: str = "",
    doc_id: int | None = None,
    parts: list | None = None,
) -> Filed:
    """File one parsed (or failed) document (record None: parsing failed with parse_status
    and error) as a report edition or another document; a document filed before is filed
    again under the same id. A compilation (record["reports"]) is filed as one edition per
    report (`part` 1, 2 …), each with its own text and sections from `parts`. capture: a
    captures row (url, final_url, fetched_at, link_text …); portal: a portals row (name,
    region_code, level, parent). Call inside a transaction, then settle(db, filed.dirty) (or
    collect the dirty reports of many and settle them once)."""
    conn = db.conn
    capture, portal = capture or {}, portal or {}
    old_id, dirty = _forget(conn, sha256)
    doc_id = doc_id if doc_id is not None else old_id
    where = _where(sha256, ext, capture, portal, parser_version)
    if record is not None and record.get("reports"):
        filed = _file_compilation(
            conn, sha256, record, text, parts or [], where, capture, portal, doc_id
        )
        if filed is not None:
            return Filed(filed.kind, filed.id, dirty | filed.dirty)
    _store_text(conn, sha256, 0, record, text)
    filed = _file_one(conn, record, text, where, capture, portal, doc_id, parse_status, error)
    return Filed(filed.kind, filed.id, dirty | filed.dirty)


def _where(sha256: str, ext: str, capture: dict, portal: dict, parser_version: str) -> dict:
    """Where a document came from and when it was parsed: the columns editions and other
    documents share."""
    url = capture.get("final_url") or capture.get("url")
    if capture.get("member"):  # a member of an archive: the archive's URL and its path in it
        url = f"{url}#{capture['member']}"
    return {
        "url": url,
        "raw": f"{sha256}{ext}",
        "fetched_at": capture.get("fetched_at"),
        "portal": portal.get("name") or capture.get("portal"),
        "capture_id": capture.get("id"),
        "content_type": capture.get("content_type"),
        "size": capture.get("size") if not capture.get("member") else capture.get("member_size"),
        "sha256": sha256,
        "parser_version": parser_version,
        "parsed_at": now(),
        "current": 1,
    }


def _store_text(conn, sha256: str, part: int, record: dict | None, text: str) -> None:
    if record is None:
        return
    rec = dict(record)
    sections = section_offsets(rec, text or "")
    rec.pop("sections", None)  # they are the `sections` column: places in the text
    conn.execute(
        "INSERT INTO document_texts(sha256, part, text, sections, record) VALUES (?, ?, ?, ?, ?)",
        (
            sha256,
            part,
            text or "",
            json.dumps(sections, ensure_ascii=False),
            json.dumps(rec, ensure_ascii=False),
        ),
    )


def _file_compilation(
    conn, sha256, record, text, parts, where, capture, portal, doc_id
) -> Filed | None:
    """Each report of a compilation an edition of its body's report (part 1, 2 …); the
    whole document's text is kept as part 0. None when no part reads as a report (the
    document is then filed whole)."""
    reports = [
        (k, r, (parts[k - 1] if k - 1 < len(parts) else {}))
        for k, r in enumerate(record["reports"], 1)
    ]
    reports = [
        (k, r, p) for k, r, p in reports if classify(r, p.get("text", ""), capture, None).is_report
    ]
    if not reports:
        return None
    whole = {k: v for k, v in record.items() if k != "reports"}
    whole["parts"] = len(record["reports"])
    _store_text(conn, sha256, 0, whole, text)
    dirty, first = set(), None
    for k, rec, p in reports:
        rec = {**rec, "sections": p.get("sections") or rec.get("sections") or []}
        _store_text(conn, sha256, k, rec, p.get("text", ""))
        filed = _file_one(
            conn,
            rec,
            p.get("text", ""),
            {**where, "part": k},
            capture,
            portal,
            doc_id if first is None else None,
            "ok",
            None,
        )
        first = first or filed
        dirty |= filed.dirty
    return Filed("report", first.id, dirty)


def _file_one(conn, record, text, where, capture, portal, doc_id, parse_status, error) -> Filed:
    rec = dict(record or {})
    verdict = classify(record, text, capture, error)
    title = clean_title(heading(rec, text)) or None
    agency = _agency(record)
    if verdict.is_report:
        body = body_of(agency, portal)
        body_id = _body_id(conn, body) if body else None
        year = rec.get("year")
        group = (
            f"body:{body_id}:{year}"
            if body_id and year
            else f"document:{where['sha256']}" + (f":{where['part']}" if where.get("part") else "")
        )
        rid = _report_id(conn, group, body_id, doc_id)
        eid = _insert(
            conn,
            "report_editions",
            {
                "id": doc_id,
                "report_id": rid,
                "title": title,
                "format": rec.get("format") or where["raw"][64:].strip(".") or None,
                "check_status": check_status(rec),
                "checks_failed": len(rec.get("checks") or []),
                "template": rec.get("template")
                if any((rec.get("tables") or {}).values())
                else None,
                "body": agency,
                "year": year,
                "published": published_date(record, text),
                "units": json.dumps(rec.get("units") or {}, ensure_ascii=False),
                "tables_from": (rec.get("tables_from") or {}).get("sha256"),
                **where,
            },
        )
        return Filed("report", eid, {rid})
    region = split_region(portal.get("region_code"))
    oid = _insert(
        conn,
        "other_documents",
        {
            "id": doc_id,
            "title": title or capture.get("link_text"),
            "kind": verdict.kind,
            "reason": verdict.reason,
            "year": rec.get("year"),
            "body": agency,
            **region,
            "link_text": capture.get("link_text"),
            "format": rec.get("format") or where["raw"][64:].strip(".") or None,
            "parse_status": parse_status,
            "error": error,
            **{k: v for k, v in where.items() if k != "part"},
        },
    )
    if record is not None:
        search.index_row(
            conn, oid, title or capture.get("link_text"), agency, text, search.OTHER_FTS_TABLE
        )
    return Filed(verdict.kind, oid, set())


def refresh_current(db: sqlite_utils.Database) -> set:
    """current = 1 when a document is what its URL served last (or it was stored without a
    capture); 0 when the URL has since changed or been removed; a member of an archive is
    current while its archive is. The reports whose editions
    changed are settled again (their representative may change); returns them."""
    if not db.table("captures").exists():
        return set()
    before = dict(db.execute("SELECT id, current FROM report_editions").fetchall())
    with db.conn:
        for table in ("report_editions", "other_documents"):
            db.execute(f"""
                WITH latest AS (
                  SELECT COALESCE(final_url, url) AS u, sha256, MAX(id) FROM captures
                  WHERE sha256 IS NOT NULL AND status = 200 AND error IS NULL GROUP BY u)
                UPDATE {table} SET current = CASE
                  WHEN url IS NULL THEN 1
                  WHEN sha256 = (SELECT latest.sha256 FROM latest WHERE latest.u = {table}.url)
                    THEN 1
                  WHEN NOT EXISTS (SELECT 1 FROM latest WHERE latest.u = {table}.url) THEN 1
                  ELSE 0 END""")
            if db.table("change_events").exists():
                db.execute(f"""
                    UPDATE {table} SET current = 0 WHERE url IN (
                      SELECT e.url FROM change_events e
                      WHERE e.id = (SELECT MAX(id) FROM change_events l WHERE l.url = e.url)
                        AND e.event = 'removed')""")
        if db.table("members").exists():  # a member is current while its archive is
            for table in ("report_editions", "other_documents"):
                db.execute(f"""
                    UPDATE {table} SET current = COALESCE((
                      SELECT MAX(o.current) FROM members m JOIN other_documents o
                        ON o.sha256 = m.container WHERE m.sha256 = {table}.sha256), current)
                    WHERE sha256 IN (SELECT sha256 FROM members WHERE sha256 IS NOT NULL)""")
    after = db.execute("SELECT id, current, report_id FROM report_editions").fetchall()
    dirty = {rid for eid, cur, rid in after if before.get(eid) != cur}
    with db.conn:
        settle(db, dirty)
    return dirty


def refile_queued(db: sqlite_utils.Database) -> int:
    """File the documents an earlier release stored (migration m002 queued them in
    refile_queue) with today's classification, keeping their ids; returns how many."""
    if not db.table("refile_queue").exists():
        return 0
    portals, captures = {}, {}
    if db.table("portals").exists():
        portals = {r["name"]: r for r in db.query("SELECT * FROM portals")}
    if db.table("captures").exists():
        captures = {
            r["id"]: r
            for r in db.query(
                "SELECT * FROM captures WHERE id IN (SELECT capture_id FROM refile_queue)"
            )
        }
    rows = list(db.query("SELECT * FROM refile_queue ORDER BY id"))
    dirty: set = set()
    with db.conn:
        for q in rows:  # what the first release kept of each document
            capture = captures.get(q["capture_id"]) or {
                "url": q["url"],
                "fetched_at": q["fetched_at"],
                "size": q["size"],
                "content_type": q["content_type"],
                "portal": q["portal"],
            }
            status = "ok" if q["parse_status"] == "no_tables" else q["parse_status"]
            filed = file_document(
                db,
                sha256=q["sha256"],
                record=json.loads(q["record"]) if q["record"] else None,
                parser_version=q["parser_version"],
                parse_status=status,
                error=q["error"],
                text=q["text"] or "",
                capture=capture,
                portal=portals.get(q["portal"]) or {"name": q["portal"]},
                ext=(q["raw"] or "")[64:],
                doc_id=q["id"],
            )
            dirty |= filed.dirty
        settle(db, dirty)
        db.execute("DROP TABLE refile_queue")
    refresh_current(db)
    return len(rows)
