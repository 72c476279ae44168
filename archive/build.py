"""`ogi build`: parse every new capture into the archive.

A report candidate (captures.is_report = 1 with a stored body: what the crawler took for a
report page or attachment) is parsed once per (sha256, parser version). Each document is
parsed by parsers.runner.run_many: in its own forked child with a time limit and a memory
bound. archive.store files it: an OGI annual report as an edition of its report (one per body
and year), anything else (a landing page, a notice, a blank form …) as another document; a
failure (timeout, memory, parse error, crash) is kept as an unreadable document with its
parse_status and error, and the run goes on.

A web page is handed to the parser with the pictures the crawler captured from it (captures
of kind `image` whose referer is the page), so tables printed as pictures are read. A ZIP or
RAR attachment is unpacked in its child under the same limits; each member is stored by its
own SHA-256 (`members` keeps them with their archive) and parsed as a document of the
capture in the next round. A compilation is filed as one report per body (archive.store).
Last, the attachments of one detail page that split a report — its text in one, its tables
in another — are joined (archive.joins).
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
    capture: dict  # the capture row; a member's carries "member" (its path) and "member_size"
    portal: dict


@dataclass
class BuildStats:
    pending: int = 0
    ok: int = 0
    no_tables: int = 0
    failed: dict = field(default_factory=dict)  # parse_status → count
    filed: dict = field(default_factory=dict)  # report or another document's kind → count

    def as_dict(self) -> dict:
        return {
            "pending": self.pending,
            "ok": self.ok,
            "no_tables": self.no_tables,
            "failed": self.failed,
            "filed": self.filed,
        }


def pending_jobs(db, root: Path, version: str) -> list[Job]:
    """Candidate captures, and members of archives, whose document has no report for this
    parser version."""
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
          AND {_unfiled("c.sha256")}
        ORDER BY c.id"""
    jobs = []
    for row in db.query(sql, [version, version]):
        sha = row["sha256"]
        path = root / (row.pop("doc_path") or f"blobs/{sha[:2]}/{sha}")
        jobs.append(Job(sha, path, row, portals.get(row.get("portal")) or {}))
    if db.table("members").exists():
        jobs += member_jobs(db, root, version, portals)
    return jobs


def _unfiled(sha: str) -> str:
    return f"""NOT EXISTS (SELECT 1 FROM report_editions e WHERE e.sha256 = {sha}
                          AND e.parser_version = ?)
          AND NOT EXISTS (SELECT 1 FROM other_documents o WHERE o.sha256 = {sha}
                          AND o.parser_version = ?)"""


def member_jobs(
    db, root: Path, version: str, portals: dict, containers: list[str] | None = None
) -> list[Job]:
    """Members of archives (all, or of `containers`) not yet filed by this version, each
    with its archive's first capture."""
    where = ""
    args: list = [version, version]
    if containers:
        where = f"AND m.container IN ({', '.join('?' * len(containers))})"
        args += containers
    sql = f"""
        SELECT m.path AS member, m.size AS member_size, m.sha256 AS member_sha, c.*
        FROM members m JOIN captures c ON c.id = (SELECT MIN(id) FROM captures
                                                 WHERE sha256 = m.container)
        WHERE m.sha256 IS NOT NULL AND {_unfiled("m.sha256")} {where}
          AND m.rowid = (SELECT MIN(rowid) FROM members m2 WHERE m2.sha256 = m.sha256)
        ORDER BY m.rowid"""
    jobs = []
    for row in db.query(sql, args):
        sha = row.pop("member_sha")
        row["link_text"] = row["member"].rsplit("/", 1)[-1]  # its name, not the archive's link
        jobs.append(
            Job(sha, root / f"blobs/{sha[:2]}/{sha}", row, portals.get(row.get("portal")) or {})
        )
    return jobs


def page_pictures(db, root: Path) -> dict[str, dict[str, Path]]:
    """{page url: {picture url: blob path}}: the pictures the crawler captured from each page
    (the latest capture of each picture)."""
    if not db.table("captures").exists():
        return {}
    out: dict[str, dict[str, Path]] = {}
    for r in db.query("""SELECT referer, COALESCE(final_url, url) AS u, url, sha256 FROM captures
                         WHERE kind = 'image' AND referer IS NOT NULL AND sha256 IS NOT NULL
                           AND status = 200 AND error IS NULL ORDER BY id"""):
        path = root / f"blobs/{r['sha256'][:2]}/{r['sha256']}"
        pics = out.setdefault(r["referer"], {})
        pics[r["u"]] = pics[r["url"]] = path
    return out


