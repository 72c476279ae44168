"""The capture store: raw bodies by SHA-256 and capture records in SQLite.

ARCHIVE/blobs/<sha[:2]>/<sha>   every body stored once
ARCHIVE/warc/<crawl_id>.warc.gz request and response records of one crawl (archive/warc.py)
ARCHIVE/archive.db              portals, crawl_runs, captures, documents, change_events,
                                crawl_jobs (a crawl's jobs on Scrapyd nodes)
ARCHIVE/tmp/                    bodies being decoded (spool files), moved into blobs/
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from archive.warc import WarcFiles

SCHEMA = {
    "portals": {
        "name": str,
        "region_code": str,
        "level": str,
        "parent": str,
        "family": str,
        "start_urls": str,
        "allowed_domains": str,
        "source_file": str,
        "updated_at": str,
    },
    "crawl_runs": {
        "id": str,
        "started_at": str,
        "finished_at": str,
        "status": str,
        "options": str,
        "stats": str,
        "report": str,
    },
    "captures": {
        "id": int,
        "crawl_id": str,
        "portal": str,
        "url": str,
        "final_url": str,
        "method": str,
        "status": int,
        "request_headers": str,
        "response_headers": str,
        "fetched_at": str,
        "sha256": str,
        "size": int,
        "content_type": str,
        "kind": str,
        "is_report": int,
        "referer": str,
        "link_text": str,
        "error": str,
        "warc_file": str,
        "warc_offset": int,
        "request_sha256": str,
        "node": str,
        "node_capture": str,
    },
    "documents": {"sha256": str, "size": int, "first_seen": str, "path": str},
    "change_events": {
        "id": int,
        "crawl_id": str,
        "portal": str,
        "url": str,
        "event": str,
        "old_sha256": str,
        "new_sha256": str,
        "detected_at": str,
        "detail": str,
        "from_url": str,
    },
    # a crawl on Scrapyd nodes: one row per job (a shard's attempt), crawler/nodes.py
    "crawl_jobs": {
        "id": str,
        "crawl_id": str,
        "shard": int,
        "attempt": int,
        "node": str,
        "portals": str,
        "state": str,
        "detail": str,
        "version": str,
        "scheduled_at": str,
        "ended_at": str,
        "captures": int,
        "warc_start": int,
        "warc_end": int,
        "manifest": str,
    },
}
_CAPTURE_COLUMNS = tuple(k for k in SCHEMA["captures"] if k != "id")
# the capture store's hot writes as plain statements: sqlite-utils' insert() looks up the
# table's views and columns every time (about 0.3 ms a row)
_INSERT_CAPTURE = (
    f"INSERT INTO captures ({', '.join(_CAPTURE_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_CAPTURE_COLUMNS))})"
)
_HEADER_COLUMNS = (
    _CAPTURE_COLUMNS.index("request_headers"),
    _CAPTURE_COLUMNS.index("response_headers"),
)
_FETCHED_AT = _CAPTURE_COLUMNS.index("fetched_at")
_INSERT_EVENT = (
    "INSERT INTO change_events (crawl_id, portal, url, event, old_sha256, "
    "new_sha256, detected_at, detail, from_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_DOCUMENT = (
    "INSERT OR IGNORE INTO documents (sha256, size, first_seen, path) VALUES (?, ?, ?, ?)"
)
PKS = {
    "portals": "name",
    "crawl_runs": "id",
    "captures": "id",
    "documents": "sha256",
    "change_events": "id",
    "crawl_jobs": "id",
}
_SHA = re.compile(r"^[0-9a-f]{64}$")


def ensure_tables(db: sqlite_utils.Database) -> None:
    """The capture store's tables, created where missing, with the columns added since."""
    for name, cols in SCHEMA.items():
        if not db[name].exists():
            db[name].create(cols, pk=PKS[name])
            continue
        have = db[name].columns_dict
        for col, typ in cols.items():
            if col not in have:
                db[name].add_column(col, typ)


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def default_archive() -> Path:
    return Path(os.environ.get("OGI_ARCHIVE") or "data")


