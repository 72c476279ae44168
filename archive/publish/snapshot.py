"""The published snapshot: archive.db copied into one read-only file, ARCHIVE/site/ogi.db."""
from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import sqlite_utils

from archive import search
from archive.publish.metadata import DB
from archive.schema import (DB_NAME, archive_dir, ensure_crawler_tables, ensure_schema,
                            require_archive)

# bump when snapshot() makes a different file from the same archive: old snapshots are redone
SNAPSHOT_VERSION = 4


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
        return (stamp.get("version") == SNAPSHOT_VERSION
                and stamp.get("fts_version") == search.FTS_VERSION
                and stamp.get("source") == _source_state(root)
                and stamp.get("snapshot") == _file_state(out))
    except (OSError, ValueError):
        return False


def snapshot(archive=None, force: bool = False) -> Path:
    """Copy archive.db (WAL, possibly being written by a crawl) into site/ogi.db: one
    self-contained file, rollback journal, schema brought up to date (missing crawler tables
    created empty), full-text index optimized, the match sets of the most frequent search terms
    stored (search.precompute_matches), statistics gathered. Replaces the old one
    atomically. The archive is only read. A snapshot made from archive.db as it is now is kept
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
    dst.execute("ANALYZE")
    dst.commit()
    dst.close()
    os.replace(tmp, out)
    if _source_state(root) == before:  # nobody wrote while we copied: the copy is current
        _stamp(out).write_text(json.dumps({
            "version": SNAPSHOT_VERSION, "fts_version": search.FTS_VERSION,
            "source": before, "snapshot": _file_state(out)}))
    return out