def tasks_of(jobs: list[Job], pictures: dict | None = None) -> list[Task]:
    """The guarded extractions of the jobs (parsers.runner), each job as the task's key; a
    page comes with the pictures captured from it, a member with its own name."""
    tasks = []
    for job in jobs:
        cap = job.capture
        url = cap.get("final_url") or cap.get("url") or ""
        if cap.get("member"):
            tasks.append(Task(job.path, name=cap["member"].rsplit("/", 1)[-1], key=job))
            continue
        resources = (pictures or {}).get(url) or (pictures or {}).get(cap.get("url") or "")
        tasks.append(
            Task(
                job.path,
                name=url.rsplit("/", 1)[-1],
                content_type=cap.get("content_type") or "",
                key=job,
                url=url,
                resources=dict(resources) if resources else None,
            )
        )
    return tasks


def store_members(db, root: Path, job: Job, members: list) -> None:
    """An archive's members into the store (each by its SHA-256) and the members table (a
    refused member: its path and why, no bytes)."""
    from archive.captures import CaptureStore

    store = CaptureStore(root)
    rows = []
    try:
        for path, data, error in members:
            sha = store.store_body(data)[0] if data is not None else None
            rows.append(
                {
                    "container": job.sha256,
                    "path": path,
                    "sha256": sha,
                    "size": len(data) if data is not None else None,
                    "error": error,
                }
            )
    finally:
        store.close()
    with db.conn:
        db.execute("DELETE FROM members WHERE container = ?", [job.sha256])
        db.table("members").insert_all(rows, pk=("container", "path"), replace=True)


def build(
    archive=None,
    workers: int | None = None,
    timeout: float = 120.0,
    mem_mb: int = 1536,
    progress: bool = True,
) -> BuildStats:
    """Parse every capture not yet parsed by this parser version; returns counts. The archive
    must exist (ArchiveMissing): captures come from a crawl."""
    from archive.joins import join_split_reports

    root = require_archive(archive)
    db = open_db(root)
    version = parser_version()
    workers = workers or max(1, (os.cpu_count() or 2))
    jobs = pending_jobs(db, root, version)
    pictures = page_pictures(db, root)
    portals = (
        {r["name"]: r for r in db.query("SELECT * FROM portals")}
        if db.table("portals").exists()
        else {}
    )
    stats = BuildStats(pending=len(jobs))
    run_id = (
        db.table("build_runs")
        .insert({"started_at": now(), "parser_version": version, "workers": workers})
        .last_pk
    )
    bar = _progress(progress, len(jobs))
    containers: list[str] = []
    pages: set[str] = set()  # detail pages whose attachments were filed (for the join)

    def on_result(job: Job, res: GuardResult) -> None:
        doc = res.document or {}
        if res.ok and doc.get("members") is not None:
            store_members(db, root, job, doc.pop("members"))
            containers.append(job.sha256)
        with db.conn:
            if res.ok:
                if any((res.record.get("tables") or {}).values()) or res.record.get("reports"):
                    stats.ok += 1
                else:
                    stats.no_tables += 1
                filed = file_document(
                    db,
                    sha256=job.sha256,
                    record=res.record,
                    parser_version=version,
                    text=doc["text"],
                    capture=job.capture,
                    portal=job.portal,
                    ext=doc["ext"],
                    parts=doc.get("parts"),
                )
            else:
                stats.failed[res.status] = stats.failed.get(res.status, 0) + 1
                filed = file_document(
                    db,
                    sha256=job.sha256,
                    record=None,
                    parser_version=version,
                    parse_status=res.status,
                    error=res.error,
                    capture=job.capture,
                    portal=job.portal,
                )
            settle(db, filed.dirty)
        stats.filed[filed.kind] = stats.filed.get(filed.kind, 0) + 1
        if job.capture.get("referer"):
            pages.add(job.capture["referer"])
        if bar:
            bar[0].advance(bar[1])

    try:
        if bar:
            bar[0].start()
        while jobs:  # the captures, then the members of the archives among them
            # as each finishes; each in a forked child under the time limit and memory bound
            for task, res in run_many(
                tasks_of(jobs, pictures),
                workers=workers,
                timeout_s=timeout,
                memory_mb=mem_mb,
                document=True,
                ordered=False,
            ):
                on_result(task.key, res)
            jobs = member_jobs(db, root, version, portals, containers) if containers else []
            containers = []
            stats.pending += len(jobs)
            if bar and jobs:
                bar[0].update(bar[1], total=stats.pending)
    finally:
        if bar:
            bar[0].stop()
    with db.conn:
        settle(db, join_split_reports(db, version, pages))
    refresh_current(db)
    db.table("build_runs").update(
        run_id, {"finished_at": now(), "stats": json.dumps(stats.as_dict())}
    )
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return stats


def _progress(enabled: bool, total: int):
    if not enabled or not total:
        return None
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    p = Progress(TextColumn("parsing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    return p, p.add_task("parse", total=total)
