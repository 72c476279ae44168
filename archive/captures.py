"""The capture store: raw bodies by SHA-256, one WARC per crawl, capture records in SQLite.

ARCHIVE/blobs/<sha[:2]>/<sha>   every body stored once
ARCHIVE/warc/<crawl_id>.warc.gz request and response records of one crawl
ARCHIVE/archive.db              portals, crawl_runs, captures, documents, change_events
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

SCHEMA = {
    "portals": {"name": str, "region_code": str, "level": str, "parent": str, "family": str,
                "start_urls": str, "allowed_domains": str, "source_file": str, "updated_at": str},
    "crawl_runs": {"id": str, "started_at": str, "finished_at": str, "status": str,
                   "options": str, "stats": str, "report": str},
    "captures": {"id": int, "crawl_id": str, "portal": str, "url": str, "final_url": str,
                 "method": str, "status": int, "request_headers": str, "response_headers": str,
                 "fetched_at": str, "sha256": str, "size": int, "content_type": str, "kind": str,
                 "is_report": int, "referer": str, "link_text": str, "error": str,
                 "warc_file": str, "warc_offset": int},
    "documents": {"sha256": str, "size": int, "first_seen": str, "path": str},
    "change_events": {"id": int, "crawl_id": str, "portal": str, "url": str, "event": str,
                      "old_sha256": str, "new_sha256": str, "detected_at": str, "detail": str},
}
PKS = {"portals": "name", "crawl_runs": "id", "captures": "id", "documents": "sha256",
       "change_events": "id"}
_SHA = re.compile(r"^[0-9a-f]{64}$")


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def default_archive() -> Path:
    return Path(os.environ.get("OGI_ARCHIVE") or "data")


class CaptureStore:
    def __init__(self, archive_dir: str | os.PathLike | None = None):
        self.root = Path(archive_dir) if archive_dir else default_archive()
        (self.root / "blobs").mkdir(parents=True, exist_ok=True)
        (self.root / "warc").mkdir(exist_ok=True)
        self.db = sqlite_utils.Database(self.root / "archive.db")
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # WAL: safe against a killed process
        self.db.execute("PRAGMA busy_timeout=10000")
        self._ensure_schema()
        self._warc: dict[str, object] = {}

    def _ensure_schema(self) -> None:
        for name, cols in SCHEMA.items():
            if not self.db[name].exists():
                self.db[name].create(cols, pk=PKS[name])
        for col in ("sha256", "url", "portal", "crawl_id", "final_url"):
            self.db["captures"].create_index([col], if_not_exists=True)
        self.db["change_events"].create_index(["url"], if_not_exists=True)

    # -- bodies ---------------------------------------------------------------------------
    def blob_path(self, sha256: str) -> Path:
        if not _SHA.match(sha256 or ""):
            raise ValueError(f"not a sha256: {sha256!r}")
        return self.root / "blobs" / sha256[:2] / sha256

    def store_body(self, body: bytes) -> tuple[str, bool]:
        """Store body once; returns (sha256, True if it was new)."""
        sha = hashlib.sha256(body).hexdigest()
        path = self.blob_path(sha)
        if path.exists():
            return sha, False
        # the row first, then the file: a kill in between leaves a row whose file the next
        # store_body of the same bytes writes
        self.db["documents"].insert({"sha256": sha, "size": len(body), "first_seen": now(),
                                     "path": str(path.relative_to(self.root))}, ignore=True)
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_name(f".{sha}.{os.getpid()}.tmp")
        tmp.write_bytes(body)
        os.replace(tmp, path)
        return sha, True

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
            self.db["crawl_runs"].insert({"id": crawl_id, "started_at": now(), "status": "running",
                                          "options": json.dumps(options, ensure_ascii=False)})

    def finish_run(self, crawl_id: str, status: str, stats: dict, report: dict) -> None:
        self.db["crawl_runs"].update(crawl_id, {
            "finished_at": now(), "status": status,
            "stats": json.dumps(stats, ensure_ascii=False, default=str),
            "report": json.dumps(report, ensure_ascii=False, default=str)})

    def get_run(self, crawl_id: str) -> dict | None:
        rows = list(self.db["crawl_runs"].rows_where("id = ?", [crawl_id]))
        return rows[0] if rows else None

    def runs(self, status: str | None = None) -> list[dict]:
        where, args = ("status = ?", [status]) if status else (None, None)
        return list(self.db["crawl_runs"].rows_where(where, args, order_by="started_at"))

    # -- captures -------------------------------------------------------------------------
    def add_capture(self, **fields) -> int:
        row = {k: fields.get(k) for k in SCHEMA["captures"] if k != "id"}
        for k in ("request_headers", "response_headers"):
            if not isinstance(row[k], (str, type(None))):
                row[k] = json.dumps(row[k], ensure_ascii=False)
        row["fetched_at"] = row["fetched_at"] or now()
        return self.db["captures"].insert(row).last_pk

    def captures(self, crawl_id: str | None = None, **where) -> list[dict]:
        conds, args = [], []
        if crawl_id:
            where["crawl_id"] = crawl_id
        for k, v in where.items():
            conds.append(f"[{k}] = ?")
            args.append(v)
        return list(self.db["captures"].rows_where(" and ".join(conds) or None, args or None,
                                                   order_by="id"))

    def last_capture(self, url: str, before_crawl: str | None = None) -> dict | None:
        """The latest capture of url (as requested or as final url) that has a body."""
        sql = ("select * from captures where (final_url = ? or url = ?) and sha256 is not null"
               " and status = 200")
        args: list = [url, url]
        if before_crawl:
            sql += " and crawl_id != ?"
            args.append(before_crawl)
        rows = list(self.db.query(sql + " order by id desc limit 1", args))
        return rows[0] if rows else None

    def capture_in_run(self, crawl_id: str, url: str) -> dict | None:
        """The capture of url already made in this crawl (used to replay on resume)."""
        rows = list(self.db.query(
            "select * from captures where crawl_id = ? and (url = ? or final_url = ?)"
            " order by id desc limit 1", [crawl_id, url, url]))
        return rows[0] if rows else None

    def last_report_sha(self, url: str, crawl_id: str) -> str | None:
        """sha256 of the last body of url seen in an earlier crawl, for change detection."""
        rows = list(self.db.query(
            "select sha256 from captures where final_url = ? and crawl_id != ?"
            " and sha256 is not null and status = 200 order by id desc limit 1", [url, crawl_id]))
        return rows[0]["sha256"] if rows else None

    # -- change events --------------------------------------------------------------------
    def record_event(self, crawl_id: str, portal: str, url: str, event: str,
                     old_sha256: str | None = None, new_sha256: str | None = None,
                     detail: str | None = None) -> int:
        return self.db["change_events"].insert({
            "crawl_id": crawl_id, "portal": portal, "url": url, "event": event,
            "old_sha256": old_sha256, "new_sha256": new_sha256, "detected_at": now(),
            "detail": detail}).last_pk

    def events(self, crawl_id: str | None = None) -> list[dict]:
        if crawl_id:
            return list(self.db["change_events"].rows_where("crawl_id = ?", [crawl_id],
                                                            order_by="id"))
        return list(self.db["change_events"].rows_where(order_by="id"))

    def live_report_urls(self, portal: str) -> dict[str, str]:
        """Report urls of a portal whose latest event is not 'removed': {final_url: sha256}."""
        sql = """
        select e.url, e.new_sha256 from change_events e
        where e.portal = ? and e.id = (select max(id) from change_events where url = e.url
                                        and portal = e.portal)
          and e.event != 'removed'"""
        return {r["url"]: r["new_sha256"] for r in self.db.query(sql, [portal])}

    # -- WARC -----------------------------------------------------------------------------
    def warc_path(self, crawl_id: str) -> Path:
        if not re.match(r"^[\w.-]+$", crawl_id):
            raise ValueError(f"unsafe crawl id {crawl_id!r}")
        return self.root / "warc" / f"{crawl_id}.warc.gz"

    def write_warc(self, crawl_id: str, url: str, method: str, request_headers: list,
                   request_body: bytes, status: int, reason: str, response_headers: list,
                   body: bytes, fetched_at: str) -> tuple[str, int]:
        """Append a response and a request record; returns (warc file, offset of the pair)."""
        from warcio.statusandheaders import StatusAndHeaders
        from warcio.warcwriter import WARCWriter

        path = self.warc_path(crawl_id)
        fh = self._warc.get(crawl_id)
        if fh is None:
            fh = self._warc[crawl_id] = open(path, "ab")
        offset = fh.tell()
        writer = WARCWriter(fh, gzip=True)
        date = fetched_at.replace(".000000", "")
        http = StatusAndHeaders(f"{status} {reason}".strip(), response_headers,
                                protocol="HTTP/1.1")
        resp = writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                         http_headers=http,
                                         warc_headers_dict={"WARC-Date": date[:19] + "Z"})
        writer.write_record(resp)
        path_q = url.split("/", 3)[3] if url.count("/") >= 3 else ""
        req_http = StatusAndHeaders(f"{method} /{path_q} HTTP/1.1", request_headers,
                                    is_http_request=True)
        req = writer.create_warc_record(url, "request", payload=io.BytesIO(request_body or b""),
                                        http_headers=req_http,
                                        warc_headers_dict={"WARC-Date": date[:19] + "Z"})
        req.rec_headers.add_header("WARC-Concurrent-To", resp.rec_headers.get_header(
            "WARC-Record-ID"))
        writer.write_record(req)
        fh.flush()
        return str(path.relative_to(self.root)), offset

    def close(self) -> None:
        for fh in self._warc.values():
            fh.close()
        self._warc.clear()
        self.db.close()
