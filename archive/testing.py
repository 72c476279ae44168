"""Fixture archives for tests, the benchmark and demos: captures written through the crawler's
CaptureStore, documents filed from known records (no parser involved)."""

from __future__ import annotations

from pathlib import Path

from archive.captures import CaptureStore
from archive.schema import open_db
from archive.store import file_document, refresh_current, settle

SECTION_KEYS = [
    ("一、总体情况", "overview"),
    ("五、存在的主要问题及改进情况", "problems"),
    ("六、其他需要报告的事项", "other"),
]


def report_text(rep) -> str:
    """Plain text of a synthetic report (title, narrative, section headings), without tables."""
    n = rep.narrative
    parts = [rep.title, *n.get("intro", [])]
    for heading, key in SECTION_KEYS:
        parts.append(heading)
        for item in n.get(key, []):
            parts.extend(item if isinstance(item, (tuple, list)) else [item])
    parts.append(
        f"{rep.agency}\n{rep.publish_date.year}年{rep.publish_date.month}月{rep.publish_date.day}日"
    )
    return "\n".join(parts)


def add_portal(
    store: CaptureStore, name: str, region_code: str, level: str = "县", parent: str | None = None
) -> None:
    store.upsert_portal(
        {
            "name": name,
            "region_code": region_code,
            "level": level,
            "parent": parent,
            "family": "generic",
            "start_urls": [f"http://{name}.test/"],
            "allowed_domains": [f"{name}.test"],
            "source_file": "fixture",
        }
    )


def capture_body(
    store: CaptureStore,
    body: bytes,
    url: str,
    portal: str,
    *,
    crawl_id: str = "c1",
    content_type: str = "text/html; charset=utf-8",
    kind: str = "detail",
    is_report: bool = True,
    **row,
) -> tuple[int, str]:
    """A body stored and its capture row, as the crawler records a 200 answer to a report
    link (`row`: any other column, e.g. link_text, referer); returns (capture id, sha256)."""
    sha, _ = store.store_body(body)  # also records the documents row
    cid = store.add_capture(
        crawl_id=crawl_id,
        portal=portal,
        url=url,
        final_url=url,
        method="GET",
        status=200,
        sha256=sha,
        size=len(body),
        content_type=content_type,
        kind=kind,
        is_report=int(is_report),
        **row,
    )
    return cid, sha


def add_report(
    archive: Path,
    *,
    record: dict,
    text: str,
    url: str,
    portal: str,
    body: bytes | None = None,
    crawl_id: str = "c1",
    fetched_at: str | None = None,
    parser_version: str = "fixture",
    store: CaptureStore | None = None,
    link_text: str | None = None,
    kind: str = "detail",
) -> int:
    """One captured document, filed from `record` as if parsed; returns the id of its report
    (or of the other document, when it is not a report)."""
    own = store is None
    store = store or CaptureStore(archive)
    body = body if body is not None else text.encode("utf-8")
    cid, sha = capture_body(
        store,
        body,
        url,
        portal,
        crawl_id=crawl_id,
        kind=kind,
        fetched_at=fetched_at,
        link_text=link_text,
    )
    capture = store.db["captures"].get(cid)
    portal_row = (
        store.db["portals"].get(portal)
        if store.db["portals"].count_where("name = ?", [portal])
        else {}
    )
    if own:
        store.close()
    db = open_db(archive)
    with db.conn:
        filed = file_document(
            db,
            sha256=sha,
            record=record,
            parser_version=parser_version,
            text=text,
            capture=capture,
            portal=portal_row,
            ext=".html",
        )
        settle(db, filed.dirty)
        rid = filed.id
        if filed.kind == "report":
            rid = db.execute(
                "SELECT report_id FROM report_editions WHERE id = ?", [filed.id]
            ).fetchone()[0]
    db.close()
    return rid


def finish(archive: Path) -> None:
    db = open_db(archive)
    refresh_current(db)
    db.close()
