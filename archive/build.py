"""`ogi build`: parse every new capture into the archive.

A report candidate (captures.is_report = 1 with a stored body: what the crawler took for a
report page or attachment) is parsed once per (sha256, parser version). Each document is
parsed by parsers.runner.run_many: in its own forked child with a time limit and a memory
bound. archive.store files it: an OGI annual report as an edition of its report (one per body
and year), anything else (a landing page, a notice, a blank form …) as another document; a
failure (timeout, memory, parse error, crash) is kept as an unreadable document with its
parse_status and error, and the run goes on.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from parsers.runner import GuardResult, Task, run_many

from archive.schema import open_db, require_archive
from archive.store import file_document, now, refresh_current, settle

def parser_version() -> str:
    import parsers
    return parsers.PARSER_VERSION


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
    filed: dict = field(default_factory=dict)   # report or another document's kind → count

    def as_dict(self) -> dict:
        return {"pending": self.pending, "ok": self.ok, "no_tables": self.no_tables,
                "failed": self.failed, "filed": self.filed}


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
          AND NOT EXISTS (SELECT 1 FROM report_editions e WHERE e.sha256 = c.sha256
                          AND e.parser_version = ?)
          AND NOT EXISTS (SELECT 1 FROM other_documents o WHERE o.sha256 = c.sha256
                          AND o.parser_version = ?)
        ORDER BY c.id"""
    jobs = []
    for row in db.query(sql, [version, version]):
        sha = row["sha256"]
        path = root / (row.pop("doc_path") or f"blobs/{sha[:2]}/{sha}")
        jobs.append(Job(sha, path, row, portals.get(row.get("portal")) or {}))
    return jobs


def tasks_of(jobs: list[Job]) -> list[Task]:
    """The guarded extractions of the jobs (parsers.runner), each job as the task's key."""
    return [Task(job.path, name=(job.capture.get("url") or "").rsplit("/", 1)[-1],
                 content_type=job.capture.get("content_type") or "", key=job) for job in jobs]


def build(archive=None, workers: int | None = None, timeout: float = 120.0,
          mem_mb: int = 1536, progress: bool = True) -> BuildStats:
    """Parse every capture not yet parsed by this parser version; returns counts. The archive
    must exist (ArchiveMissing): captures come from a crawl."""
    root = require_archive(archive)
    db = open_db(root)
    version = parser_version()
    workers = workers or max(1, (os.cpu_count() or 2))
    jobs = pending_jobs(db, root, version)
    stats = BuildStats(pending=len(jobs))
    run_id = db.table("build_runs").insert({"started_at": now(), "parser_version": version,
                                            "workers": workers}).last_pk
    bar = _progress(progress, len(jobs))

    def on_result(job: Job, res: GuardResult) -> None:
        with db.conn:
            if res.ok:
                if any((res.record.get("tables") or {}).values()):
                    stats.ok += 1
                else:
                    stats.no_tables += 1
                filed = file_document(db, sha256=job.sha256, record=res.record,
                                      parser_version=version, text=res.document["text"],
                                      capture=job.capture, portal=job.portal,
                                      ext=res.document["ext"])
            else:
                stats.failed[res.status] = stats.failed.get(res.status, 0) + 1
                filed = file_document(db, sha256=job.sha256, record=None,
                                      parser_version=version, parse_status=res.status,
                                      error=res.error, capture=job.capture, portal=job.portal)
            settle(db, filed.dirty)
        stats.filed[filed.kind] = stats.filed.get(filed.kind, 0) + 1
        if bar:
            bar[0].advance(bar[1])

    try:
        if bar:
            bar[0].start()
        # as each finishes; each in a forked child under the time limit and memory bound
        for task, res in run_many(tasks_of(jobs), workers=workers, timeout_s=timeout,
                                  memory_mb=mem_mb, document=True, ordered=False):
            on_result(task.key, res)
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
