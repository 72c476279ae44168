"""Merge a Scrapyd node job's capture store into the archive (`ogi collect`, and `ogi crawl
--nodes` as each job ends). The node store (crawler/node_store.py) is read where it is: over
HTTP from Scrapyd's /items/ (the node's own web server), or from a local directory (a store
copied by other means).

What is merged, and how it stays idempotent — run it twice, nothing changes:
- bodies: fetched only when the archive lacks them, each checked against its SHA-256 (its name)
  before it enters blobs/; documents are keyed by SHA-256;
- capture rows: copied in the node's order, each keyed by `node_capture` = "<job>:<node id>"
  (a unique index), with `node` naming the machine that fetched it;
- the WARC: the node's file (checked against the manifest's size and SHA-256) appended to the
  crawl's one WARC, `warc_offset`s moved by where it starts, and the index lines written with
  it (archive/warc.py) likewise. Both files are first cut back to the end of the last job
  merged, so a merge killed half-way leaves nothing twice;
- the rows and the job's ledger row are written in one SQLite transaction; one merge at a time
  per archive (a lock file).
Change events are not merged: a node store has no history; the head concludes them from the
merged captures (crawler/changes.py).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from archive.captures import SCHEMA, CaptureStore, now

MANIFEST = "manifest.json"
COPIED = [c for c in SCHEMA["captures"] if c not in ("id", "node", "node_capture")]


class CollectError(RuntimeError):
    pass


def redact(url: str) -> str:
    """A URL without its user:password (they may be in a node's URL; never stored or shown)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


class Source:
    """A node store: an http(s) URL (Scrapyd's /items/<project>/portals/<job>/) or a directory.
    Over HTTP, bodies are read as sent: Scrapyd's static files say Content-Encoding: gzip for a
    .warc.gz, which must not be undone."""

    def __init__(self, base: str | Path, timeout: float = 60.0):
        self.base = str(base)
        self.http = self.base.startswith(("http://", "https://"))
        if self.http and not self.base.endswith("/"):
            self.base += "/"
        self.timeout = timeout
        self._local = threading.local()

    def __str__(self) -> str:
        return redact(self.base) if self.http else self.base

    def _session(self):
        import requests

        s = getattr(self._local, "session", None)
        if s is None:
            s = self._local.session = requests.Session()
        return s

    def read(self, rel: str) -> bytes | None:
        """A small file's bytes, or None when it is not there."""
        if not self.http:
            path = Path(self.base) / rel
            return path.read_bytes() if path.exists() else None
        import requests

        try:
            r = self._session().get(self.base + rel, timeout=self.timeout)
        except requests.RequestException as e:
            raise CollectError(f"{self}: {rel}: {e}") from e
        if r.status_code == 404:
            return None
        if r.status_code != 200:
            raise CollectError(f"{self}: {rel}: HTTP {r.status_code}")
        return r.content

    def fetch(self, rel: str, dest: Path) -> tuple[int, str]:
        """Copy a file to dest; returns (size, sha256) of what was copied."""
        h, size = hashlib.sha256(), 0
        with open(dest, "wb") as out:
            for block in self._blocks(rel):
                h.update(block)
                size += len(block)
                out.write(block)
        return size, h.hexdigest()

    def _blocks(self, rel: str):
        if not self.http:
            path = Path(self.base) / rel
            if not path.exists():
                raise CollectError(f"{self}: {rel} is missing")
            with open(path, "rb") as fh:
                yield from iter(lambda: fh.read(1 << 20), b"")
            return
        import requests

        try:
            with self._session().get(self.base + rel, stream=True, timeout=self.timeout) as r:
                if r.status_code != 200:
                    raise CollectError(f"{self}: {rel}: HTTP {r.status_code}")
                yield from r.raw.stream(1 << 20, decode_content=False)
        except requests.RequestException as e:
            raise CollectError(f"{self}: {rel}: {e}") from e


def read_manifest(source: Source) -> dict | None:
    """The job's manifest (written last, when the job ended), or None while there is none."""
    raw = source.read(MANIFEST)
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError as e:
        raise CollectError(f"{source}: unreadable {MANIFEST}: {e}") from e


def committed_warc_end(store: CaptureStore, crawl_id: str) -> int:
    row = next(
        store.db.query(
            "select max(warc_end) as e from crawl_jobs where crawl_id = ? and state = 'collected'",
            [crawl_id],
        )
    )
    return row["e"] or 0


def merge_job(store: CaptureStore, job: dict, source: Source, workers: int = 4) -> dict:
    """Merge one finished node job (its crawl_jobs row) into the archive; returns its ledger
    fields. A job already merged is left as it is."""
    with _lock(store):
        current = store.db["crawl_jobs"].get(job["id"])
        if current["state"] == "collected":
            return current
        return _merge(store, current, source, workers)


@contextlib.contextmanager
def _lock(store: CaptureStore):
    """One merge at a time in an archive (`ogi collect` beside `ogi crawl --nodes`)."""
    with open(store.spool_dir() / "collect.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def _merge(store: CaptureStore, job: dict, source: Source, workers: int) -> dict:
    manifest = read_manifest(source)
    if manifest is None:
        raise CollectError(f"{source}: no {MANIFEST}: the job has not ended, or died")
    for key in ("crawl_id", "job"):
        want = job["crawl_id"] if key == "crawl_id" else job["id"]
        if manifest.get(key) != want:
            raise CollectError(
                f"{source}: the manifest is of {key} {manifest.get(key)!r}, not {want!r}"
            )
    if manifest.get("status") != "finished":
        raise CollectError(f"{source}: the job ended {manifest.get('status')!r}")
    tmp = Path(tempfile.mkdtemp(prefix=f"collect-{job['id']}-", dir=store.spool_dir()))
    try:
        db_path = tmp / "archive.db"
        _fetch_checked(source, "archive.db", db_path, manifest["db"])
        # the node checkpointed its WAL into the file: read the file alone, as it is
        node = sqlite3.connect(f"file:{db_path}?immutable=1", uri=True)
        node.row_factory = sqlite3.Row
        rows = [dict(r) for r in node.execute("select * from captures order by id")]
        documents = {r["sha256"]: dict(r) for r in node.execute("select * from documents")}
        node.close()
        if any(r["crawl_id"] != job["crawl_id"] for r in rows):
            raise CollectError(f"{source}: captures of another crawl in the store")
        _pull_bodies(store, source, rows, documents, tmp, workers)
        warc = index = None
        if manifest.get("warc"):
            warc = tmp / "job.warc.gz"
            _fetch_checked(source, f"warc/{job['crawl_id']}.warc.gz", warc, manifest["warc"])
        if manifest.get("warc_index"):
            index = tmp / "job.index.jsonl"
            rel = f"warc/{job['crawl_id']}.index.jsonl"
            _fetch_checked(source, rel, index, manifest["warc_index"])
        return _commit(store, job, manifest, rows, warc, index)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _fetch_checked(source: Source, rel: str, dest: Path, want: dict) -> None:
    size, sha = source.fetch(rel, dest)
    if (size, sha) != (want["size"], want["sha256"]):
        raise CollectError(
            f"{source}: {rel} is not what the manifest says ({size} bytes, "
            f"sha256 {sha[:12]}…, expected {want['size']}, "
            f"{want['sha256'][:12]}…)"
        )


def _pull_bodies(store, source, rows, documents, tmp: Path, workers: int) -> None:
    """Every body the captures point at that the archive lacks, checked against its hash.
    Fetched in threads; moved into the store (and its SQLite) on this one."""
    missing = sorted(s for s in {r["sha256"] for r in rows if r["sha256"]} if not store.has_blob(s))

    def get(sha: str):
        dest = tmp / f"{sha}.part"
        size, got = source.fetch(f"blobs/{sha[:2]}/{sha}", dest)
        if got != sha:
            raise CollectError(f"{source}: body {sha[:12]}… does not hash to its name")
        return sha, dest, size

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for sha, path, size in pool.map(get, missing):
            store.store_file(
                path, sha, size, first_seen=(documents.get(sha) or {}).get("first_seen")
            )


def _commit(
    store: CaptureStore, job: dict, manifest: dict, rows, warc: Path | None, index: Path | None
) -> dict:
    crawl_id = job["crawl_id"]
    base = committed_warc_end(store, crawl_id)
    end = base
    warc_file = None
    if warc is not None:
        path = store.warc.path(crawl_id)
        warc_file = str(path.relative_to(store.root))
        with open(path, "ab") as out:
            out.truncate(base)  # what a merge killed half-way appended, cut off
            out.seek(base)
            with open(warc, "rb") as fh:
                shutil.copyfileobj(fh, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
            end = out.tell()
        # the index written with the node's WARC, moved to where it now starts (without one,
        # the WACZ is made by indexing the whole WARC again: crawler/wacz.py)
        store.warc.cut_index(crawl_id, base)
        if index is not None:
            store.warc.append_index(crawl_id, index, base)
    cols = COPIED + ["node", "node_capture"]
    values = []
    for r in rows:
        v = {c: r.get(c) for c in COPIED}
        if v["warc_offset"] is not None:
            v["warc_file"], v["warc_offset"] = warc_file, v["warc_offset"] + base
        v["node"], v["node_capture"] = job["node"], f"{job['id']}:{r['id']}"
        values.append([v[c] for c in cols])
    fields = {
        "state": "collected",
        "ended_at": now(),
        "captures": len(rows),
        "warc_start": base,
        "warc_end": end,
        "manifest": json.dumps(manifest, ensure_ascii=False),
    }
    conn = store.db.conn
    with conn:  # one transaction: the rows, the documents and the ledger, or none of them
        conn.executemany(
            f"insert or ignore into captures ({', '.join(f'[{c}]' for c in cols)}) "
            f"values ({', '.join('?' for _ in cols)})",
            values,
        )
        conn.execute(
            f"update crawl_jobs set {', '.join(f'{k} = ?' for k in fields)} where id = ?",
            [*fields.values(), job["id"]],
        )
    return store.db["crawl_jobs"].get(job["id"])
