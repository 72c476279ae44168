"""Publish the archive: a read-only snapshot (ARCHIVE/site/ogi.db) served by datasette as an
immutable, downloadable database with the archive's metadata, canned queries and plugin
(archive/publish/plugin.py lists its modules)."""

from archive.publish.serve import make_datasette, serve
from archive.publish.snapshot import snapshot, snapshot_is_current

__all__ = ["make_datasette", "serve", "snapshot", "snapshot_is_current"]
