"""Publish the archive: a read-only snapshot (ARCHIVE/site/ogi.db) served by datasette as an
immutable, downloadable database with the archive's metadata, canned queries and plugin."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from archive.metadata import DB, SETTINGS, metadata
from archive.schema import archive_dir, ensure_crawler_tables, open_db


def snapshot(archive=None) -> Path:
    """Copy archive.db (WAL, possibly being written by a crawl) into site/ogi.db: one
    self-contained file, rollback journal, statistics gathered. Replaces the old one atomically."""
    root = archive_dir(archive)
    src = open_db(root)  # creates the archive's tables if no build ran yet
    ensure_crawler_tables(src)
    out = root / "site" / f"{DB}.db"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".db.tmp")
    tmp.unlink(missing_ok=True)
    dst = sqlite3.connect(tmp)
    src.conn.backup(dst)
    src.close()
    dst.execute("PRAGMA journal_mode = DELETE")
    dst.execute("ANALYZE")
    dst.commit()
    dst.close()
    os.replace(tmp, out)
    return out


def make_datasette(db_path, archive=None, settings: dict | None = None, **kwargs):
    """A Datasette serving db_path immutable, with the archive's metadata and plugin."""
    from datasette.app import Datasette

    from archive import datasette_plugin
    datasette_plugin.register()
    root = archive_dir(archive) if archive else Path(db_path).resolve().parent.parent
    return Datasette(immutables=[str(db_path)], metadata=metadata(str(root.resolve())),
                     settings={**SETTINGS, **(settings or {})}, **kwargs)


def serve(archive=None, host: str = "127.0.0.1", port: int = 8001, fresh: bool = True) -> None:
    import uvicorn
    root = archive_dir(archive)
    path = root / "site" / f"{DB}.db"
    if fresh or not path.exists():
        path = snapshot(root)
    ds = make_datasette(path, archive=root)
    print(f"serving {path} at http://{host}:{port}/{DB}", flush=True)
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on")
