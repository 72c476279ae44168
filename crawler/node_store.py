"""A Scrapyd node's side of a crawl spread over machines (the head's side: crawler/nodes.py).

A node job is the one spider (crawler/spiders/portals.py) started by Scrapyd with a shard of
the registry. It writes a capture store of its own — the same archive.db, blobs and WARC that
`ogi crawl` writes on one machine — in Scrapyd's items directory, where Scrapyd's own web server
serves it to the head (no other server, no shared file system):

    ITEMS_DIR/<project>/portals/<job>/       http://NODE:6800/items/<project>/portals/<job>/
        archive.db, blobs/, warc/<crawl_id>.warc.gz
        progress.json    rewritten every few seconds while the job runs (the head shows it)
        manifest.json    written last, when the job has ended: its status, the spider's
                         figures and column book (what each list declared and gave), and
                         the size and SHA-256 of archive.db and of the WARC

The head merges a job only when its manifest says `finished` (archive/collect.py). A node store
has no history: its own events would all be 'new', so the node records none; nor does it send
conditional GETs (it has no validators) — docs/crawling.md says what that costs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
import time
import zlib
from pathlib import Path

from scrapy import signals
from twisted.internet import task

from archive.captures import now

MANIFEST, PROGRESS = "manifest.json", "progress.json"


def pack(obj) -> str:
    """A spider argument that stays short: JSON, zlib, base64url (Scrapyd passes arguments on
    the crawl's command line, where one argument may not pass 128 KiB)."""
    raw = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode("ascii")


def unpack(text: str):
    """pack()'s inverse; plain JSON is taken as it is (for `scrapy crawl -a portals='[…]'`)."""
    text = text.strip()
    if text[:1] in ("[", "{"):
        return json.loads(text)
    return json.loads(zlib.decompress(base64.urlsafe_b64decode(text)))


def job_store(settings, job: str) -> Path:
    """The store directory of a node job: beside the job's feed file in Scrapyd's items_dir
    (Scrapyd passes it as FEEDS), named after the job."""
    from w3lib.url import file_uri_to_path

    for uri in settings.getdict("FEEDS"):
        if str(uri).startswith("file:"):
            return Path(file_uri_to_path(str(uri))).parent / job
    raise ValueError(
        "a node job needs a place for its capture store: set items_dir (a local "
        "directory) in the node's scrapyd.conf — Scrapyd serves it at /items/, "
        "where the head pulls the store from — or pass -a archive=DIR"
    )


def file_info(path: Path) -> dict:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return {"size": path.stat().st_size, "sha256": h.hexdigest()}


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)


def columns_state(spider) -> dict:
    """The spider's column book (crawler/families/columns.py) as JSON: what each column's list
    script declared and what its list pages gave — the head needs it to tell a list read to
    its end (and to report shortfalls) as one machine does."""
    from crawler.families.columns import book

    cols = book(spider, create=False)
    if cols is None:
        return {}
    return {
        portal: {
            name: {
                "kind": c.kind,
                "declared": c.declared,
                "records": sorted(c.records),
                "pages": sorted(c.pages),
            }
            for name, c in by.items()
        }
        for portal, by in cols.by_portal.items()
    }


def columns_from(states: list[dict]):
    """One column book from the nodes' (each portal is on one node), or None if none had
    any."""
    from crawler.families.columns import Column, Columns

    if not any(states):
        return None
    cols = Columns()
    for state in states:
        for portal, by in state.items():
            for name, c in by.items():
                cols.by_portal.setdefault(portal, {})[name] = Column(
                    c["kind"], dict(c["declared"]), set(c["records"]), set(c["pages"])
                )
    return cols


def checkpoint(db: Path, patience: float = 60.0) -> None:
    """Every page of the WAL written into archive.db, so that the file alone is the store (a
    reader of the file, if any, is waited for)."""
    con = sqlite3.connect(db, timeout=patience)
    try:
        deadline = time.monotonic() + patience
        while con.execute("pragma wal_checkpoint(TRUNCATE)").fetchone()[0]:  # busy
            if time.monotonic() > deadline:
                raise RuntimeError(f"{db}: the WAL could not be checkpointed")
            time.sleep(0.2)
    finally:
        con.close()


def finish(spider, status: str) -> dict:
    """After the store is closed: archive.db made one self-contained file, then the manifest
    (last, atomically): the head trusts nothing of a job without it."""
    root = Path(spider.store.root)
    db = root / "archive.db"
    checkpoint(db)
    warc = root / "warc" / f"{spider.crawl_id}.warc.gz"
    index = root / "warc" / f"{spider.crawl_id}.index.jsonl"  # archive/warc.py
    manifest = {
        "crawl_id": spider.crawl_id,
        "job": getattr(spider, "_job", None),
        "shard": spider.shard,
        "status": status,
        "portals": list(spider.portals),
        "figures": {name: dict(c) for name, c in spider.figures.items()},
        "robots_unreachable": spider.robots_unreachable,
        "columns": columns_state(spider),
        "db": file_info(db),
        "warc": file_info(warc) if warc.exists() else None,
        "warc_index": file_info(index) if index.exists() else None,
        "finished_at": now(),
    }
    _write_json(root / MANIFEST, manifest)
    return manifest


class NodeProgress:
    """progress.json in a node job's store every few seconds: what the head's progress lines
    show per node."""

    EVERY = 3.0

    def __init__(self, crawler):
        self.crawler = crawler
        self.loop = None
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def write(self) -> None:
        spider = self.crawler.spider
        total: dict = {}
        for c in spider.figures.values():
            for k, v in c.items():
                k = k.split(":")[0]
                total[k] = total.get(k, 0) + v
        _write_json(
            Path(spider.store.root) / PROGRESS,
            {
                "crawl_id": spider.crawl_id,
                "shard": spider.shard,
                "portals": len(spider.portals),
                "responses": self.crawler.stats.get_value("response_received_count", 0),
                "lists": total.get("pages", 0),
                "details": total.get("detail", 0),
                "attachments": total.get("attachment", 0),
                "stored": total.get("stored", 0),
                "errors": total.get("errors", 0),
                "updated_at": now(),
            },
        )

    def opened(self, spider):
        if spider.shard is None:
            return
        self.loop = task.LoopingCall(self.write)
        self.loop.start(self.EVERY, now=True)

    def closed(self, spider, reason):
        if self.loop and self.loop.running:
            self.loop.stop()
            self.write()
