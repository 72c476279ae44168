"""Serve the snapshot with datasette: immutable, downloadable, with the archive's metadata,
canned queries and plugin."""
from __future__ import annotations

from pathlib import Path

from archive.publish.metadata import DB, SETTINGS, metadata
from archive.publish.snapshot import snapshot
from archive.schema import archive_dir, require_archive


def make_datasette(db_path, archive=None, settings: dict | None = None, **kwargs):
    """A Datasette serving db_path immutable, with the archive's metadata and plugin."""
    from datasette.app import Datasette

    from archive.publish import plugin
    plugin.register()
    root = archive_dir(archive) if archive else Path(db_path).resolve().parent.parent
    return Datasette(immutables=[str(db_path)], metadata=metadata(str(root.resolve())),
                     settings={**SETTINGS, **(settings or {})}, **kwargs)


def serve(archive=None, host: str = "127.0.0.1", port: int = 8001, fresh: bool = True) -> None:
    """Serve site/ogi.db; with `fresh`, first bring it up to date with archive.db (a new copy
    only when the archive changed)."""
    import uvicorn
    root = require_archive(archive)
    path = root / "site" / f"{DB}.db"
    if fresh or not path.exists():
        path = snapshot(root)
    ds = make_datasette(path, archive=root)
    print(f"serving {path} at http://{host}:{port}/{DB}", flush=True)
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on")
