"""The archive's datasette plugin.

- Chinese full-text search: the search box of a table configured with an FTS table
  (`?_search=`, `?_search_<column>=`) is this plugin's filter (see _search_filter), with the
  archive's query rewriting (archive.search.match_query), so it finds two-character words and
  phrases, and finds each query's matches once instead of once per SQL statement of the page.
  SQL functions: `ogi_match(q[, column])`, `ogi_snippet(text, q)` (the search page, the `search`
  canned query), `ogi_hits(table, expr)` / `ogi_misses(table, expr)` (JSON arrays of the ids that
  match an FTS5 expression, or that do not); `escape_fts()` is replaced by match_query too.
- /-/ogi/raw/<sha256>[.ext]: the raw capture as a download (application/octet-stream,
  attachment, nosniff, sandboxed) — scraped HTML is never rendered.
- Cells: `raw` as a download link, `url` as a plain external link, `capture_id` and report ids
  in canned queries as links to those rows.
"""
from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path

from datasette import hookimpl
from datasette.filters import FilterArguments
from datasette.utils import escape_sqlite, sqlite_timelimit
from datasette.utils.asgi import BadRequest, NotFound, Response
from markupsafe import Markup, escape

from archive import search

PLUGIN = "ogi-archive"
_RAW = re.compile(r"^([0-9a-f]{64})(\.[a-z0-9]{1,8})?$")


@hookimpl(trylast=True)  # after datasette's own, so our escape_fts wins
def prepare_connection(conn, database, datasette):
    conn.create_function("escape_fts", 1, search.match_query, deterministic=True)
    conn.create_function("ogi_match", 1, search.match_query, deterministic=True)
    conn.create_function("ogi_match", 2, search.match_query, deterministic=True)
    conn.create_function("ogi_snippet", 2, search.snippet, deterministic=True)

    def ids(want):
        def fn(table, expr):
            cfg = _search_config(datasette, database, table)
            if cfg is None:
                raise ValueError(f"{table} has no full-text index")
            cfg = {**cfg, "table": table}
            m = _matches(conn, _db_key(datasette, database), cfg, expr)
            return m.json if m.form == want else _compute(conn, None, cfg, expr, want).json
        return fn
    conn.create_function("ogi_hits", 2, ids("hits"), deterministic=True)
    conn.create_function("ogi_misses", 2, ids("misses"), deterministic=True)


# ---- the search box ----------------------------------------------------------------------
# datasette answers a table page with several SQL statements over the same filter: the rows, a
# count, one per facet. Its own ?_search filter, `id in (select rowid from fts where fts match
# …)`, has FTS5 find every match again in each of them: for a term printed in nearly every
# report (复议, 政府信息公开) that is all 100,000 reports, seven times over, and a phrase of
# common bigrams costs FTS5 up to a second each time. This filter finds a query's matches once,
# keeps them (immutable databases only: they cannot change; the last CACHE_SIZE queries), and
# writes the filter as the smaller of two equivalent lists:
#   id in (select value from json_each(ogi_hits('reports', <expr>)))      -- the ids that match
#   id not in (select value from json_each(ogi_misses('reports', <expr>))) -- the ids that do not
# A term in nearly every report leaves a short list of misses, and the page costs about what the
# unfiltered table costs. Mutable databases keep the plain FTS subquery.
CACHE_SIZE = 64


class _Matches:
    __slots__ = ("form", "json", "n")

    def __init__(self, form: str, json_ids: str, n: int):
        self.form, self.json, self.n = form, json_ids, n


_cache: OrderedDict = OrderedDict()
_all_ids: dict = {}
_lock = threading.Lock()


def _search_config(datasette, database: str, table: str) -> dict | None:
    cfg = datasette.plugin_config(PLUGIN, database=database, table=table) or {}
    return cfg if cfg.get("fts_table") else None


def _db_key(datasette, database: str):
    """Identifies an immutable database file's content (None: mutable, nothing is kept)."""
    db = datasette.get_database(database)
    if db.is_mutable or not db.path:
        return None
    st = os.stat(db.path)
    return (os.path.realpath(db.path), st.st_ino, st.st_size, st.st_mtime_ns)


