"""The published snapshot: archive.db copied into one read-only file, ARCHIVE/site/ogi.db."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from pathlib import Path

import sqlite_utils

from archive import search
from archive.publish.metadata import DB
from archive.schema import (
    DB_NAME,
    archive_dir,
    ensure_crawler_tables,
    ensure_schema,
    require_archive,
)

# bump when snapshot() makes a different file from the same archive: old snapshots are redone
SNAPSHOT_VERSION = 6


def _source_state(root: Path) -> list:
    """What archive.db looks like on disk (size and mtime of the file and of a non-empty WAL):
    any write, or a checkpoint, changes it."""
    out = []
    for name in (DB_NAME, DB_NAME + "-wal"):
        try:
            st = os.stat(root / name)
            out.append([st.st_size, st.st_mtime_ns] if st.st_size else None)
        except FileNotFoundError:
            out.append(None)
    return out


def _stamp(out: Path) -> Path:
    return out.with_name(out.name + ".source.json")


def _file_state(path: Path) -> list:
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns]


def snapshot_is_current(archive=None) -> bool:
    """True when site/ogi.db was made, by this version, from archive.db as it is now."""
    root = archive_dir(archive)
    out = root / "site" / f"{DB}.db"
    try:
        stamp = json.loads(_stamp(out).read_text())
        return (
            stamp.get("version") == SNAPSHOT_VERSION
            and stamp.get("fts_version") == search.FTS_VERSION
            and stamp.get("source") == _source_state(root)
            and stamp.get("snapshot") == _file_state(out)
        )
    except (OSError, ValueError):
        return False


def snapshot(archive=None, force: bool = False) -> Path:
    """Copy archive.db (WAL, possibly being written by a crawl) into site/ogi.db: one
    self-contained file, rollback journal, schema brought up to date (missing crawler tables
    created empty), full-text index optimized, the match sets of the most frequent search terms
    stored (search.precompute_matches), statistics gathered, no absolute path of the server
    kept (_public_paths). Replaces the old one atomically. The archive is only read (and must
    exist: ArchiveMissing). A snapshot made from archive.db as it is now is kept
    (unless `force`): copying 100,000 reports takes a minute."""
    root = require_archive(archive)
    out = root / "site" / f"{DB}.db"
    if not force and snapshot_is_current(root):
        return out
    before = _source_state(root)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".db.tmp")
    tmp.unlink(missing_ok=True)
    _stamp(out).unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{root.resolve() / DB_NAME}?mode=ro", uri=True)
    dst = sqlite3.connect(tmp)
    src.backup(dst)
    src.close()
    dst.execute("PRAGMA journal_mode = DELETE")  # not WAL: the served file is read-only
    dst.execute("PRAGMA journal_mode = OFF")  # a scratch copy until os.replace: no journal
    dst.execute("PRAGMA synchronous = OFF")
    copy = sqlite_utils.Database(dst)
    ensure_schema(copy)  # what `ogi build` would add: new tables, indexes, views, index version
    ensure_crawler_tables(copy)
    # one b-tree segment per index level: fewer places for every query to look
    dst.execute(f"INSERT INTO {search.FTS_TABLE}({search.FTS_TABLE}) VALUES ('optimize')")
    # the match sets of the template's wording, which FTS5 finds slowly (archive/search.py)
    search.precompute_matches(dst)
    _public_paths(dst)
    _public_nodes(dst)
    dst.execute("ANALYZE")
    dst.commit()
    dst.close()
    os.replace(tmp, out)
    if _source_state(root) == before:  # nobody wrote while we copied: the copy is current
        _stamp(out).write_text(
            json.dumps(
                {
                    "version": SNAPSHOT_VERSION,
                    "fts_version": search.FTS_VERSION,
                    "source": before,
                    "snapshot": _file_state(out),
                }
            )
        )
    return out


# ---- no absolute path of the server in the published file -----------------------------
# The archive keeps where its crawls read their registry (crawl_runs.options, for --resume;
# portals.source_file) as given, often an absolute path; an error message may name a file.
# The snapshot names such a file by its name alone.
_ABS_PATH = re.compile(r"(?<![\w:/.~-])/(?:[^\s/'\"]+/)+")


def _public(value):
    """value (a string, or JSON's lists and objects of them) with every absolute path cut
    to its last part."""
    if isinstance(value, str):
        return _ABS_PATH.sub("", value)
    if isinstance(value, list):
        return [_public(v) for v in value]
    if isinstance(value, dict):
        return {k: _public(v) for k, v in value.items()}
    return value


def _public_nodes(conn) -> None:
    """The Scrapyd nodes' addresses (internal machines) named "node 1", "node 2" … instead,
    wherever the crawl's records mention them."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'crawl_jobs'").fetchone():
        return
    urls = sorted(
        {u for (u,) in conn.execute("SELECT DISTINCT node FROM crawl_jobs WHERE node IS NOT NULL")}
    )
    if not urls:
        return
    names = {u: f"node {i}" for i, u in enumerate(urls, 1)}
    hosts = {u.split("://", 1)[-1].rstrip("/"): n for u, n in names.items()}

    def public(text):
        if not isinstance(text, str):
            return text
        for u, n in {**names, **hosts}.items():  # full URLs first, then host:port
            text = text.replace(u, n)
        return text

    conn.create_function("ogi_public_node", 1, public, deterministic=True)
    for table, columns in (
        ("crawl_jobs", ("node", "detail", "manifest")),
        ("captures", ("node",)),
        ("crawl_runs", ("options", "stats", "report")),
    ):
        have = {r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")}
        for column in columns:
            if column in have:
                conn.execute(f"UPDATE [{table}] SET [{column}] = ogi_public_node([{column}])")


def _public_paths(conn) -> None:
    conn.create_function("ogi_public", 1, _public, deterministic=True)
    for table, column in (
        ("portals", "source_file"),
        ("captures", "error"),
        ("other_documents", "error"),
    ):
        conn.execute(
            f"UPDATE [{table}] SET [{column}] = ogi_public([{column}]) WHERE [{column}] LIKE '%/%'"
        )
    for rid, options in conn.execute("SELECT id, options FROM crawl_runs").fetchall():
        try:
            public = json.dumps(_public(json.loads(options or "null")), ensure_ascii=False)
        except ValueError:
            public = _public(options)
        conn.execute("UPDATE crawl_runs SET options = ? WHERE id = ?", (public, rid))
