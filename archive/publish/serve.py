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

    from archive.publish import downloads, plugin
    from archive.publish.database import ServedDatabase

    plugin.register()
    root = archive_dir(archive) if archive else Path(db_path).resolve().parent.parent
    ds = Datasette(
        immutables=[str(db_path)],
        metadata=metadata(),
        settings={**SETTINGS, **(settings or {})},
        **kwargs,
    )
    for name, db in list(ds.databases.items()):  # the same database, served (database.py)
        if db.path == str(db_path):
            ds.remove_database(name)
            ds.add_database(ServedDatabase(ds, path=db.path, is_mutable=False), name=name)
    downloads.use_archive(ds, root.resolve())
    return ds


def addresses(host: str, port: int) -> list[str]:
    """The lines that say where to look once the server is up, and how to stop it."""
    base = f"http://{host}:{port}"
    return [
        f"  reports      {base}/{DB}/reports",
        f"  search       {base}/{DB}/search",
        f"  dashboard    {base}/-/dashboards/overview",
        f"  everything   {base}/{DB}  (tables, canned queries, the database download)",
        "Press Ctrl-C to stop.",
    ]


class PortTaken(Exception):
    """The address ogi serve was to listen on is in use (or not this machine's)."""


def listen(host: str, port: int):
    """A socket listening on host:port, made before anything says the server is there."""
    import socket

    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as e:
        raise PortTaken(
            f"cannot listen on {host}:{port} ({e.strerror or e}): is another "
            "ogi serve or ogi demo running? Stop it, or pass --port"
        ) from None
    return sock


def serve(archive=None, host: str = "127.0.0.1", port: int = 8001, fresh: bool = True) -> None:
    """Serve site/ogi.db; with `fresh`, first bring it up to date with archive.db (a new copy
    only when the archive changed). The archive must exist (ArchiveMissing otherwise), the
    port be free (PortTaken)."""
    import sqlite3
    import warnings

    import uvicorn

    from archive.publish.limits import limit_heap

    root = require_archive(archive)
    sock = listen(host, port)
    path = root / "site" / f"{DB}.db"
    if fresh or not path.exists():
        path = snapshot(root)
    ds = make_datasette(path, archive=root)
    limit_heap()
    # datasette turns these on: a failing SQL function would print a traceback; its query
    # fails all the same, with one line in the log (errors.py)
    sqlite3.enable_callback_tracebacks(False)
    # a request datasette refuses half-way leaves coroutines it never awaits: a warning each
    warnings.filterwarnings("ignore", r"coroutine .* was never awaited", RuntimeWarning)
    print(f"serving {path}", *addresses(host, port), sep="\n", flush=True)
    config = uvicorn.Config(ds.app(), log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])
