"""The archive's datasette plugin.

- Chinese full-text search: replaces datasette's `escape_fts()` SQL function (which the table
  search box `?_search=` runs) with archive.search.match_query, so the reports table's search box
  finds two-character words and phrases; adds `ogi_match(q)` and `ogi_snippet(text, q)` for the
  search page (the `search` canned query).
- /-/ogi/raw/<sha256>[.ext]: the raw capture as a download (application/octet-stream,
  attachment, nosniff, sandboxed) — scraped HTML is never rendered.
- Cells: `raw` as a download link, `url` as a plain external link, `capture_id` and report ids
  in canned queries as links to those rows.
"""
from __future__ import annotations

import re
from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape

from archive import search

PLUGIN = "ogi-archive"
_RAW = re.compile(r"^([0-9a-f]{64})(\.[a-z0-9]{1,8})?$")


@hookimpl(trylast=True)  # after datasette's own, so our escape_fts wins
def prepare_connection(conn):
    conn.create_function("escape_fts", 1, search.match_query, deterministic=True)
    conn.create_function("ogi_match", 1, search.match_query, deterministic=True)
    conn.create_function("ogi_snippet", 2, search.snippet, deterministic=True)


def _archive(datasette) -> Path | None:
    cfg = datasette.plugin_config(PLUGIN) or {}
    return Path(cfg["archive"]) if cfg.get("archive") else None


async def raw_capture(request, datasette):
    m = _RAW.match(request.url_vars["name"])
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
    return Response(
        path.read_bytes(), status=200, content_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{name}"',
                 "X-Content-Type-Options": "nosniff",
                 "Content-Security-Policy": "sandbox; default-src 'none'"})


@hookimpl
def register_routes():
    return [(r"^/-/ogi/raw/(?P<name>[^/]+)$", raw_capture)]


_REPORT_LINKS = {"report_id", "old_report_id", "new_report_id", "prev_report_id"}


@hookimpl
def render_cell(value, column, table, database, datasette):
    if column in _REPORT_LINKS and table is None and isinstance(value, int):
        href = datasette.urls.row(database, "reports", str(value))
        return Markup(f'<a href="{escape(href)}">{value}</a>')
    if column == "capture_id" and isinstance(value, int):  # the crawler's capture record
        href = datasette.urls.row(database, "captures", str(value))
        return Markup(f'<a href="{escape(href)}">{value}</a>')
    if not isinstance(value, str) or not value:
        return None
    if column == "raw" and _RAW.match(value):
        href = datasette.urls.path(f"/-/ogi/raw/{value}")
        return Markup(f'<a href="{escape(href)}" download rel="nofollow">下载原件 · raw</a>')
    if column == "url" and value.startswith(("http://", "https://")):
        return Markup(f'<a href="{escape(value)}" rel="nofollow noopener noreferrer">'
                      f'{escape(value)}</a>')
    return None


def register(pm=None) -> None:
    """Register this module with datasette's plugin manager (once)."""
    import sys

    from datasette.plugins import pm as default_pm
    pm = pm or default_pm
    module = sys.modules[__name__]
    if not pm.is_registered(module):
        pm.register(module, name=PLUGIN)
