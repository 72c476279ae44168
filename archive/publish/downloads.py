"""Downloads (a datasette plugin module): the raw capture of a document as a download, never
rendered, streamed from disk in chunks (never read whole: a capture may be 200 MB); CSV that
Excel opens with its Chinese intact (`?_bom=1` puts a UTF-8 byte order mark before the first
byte of a CSV answer; table pages link to it as “CSV（Excel）”)."""

from __future__ import annotations

import re
import weakref
from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import NotFound, asgi_send_file

from archive.publish.plugin import PLUGIN

RAW = re.compile(r"^([0-9a-f]{64})(\.[a-z0-9]{1,8})?$")
CHUNK = 256 * 1024  # bytes read and sent at a time

# the archive directory of each Datasette serve.py made: not in the metadata, which
# /-/metadata.json publishes (`datasette` run by hand may still name it in the plugin config)
_archives: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def use_archive(datasette, root) -> None:
    """Serve raw captures of the archive at `root` from this Datasette."""
    _archives[datasette] = Path(root)


def _archive(datasette) -> Path | None:
    if datasette in _archives:
        return _archives[datasette]
    cfg = datasette.plugin_config(PLUGIN) or {}
    return Path(cfg["archive"]) if cfg.get("archive") else None


class _FileDownload:
    """A file sent in CHUNK-sized pieces as the client takes them (datasette's
    AsgiFileDownload sends 4 KB pieces, each read in a thread of its own)."""

    def __init__(self, path: Path, headers: dict):
        self.path, self.headers = path, headers

    async def asgi_send(self, send):
        await asgi_send_file(
            send,
            self.path,
            content_type="application/octet-stream",
            chunk_size=CHUNK,
            headers=dict(self.headers),
        )


async def raw_capture(request, datasette):
    m = RAW.match(request.url_vars["name"])
    root = _archive(datasette)
    if not m or root is None:
        raise NotFound("No such capture")
    sha = m.group(1)
    path = root / "blobs" / sha[:2] / sha
    db = datasette.get_database("ogi") if "ogi" in datasette.databases else None
    if db is not None and await db.table_exists("documents"):
        row = (await db.execute("SELECT path FROM documents WHERE sha256 = ?", [sha])).first()
        if row and row["path"]:
            path = root / row["path"]
    if not path.is_file():
        raise NotFound("The raw file is not in this archive")
    name = sha + (m.group(2) or "")
    return _FileDownload(
        path,
        {
            "content-disposition": f'attachment; filename="{name}"',
            "x-content-type-options": "nosniff",
            "content-security-policy": "sandbox; default-src 'none'",
        },
    )


@hookimpl
def register_routes():
    return [(r"^/-/ogi/raw/(?P<name>[^/]+)$", raw_capture)]


BOM = b"\xef\xbb\xbf"


@hookimpl
def asgi_wrapper(datasette):
    """`?_bom=1` on a .csv address: the CSV starts with a UTF-8 byte order mark, without which
    Excel reads UTF-8 Chinese as mojibake (every other answer passes untouched)."""

    def wrap(app):
        async def bom_app(scope, receive, send):
            if (
                scope.get("type") != "http"
                or not scope.get("path", "").endswith(".csv")
                or b"_bom=1" not in scope.get("query_string", b"").split(b"&")
            ):
                return await app(scope, receive, send)
            first = True

            async def send_with_bom(event):
                nonlocal first
                if event["type"] == "http.response.start":
                    event = {
                        **event,
                        "headers": [
                            (k, v)
                            for k, v in event.get("headers", [])
                            if k.lower() != b"content-length"
                        ],
                    }
                elif event["type"] == "http.response.body" and first:
                    first = False
                    event = {**event, "body": BOM + event.get("body", b"")}
                await send(event)

            return await app(scope, receive, send_with_bom)

        return bom_app

    return wrap