def _compute(conn, key, cfg: dict, expr: str, form: str | None = None) -> _Matches:
    """The rows of cfg's table that match expr (an FTS5 expression), as the shorter of the two
    lists unless `form` says which."""
    fts, table = escape_sqlite(cfg["fts_table"]), escape_sqlite(cfg["table"])
    pk = escape_sqlite(cfg.get("fts_pk", "rowid"))
    hits = conn.execute(f"SELECT group_concat(rowid) FROM (SELECT rowid FROM {fts} "
                        f"WHERE {fts} MATCH ?)", (expr,)).fetchone()[0] or ""
    n = hits.count(",") + 1 if hits else 0
    if form == "hits":
        return _Matches("hits", f"[{hits}]", n)
    with _lock:
        total = _all_ids.get((key, table, "count")) if key else None
    if total is None:
        total = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        if key:
            with _lock:
                _all_ids[(key, table, "count")] = total
    if form is None and 2 * n <= total:  # at most half of the rows match
        return _Matches("hits", f"[{hits}]", n)
    with _lock:
        everything = _all_ids.get((key, table)) if key else None
    if everything is None:
        everything = [r[0] for r in conn.execute(f"SELECT {pk} FROM {table} ORDER BY {pk}")]
        if key:
            with _lock:
                _all_ids[(key, table)] = everything
    hit = set(map(int, hits.split(","))) if hits else set()
    misses = [i for i in everything if i not in hit]
    n = len(everything) - len(misses)
    if form == "misses" or len(misses) < n:
        return _Matches("misses", json.dumps(misses), n)
    return _Matches("hits", f"[{hits}]", n)


def _matches(conn, key, cfg: dict, expr: str) -> _Matches:
    """_compute, remembered per (database file, table, expression)."""
    if key is None:
        return _compute(conn, None, cfg, expr)
    k = (key, cfg["table"], expr)
    with _lock:
        m = _cache.get(k)
        if m is not None:
            _cache.move_to_end(k)
            return m
    m = _compute(conn, key, cfg, expr)
    with _lock:
        _cache[k] = m
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return m


def clear_cache(everything: bool = False) -> None:
    """Forget the queries' matches (and, with `everything`, each database's list of ids)."""
    with _lock:
        _cache.clear()
        if everything:
            _all_ids.clear()


@hookimpl(specname="filters_from_request", trylast=True)  # after datasette's: our context wins
def _search_filter(request, database, table, datasette):
    """?_search= (and ?_search_<column>=) on a table whose plugin config names an FTS table."""
    cfg = _search_config(datasette, database, table)
    if cfg is None:
        return None
    cfg = {**cfg, "table": table}

    async def inner():
        ctx = {"supports_search": True}
        args = [(k, request.args[k]) for k in request.args
                if k.startswith("_search") and k != "_searchmode"]
        if not args:
            return FilterArguments([], extra_context=ctx)
        db = datasette.get_database(database)
        raw = (request.args.get("_searchmode")
               or datasette.table_metadata(database, table).get("searchmode")) == "raw"
        fts = cfg["fts_table"]
        clauses, params, human = [], {}, []
        for i, (arg, text) in enumerate(args):
            column = None if arg == "_search" else arg[len("_search_"):]
            if column is not None and column not in await db.table_columns(fts):
                raise BadRequest("Cannot search by that column")
            if not text.strip():
                continue  # an empty search box filters nothing
            name = "search" if column is None else f"search_{i}"
            params[name] = text
            ctx["search"] = text
            if raw and column is None:
                expr, expr_sql = text, f":{name}"
            else:
                expr = search.match_query(text, column)
                expr_sql = (f"ogi_match(:{name})" if column is None else
                            f"ogi_match(:{name}, '{column.replace(chr(39), chr(39) * 2)}')")
            clauses.append(await _clause(datasette, database, db, cfg, expr, expr_sql))
            human.append(f'search matches "{text}"' if column is None else
                         f'search column "{column}" matches "{text}"')
        return FilterArguments(clauses, params, human, ctx)

    return inner


async def _clause(datasette, database, db, cfg, expr: str, expr_sql: str) -> str:
    fts, pk = escape_sqlite(cfg["fts_table"]), escape_sqlite(cfg.get("fts_pk", "rowid"))
    plain = f"{pk} in (select rowid from {fts} where {fts} match {expr_sql})"
    key = _db_key(datasette, database)
    if key is None:
        return plain
    limit = datasette.setting("sql_time_limit_ms")

    def find(conn):
        with sqlite_timelimit(conn, limit):
            return _matches(conn, key, cfg, expr)
    try:
        m = await db.execute_fn(find)
    except sqlite3.OperationalError:  # too slow, or not a valid FTS5 expression (raw mode):
        return plain                  # datasette runs it and reports as it does
    table = cfg["table"].replace("'", "''")
    if m.form == "misses":
        return f"{pk} not in (select value from json_each(ogi_misses('{table}', {expr_sql})))"
    return f"{pk} in (select value from json_each(ogi_hits('{table}', {expr_sql})))"


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
