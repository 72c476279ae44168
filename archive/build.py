"""`ogi build`: parse every new capture into the archive.

A report candidate (captures.is_report = 1 with a stored body) is parsed once per
(sha256, parser version). Each document is parsed in its own forked worker process with a time
limit and a memory bound; a failure (timeout, memory, parse error, crash) is stored as a report
row with parse_status and error, and the run goes on.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import re
import resource
import time
import traceback
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

import psutil

from parsers.model import ParseError

from archive.schema import archive_dir, open_db
from archive.store import now, refresh_current, store_report

# Used only while parsers/ has no PARSER_VERSION of its own.
FALLBACK_PARSER_VERSION = "0.1"


def parser_version() -> str:
    import parsers
    return str(getattr(parsers, "PARSER_VERSION", FALLBACK_PARSER_VERSION))


@dataclass
class Job:
    sha256: str
    path: Path
    capture: dict
    portal: dict


@dataclass
class BuildStats:
    pending: int = 0
    ok: int = 0
    no_tables: int = 0
    failed: dict = field(default_factory=dict)  # parse_status → count

    def as_dict(self) -> dict:
        return {"pending": self.pending, "ok": self.ok, "no_tables": self.no_tables,
                "failed": self.failed}


def pending_jobs(db, root: Path, version: str) -> list[Job]:
    """Candidate captures whose document has no report for this parser version."""
    if not db.table("captures").exists():
        return []
    portals = {}
    if db.table("portals").exists():
        portals = {r["name"]: r for r in db.query("SELECT * FROM portals")}
    has_docs = db.table("documents").exists()
    sql = f"""
        SELECT c.*, {"d.path" if has_docs else "NULL"} AS doc_path FROM captures c
        {"LEFT JOIN documents d ON d.sha256 = c.sha256" if has_docs else ""}
        WHERE c.is_report = 1 AND c.sha256 IS NOT NULL
          AND c.id = (SELECT MIN(c2.id) FROM captures c2
                      WHERE c2.sha256 = c.sha256 AND c2.is_report = 1)
          AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.sha256 = c.sha256
                          AND r.parser_version = ?)
        ORDER BY c.id"""
    jobs = []
    for row in db.query(sql, [version]):
        sha = row["sha256"]
        path = root / (row.pop("doc_path") or f"blobs/{sha[:2]}/{sha}")
        jobs.append(Job(sha, path, row, portals.get(row.get("portal")) or {}))
    return jobs


# ---- the worker ------------------------------------------------------------------------
_OOM = re.compile(r"MemoryError|Cannot allocate memory|failed to map|out of memory|bad_alloc",
                  re.I)
_HEAD = re.compile(r"^\s*[一二三四五六七八]\s*[、.．]")


def sections_of(doc) -> list[dict]:
    """The report's numbered sections (一、总体情况 …) as [{heading, text}]."""
    out: list[dict] = []
    for b in doc.blocks:
        text = doc_block_text(b)
        if b.kind != "table" and _HEAD.match(text) and len(text) < 60:
            out.append({"heading": text.strip(), "text": ""})
        elif out:
            out[-1]["text"] += (("\n" if out[-1]["text"] else "") + text)
    return out


def doc_block_text(b) -> str:
    if b.kind == "table" and b.table is not None:
        return "\n".join("\t".join(r) for r in b.table.text_rows())
    return b.text or ""


def parse_document(path: Path, name: str, content_type: str) -> dict:
    """What the worker sends back: record, text, sections, ext."""
    from parsers import parse_bytes
    from parsers.report import extract
    data = Path(path).read_bytes()
    doc = parse_bytes(data, name=name, content_type=content_type)
    record = extract(doc)
    fmt = (doc.format or "").strip(".")
    return {"record": record, "text": doc.text(), "sections": sections_of(doc),
            "ext": f".{fmt}" if fmt else ""}


def _child(conn, job: Job, mem_bytes: int) -> None:
    try:
        # headroom over what the fork already maps; helpers it starts (OCR, LibreOffice)
        # inherit the bound
        soft = psutil.Process().memory_info().vms + 2 * mem_bytes
        resource.setrlimit(resource.RLIMIT_AS, (soft, soft))
    except (ValueError, OSError):
        pass
    try:
        name = (job.capture.get("url") or "").rsplit("/", 1)[-1]
        out = parse_document(job.path, name, job.capture.get("content_type") or "")
        conn.send(("ok", out))
    except MemoryError:
        conn.send(("memory", "MemoryError while parsing"))
    except Exception as e:  # noqa: BLE001 — every failure is recorded, whatever it is
        if isinstance(e, ParseError):
            conn.send(("parse_error", str(e)[:2000]))
        elif _OOM.search(f"{type(e).__name__}: {e}"):
            conn.send(("memory", f"over the memory bound: {type(e).__name__}: {e}"[:2000]))
        else:
            where = traceback.extract_tb(e.__traceback__)[-1]
            conn.send(("error", f"{type(e).__name__}: {e} ({Path(where.filename).name}:"
                                f"{where.lineno})"[:2000]))
    finally:
        conn.close()