class CaptureStore:
    def __init__(self, archive_dir: str | os.PathLike | None = None):
        self.root = Path(archive_dir) if archive_dir else default_archive()
        (self.root / "blobs").mkdir(parents=True, exist_ok=True)
        self.db = sqlite_utils.Database(self.root / "archive.db")
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # WAL: safe against a killed process
        self.db.execute("PRAGMA busy_timeout=10000")
        self._ensure_schema()
        self.warc = WarcFiles(self.root)
        self._dirs: set[str] = set()  # blob directories known to exist
        self._autocommit = True  # off inside batch()

    @contextmanager
    def batch(self):
        """The writes inside are committed together at the end (and WARC files flushed once
        before): the writer thread's group commit. A row is never committed before the WARC
        record it points at is written."""
        self._autocommit = False
        try:
            yield
        finally:
            self._autocommit = True
            self.warc.flush()
            self.db.conn.commit()

    def _commit(self) -> None:
        if self._autocommit:
            self.db.conn.commit()

    def _ensure_schema(self) -> None:
        ensure_tables(self.db)
        for col in ("sha256", "url", "portal", "crawl_id", "final_url"):
            self.db["captures"].create_index([col], if_not_exists=True)
        # a crawl's conclusion reads each portal's rows of the crawl, and each portal's events:
        # with an index on crawl_id alone, each portal read the whole crawl's rows (quadratic in
        # the portals of a crawl; bench/conclude.py). crawl_id alone stays: a crawl's rows in
        # id order (WARC repair, WACZ pages, datasette's captures?crawl_id=) read it unsorted.
        self.db["captures"].create_index(["crawl_id", "portal"], if_not_exists=True)
        self.db["change_events"].create_index(["url"], if_not_exists=True)
        self.db["change_events"].create_index(["portal", "crawl_id"], if_not_exists=True)
        # a capture merged from a node store: its job and id there (archive/collect.py)
        self.db["captures"].create_index(["node_capture"], unique=True, if_not_exists=True)
        self.db["crawl_jobs"].create_index(["crawl_id"], if_not_exists=True)

    # -- bodies ---------------------------------------------------------------------------
    def blob_path(self, sha256: str) -> Path:
        if not _SHA.match(sha256 or ""):
            raise ValueError(f"not a sha256: {sha256!r}")
        return self.root / "blobs" / sha256[:2] / sha256

    def store_body(self, body: bytes, sha256: str | None = None) -> tuple[str, bool]:
        """Store body once; returns (sha256, True if it was new). `sha256`: the body's hash,
        when the caller has it."""
        sha = sha256 or hashlib.sha256(body).hexdigest()
        path = self.blob_path(sha)
        new = not os.path.exists(path)
        if new:
            self._blob_dir(path)
            tmp = path.with_name(f".{sha}.{os.getpid()}.tmp")
            with open(tmp, "wb") as fh:
                fh.write(body)
            os.replace(tmp, path)
        # the row after the file, even when the file was there: a kill between the two (or
        # before a batch's commit) leaves a file that the next store of the same bytes files
        self._document(sha, len(body))
        return sha, new

    def _document(self, sha256: str, size: int, first_seen: str | None = None) -> None:
        self.db.conn.execute(
            _INSERT_DOCUMENT, (sha256, size, first_seen or now(), f"blobs/{sha256[:2]}/{sha256}")
        )
        self._commit()

    def _blob_dir(self, path: Path) -> None:
        if path.parent.name not in self._dirs:
            path.parent.mkdir(exist_ok=True)
            self._dirs.add(path.parent.name)

    def store_file(
        self, path: str | os.PathLike, sha256: str, size: int, first_seen: str | None = None
    ) -> bool:
        """Move a file whose hash is known (a spool file) into the store; True if new."""
        dest = self.blob_path(sha256)
        new = not dest.exists()
        if new:
            self._blob_dir(dest)
            os.replace(path, dest)
        else:
            os.unlink(path)
        self._document(sha256, size, first_seen)
        return new

    def spool_dir(self) -> Path:
        """Where bodies are decoded before they enter the store (same file system)."""
        path = self.root / "tmp"
        if not path.is_dir():
            path.mkdir(exist_ok=True)
        return path

    def clean_spool(self, max_age_s: float = 3600) -> None:
        """Remove spool files left by a killed crawl."""
        for p in self.spool_dir().glob("*.spool"):
            try:
                if time.time() - p.stat().st_mtime > max_age_s:
                    p.unlink()
            except FileNotFoundError:
                pass

    def read_blob(self, sha256: str) -> bytes:
        return self.blob_path(sha256).read_bytes()

    def has_blob(self, sha256: str) -> bool:
        return self.blob_path(sha256).exists()

    # -- portals and runs -----------------------------------------------------------------
    def upsert_portal(self, entry: dict) -> None:
        row = {k: entry.get(k) for k in SCHEMA["portals"]}
        for k in ("start_urls", "allowed_domains"):
            row[k] = json.dumps(entry.get(k) or [], ensure_ascii=False)
        row["updated_at"] = now()
        self.db["portals"].upsert(row, pk="name")

    def open_run(self, crawl_id: str, options: dict) -> None:
        """Start a run, or mark an existing one as running again (a resume)."""
        if self.get_run(crawl_id):
            self.db["crawl_runs"].update(crawl_id, {"status": "running", "finished_at": None})
        else:
            self.db["crawl_runs"].insert(
                {
                    "id": crawl_id,
                    "started_at": now(),
                    "status": "running",
                    "options": json.dumps(options, ensure_ascii=False),
                }
            )

    def finish_run(self, crawl_id: str, status: str, stats: dict, report: dict) -> None:
        self.db["crawl_runs"].update(
            crawl_id,
            {
                "finished_at": now(),
                "status": status,
                "stats": json.dumps(stats, ensure_ascii=False, default=str),
                "report": json.dumps(report, ensure_ascii=False, default=str),
            },
        )

    def get_run(self, crawl_id: str) -> dict | None:
        rows = list(self.db["crawl_runs"].rows_where("id = ?", [crawl_id]))
        return rows[0] if rows else None

    def runs(self, status: str | None = None) -> list[dict]:
        where, args = ("status = ?", [status]) if status else (None, None)
        return list(self.db["crawl_runs"].rows_where(where, args, order_by="started_at"))

    # -- captures -------------------------------------------------------------------------
    def add_capture(self, **fields) -> int:
        row = [fields.get(k) for k in _CAPTURE_COLUMNS]
        for i in _HEADER_COLUMNS:
            if not isinstance(row[i], (str, type(None))):
                row[i] = json.dumps(row[i], ensure_ascii=False)
        row[_FETCHED_AT] = row[_FETCHED_AT] or now()
        rowid = self.db.conn.execute(_INSERT_CAPTURE, row).lastrowid
        self._commit()
        return rowid

    def record_response(
        self, *, body: bytes | None, spool: dict | None, warc: dict, row: dict
    ) -> tuple[str | None, bool]:
        """One response captured: its body stored (bytes, or a spool file whose hash is known;
        None for a 304), its WARC pair written, then its row — in that order, so a row always
        points at a complete record. Returns (sha256, whether the body was new)."""
        sha, size, new = None, None, False
        if spool:
            sha, size = spool["sha256"], spool["size"]
            new = self.store_file(spool["path"], sha, size)
        elif body is not None:
            sha, new = self.store_body(body)
            size = len(body)
        warc_file, offset = self.warc.write(**warc)
        if self._autocommit:
            self.warc.flush()
        self.add_capture(**row, sha256=sha, size=size, warc_file=warc_file, warc_offset=offset)
        return sha, new

    def captures(self, crawl_id: str | None = None, **where) -> list[dict]:
        conds, args = [], []
        if crawl_id:
            where["crawl_id"] = crawl_id
        for k, v in where.items():
            conds.append(f"[{k}] = ?")
            args.append(v)
        return list(
            self.db["captures"].rows_where(" and ".join(conds) or None, args or None, order_by="id")
        )

    def last_capture(self, url: str, before_crawl: str | None = None) -> dict | None:
        """The latest capture of url (as requested or as final url) that has a whole body."""
        sql = (
            "select * from captures where (final_url = ? or url = ?) and sha256 is not null"
            " and status = 200 and error is null"
        )
        args: list = [url, url]
        if before_crawl:
            sql += " and crawl_id != ?"
            args.append(before_crawl)
        rows = list(self.db.query(sql + " order by id desc limit 1", args))
        return rows[0] if rows else None

    def capture_in_run(
        self, crawl_id: str, url: str, request_sha256: str | None = None
    ) -> dict | None:
        """The capture of url already made in this crawl (used to replay on resume). A request
        with a body (a form POST: each page of a list API at one URL) is matched by the
        body's hash too. (`+crawl_id`: looked up by URL, not by the crawl's index, which
        would read every row of the crawl so far for each request of a resumed crawl.)"""
        rows = list(
            self.db.query(
                "select * from captures where +crawl_id = ? and (url = ? or final_url = ?)"
                " and (error is null or error not like 'redirect_to_seen%')"
                " and coalesce(request_sha256, '') = ?"
                " order by id desc limit 1",
                [crawl_id, url, url, request_sha256 or ""],
            )
        )
        return rows[0] if rows else None

    def has_row(
        self, crawl_id: str, url: str, error_kind: str, request_sha256: str | None = None
    ) -> bool:
        """Whether this crawl already recorded url (and request body) with an error of this
        kind (resume). Looked up by URL (`+crawl_id`), as capture_in_run."""
        return bool(
            list(
                self.db.query(
                    "select 1 from captures where +crawl_id = ? and url = ? and error like ?"
                    " and coalesce(request_sha256, '') = ? limit 1",
                    [crawl_id, url, f"{error_kind}%", request_sha256 or ""],
                )
            )
        )

    def last_report_sha(self, url: str, crawl_id: str) -> str | None:
        """sha256 of the last body of url seen in an earlier crawl, for change detection."""
        rows = list(
            self.db.query(
                "select sha256 from captures where final_url = ? and crawl_id != ?"
                " and sha256 is not null and status = 200 and error is null"
                " order by id desc limit 1",
                [url, crawl_id],
            )
        )
        return rows[0]["sha256"] if rows else None

    # -- change events --------------------------------------------------------------------
    def record_event(
        self,
        crawl_id: str,
        portal: str,
        url: str,
        event: str,
        old_sha256: str | None = None,
        new_sha256: str | None = None,
        detail: str | None = None,
        from_url: str | None = None,
    ) -> int:
        rowid = self.db.conn.execute(
            _INSERT_EVENT,
            (crawl_id, portal, url, event, old_sha256, new_sha256, now(), detail, from_url),
        ).lastrowid
        self._commit()
        return rowid

    def events(self, crawl_id: str | None = None, portal: str | None = None) -> list[dict]:
        if crawl_id and portal:
            return list(
                self.db["change_events"].rows_where(
                    "crawl_id = ? and portal = ?", [crawl_id, portal], order_by="id"
                )
            )
        if crawl_id:
            return list(
                self.db["change_events"].rows_where("crawl_id = ?", [crawl_id], order_by="id")
            )
        return list(self.db["change_events"].rows_where(order_by="id"))

    def live_report_urls(self, portal: str) -> dict[str, str]:
        """Report urls of a portal whose latest event is not 'removed', and that did not move
        to another URL since: {final_url: sha256}. One pass over the portal's events (an
        index range) rather than a correlated subquery per event, which read every later
        event of the archive for each one."""
        latest: dict[str, tuple] = {}  # url: (id, event, new_sha256)
        moved_away: dict[str, int] = {}  # url: id of the latest 'moved' from it
        for e in self.db.execute(
            "select id, url, event, new_sha256, from_url from change_events where portal = ?",
            [portal],
        ):
            eid, url, event, new_sha, from_url = e
            if url is not None and eid > latest.get(url, (0,))[0]:
                latest[url] = (eid, event, new_sha)
            if event == "moved" and from_url is not None and eid > moved_away.get(from_url, 0):
                moved_away[from_url] = eid
        return {
            url: new_sha
            for url, (eid, event, new_sha) in latest.items()
            if event is not None and event != "removed" and moved_away.get(url, 0) <= eid
        }

    # -- WARC (archive/warc.py writes the files) ------------------------------------------
    def repair_warc(self, crawl_id: str) -> dict:
        """After a kill: cut the crawl's WARC back to its last complete request/response pair
        that a capture row points at, then write again the records of rows whose pair was
        lost. Returns what was done."""
        rows = list(
            self.db.query(
                "select * from captures where crawl_id = ? and warc_offset is not null order by id",
                [crawl_id],
            )
        )
        cut, lost = self.warc.keep_pairs(crawl_id, [row["warc_offset"] for row in rows])
        lost_rows = [row for row in rows if row["warc_offset"] in lost]
        for row in lost_rows:  # rewritten from the row and the stored body
            body = self.read_blob(row["sha256"]) if row["sha256"] else b""
            warc_file, offset = self.warc.write(
                crawl_id,
                row["final_url"] or row["url"],
                row["method"] or "GET",
                json.loads(row["request_headers"] or "[]"),
                b"",
                row["status"],
                "",
                json.loads(row["response_headers"] or "[]"),
                body,
                row["fetched_at"],
                truncated="disconnect" if (row["error"] or "").startswith("truncated") else None,
            )
            self.db["captures"].update(row["id"], {"warc_file": warc_file, "warc_offset": offset})
        if self._autocommit:
            self.warc.flush()
        return {"cut_bytes": cut, "rewritten": len(lost_rows)}

    def close(self) -> None:
        self.warc.close()
        self.db.close()