def _preload() -> None:
    """Import the parsers once in the parent so forked workers start warm (and do not need
    address space for loading libraries under their memory bound)."""
    import importlib
    for name in ("parsers.sniff", "parsers.limits", "parsers.html", "parsers.pdf",
                 "parsers.docx", "parsers.office", "parsers.sheet", "parsers.text", "parsers.ocr",
                 "parsers.report"):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 — a broken parser is reported per document
            pass


def run_jobs(jobs, workers: int, timeout: float, mem_mb: int, on_result) -> None:
    """Run each job in a fresh forked process, at most `workers` at once.
    on_result(job, status, payload) is called in the parent for every job."""
    ctx = multiprocessing.get_context("fork")
    mem = mem_mb * 1024 * 1024
    queue = list(reversed(jobs))
    running: dict = {}  # conn → (process, job, started, psutil.Process, parent's rss)
    while queue or running:
        while queue and len(running) < max(1, workers):
            job = queue.pop()
            recv, send = ctx.Pipe(duplex=False)
            p = ctx.Process(target=_child, args=(send, job, mem), daemon=True)
            p.start()
            send.close()
            # the child shares the parent's pages: count only what it adds
            base = psutil.Process().memory_info().rss
            running[recv] = (p, job, time.monotonic(), _proc(p.pid), base)
        for conn in wait(list(running), timeout=0.05):
            p, job, started, _, _ = running.pop(conn)
            try:
                status, payload = conn.recv()
            except (EOFError, OSError):
                p.join(5)
                status, payload = "crashed", f"worker died (exit code {p.exitcode})"
            conn.close()
            p.join(5)
            if time.monotonic() - started > timeout:  # late results count as timeouts too
                status, payload = "timeout", f"no result within {timeout:g} s"
            on_result(job, status, payload)
        t = time.monotonic()
        for conn, (p, job, started, proc, base) in list(running.items()):
            reason = None
            if t - started > timeout:
                reason = ("timeout", f"no result within {timeout:g} s")
            else:
                rss = _rss(proc)
                if rss is not None and rss - base > mem:
                    reason = ("memory", f"used more than {mem_mb} MB")
            if reason:
                _kill_tree(proc)
                p.kill()
                p.join(5)
                running.pop(conn)
                conn.close()
                on_result(job, *reason)


def _proc(pid):
    try:
        return psutil.Process(pid)
    except psutil.Error:
        return None


def _rss(proc):
    """Resident memory of a worker and the helpers it started."""
    try:
        if proc is None:
            return None
        return proc.memory_info().rss + sum(_rss(c) or 0 for c in proc.children())
    except psutil.Error:
        return None


def _kill_tree(proc) -> None:
    try:
        for child in proc.children(recursive=True) if proc else []:
            child.kill()
    except psutil.Error:
        pass


def build(archive=None, workers: int | None = None, timeout: float = 120.0,
          mem_mb: int = 1536, progress: bool = True) -> BuildStats:
    """Parse every capture not yet parsed by this parser version; returns counts."""
    root = archive_dir(archive)
    db = open_db(root)
    version = parser_version()
    workers = workers or max(1, (os.cpu_count() or 2))
    jobs = pending_jobs(db, root, version)
    stats = BuildStats(pending=len(jobs))
    run_id = db.table("build_runs").insert({"started_at": now(), "parser_version": version,
                                            "workers": workers}).last_pk
    if jobs:
        _preload()
    bar = _progress(progress, len(jobs))

    def on_result(job: Job, status: str, payload) -> None:
        with db.conn:
            if status == "ok":
                record = payload["record"]
                # a page without any of the three tables (e.g. an attachment's landing page)
                no_tables = not any((record.get("tables") or {}).values())
                if no_tables:
                    stats.no_tables += 1
                else:
                    stats.ok += 1
                store_report(db, sha256=job.sha256, record=record,
                             parse_status="no_tables" if no_tables else "ok",
                             parser_version=version, text=payload["text"],
                             sections=payload["sections"], capture=job.capture,
                             portal=job.portal, ext=payload["ext"])
            else:
                stats.failed[status] = stats.failed.get(status, 0) + 1
                store_report(db, sha256=job.sha256, record=None, parser_version=version,
                             parse_status=status, error=str(payload), capture=job.capture,
                             portal=job.portal)
        if bar:
            bar[0].advance(bar[1])

    try:
        if bar:
            bar[0].start()
        run_jobs(jobs, workers, timeout, mem_mb, on_result)
    finally:
        if bar:
            bar[0].stop()
    refresh_current(db)
    db.table("build_runs").update(run_id, {"finished_at": now(),
                                           "stats": json.dumps(stats.as_dict())})
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return stats


def _progress(enabled: bool, total: int):
    if not enabled or not total:
        return None
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeRemainingColumn)
    p = Progress(TextColumn("parsing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    return p, p.add_task("parse", total=total)
