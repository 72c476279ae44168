"""The archive's datasette plugin.

- Chinese full-text search: the search box of a table configured with an FTS table
  (`?_search=`, `?_search_<column>=`) is this plugin's filter (see _search_filter), with the
  archive's query rewriting (archive.search.match_query), so it finds two-character words and
  phrases, and finds each query's matches once instead of once per SQL statement of the page.
  SQL functions: `ogi_match(q[, column])`, `ogi_snippet(text, q)` (the search page, the `search`
  canned query), `ogi_hits(table, expr)` / `ogi_misses(table, expr)` (JSON arrays of the ids that
  match an FTS5 expression, or that do not); `escape_fts()` is replaced by match_query too.
  The match sets of the template's wording are read from the snapshot when it stores them
  (archive.search.precompute_matches).
- Facets: datasette's column facet is replaced by OgiColumnFacet, which counts the facets of a
  broad search (`id not in (misses)`) by subtraction from kept counts; the same as datasette's
  on every other page.
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
from array import array
from collections import Counter, OrderedDict
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
    kept = _precomputed(conn, key, cfg, expr)
    if kept is not None and (form is None or form == kept.form):
        return kept
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


def _precomputed(conn, key, cfg: dict, expr: str) -> _Matches | None:
    """The match set snapshot() stored for expr (search.precompute_matches), if any: only on an
    immutable database, for the table it was computed for."""
    if key is None or cfg["fts_table"] != search.FTS_TABLE or cfg["table"] != "reports":
        return None
    with _lock:
        present = _all_ids.get((key, search.MATCHES_TABLE))
    if present is None:
        present = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                               (search.MATCHES_TABLE,)).fetchone() is not None
        with _lock:
            _all_ids[(key, search.MATCHES_TABLE)] = present
    if not present:
        return None
    row = conn.execute(f"SELECT form, ids, n FROM {search.MATCHES_TABLE} "
                       f"WHERE fts_table = ? AND expr = ?", (cfg["fts_table"], expr)).fetchone()
    return _Matches(*row) if row else None


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
    """Forget the queries' matches and facet counts (and, with `everything`, each database's
    list of ids and unfiltered facet counts)."""
    with _lock:
        _cache.clear()
        for k in [k for k in _facet_cache if everything or k[0] == "query"]:
            del _facet_cache[k]
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


# ---- facets of a search-box page ----------------------------------------------------------
# A broad term's page filters with `id not in (misses)`, and each of the five facets would test
# all 100,000 rows against the list again (35 ms each for 15,000 misses). For such a page the
# column facet counts instead
#     counts(the page without the search clause) - counts(the page's other filters AND id in misses)
# which is exact (the search clause removes exactly the misses). On an immutable database both
# are kept: the first (the table's own counts, or those under the same other filters) is shared
# by every search, the second is a few thousand rows. Any other page is datasette's own facet.
FACET_CACHE_SIZE = 512
FACET_MAX_VALUES = 5000  # a column with more distinct values is faceted by datasette's way
_facet_cache: OrderedDict = OrderedDict()
_MISSES_CLAUSE = re.compile(
    r"(?P<pk>\[[^\]]+\]|\w+) not in \(select value from json_each\(ogi_misses\('")
_FACET_COLUMN = re.compile(r"^\s*select (.+?) as value, count\(\*\) as count from \(", re.S)


def _facet_key(key, sql: str, params: dict, column: str) -> tuple:
    used = tuple(sorted((k, str(v)) for k, v in (params or {}).items() if f":{k}" in sql))
    return (key, sql, used, column)


def _facet_get(k):
    with _lock:
        got = _facet_cache.get(k)
        if got is not None:
            _facet_cache.move_to_end(k)
        return got


def _facet_put(k, value) -> None:
    with _lock:
        _facet_cache[k] = value
        while len(_facet_cache) > FACET_CACHE_SIZE:
            _facet_cache.popitem(last=False)


CODES_MAX_VALUES = 65_535


async def _column_codes(ds, database, key, table: str, pk: str, column: str):
    """A column of an immutable table as (array: id -> code, list: code -> value; code 0 is
    NULL or no such row), kept per database file, for counting values among a list of ids;
    None when the ids are too sparse or the column has too many values."""
    import asyncio
    k = ("codes", key, table, column)
    with _lock:
        if k in _all_ids:
            return _all_ids[k]
    loading = _loading.get(k)
    if loading is not None:  # being loaded (the startup warm-up): wait for it
        return await asyncio.shield(loading)

    def load(conn):
        t, p, c = escape_sqlite(table), escape_sqlite(pk), escape_sqlite(column)
        count, top = conn.execute(f"SELECT count(*), max({p}) FROM {t}").fetchone()
        if not count or top is None or top > 4 * count + 1000 or top < 0:
            return None
        codes = array("H", bytes(2 * (top + 1)))
        index, values = {}, [None]
        for i, v in conn.execute(f"SELECT {p}, {c} FROM {t}"):
            if v is None or not isinstance(i, int) or i < 0:
                continue
            code = index.get(v)
            if code is None:
                if len(values) > CODES_MAX_VALUES - 1:
                    return None
                code = index[v] = len(values)
                values.append(v)
            codes[i] = code
        return codes, values
    task = _loading[k] = asyncio.ensure_future(ds.get_database(database).execute_fn(load))
    try:
        got = await asyncio.shield(task)
    finally:
        _loading.pop(k, None)
    with _lock:
        _all_ids[k] = got
    return got


_loading: dict = {}  # per event loop's use only (datasette's)


WARM_MIN_ROWS = 20_000  # smaller tables load their facet columns in a few ms when first asked


@hookimpl
def startup(datasette):
    """Load the facet columns of large searchable tables of immutable databases in the
    background (half a second at 100,000 reports), so the first search after a start does not
    wait for them."""
    async def warm():
        try:
            for name, db in list(datasette.databases.items()):
                if db.is_mutable or not db.path:
                    continue
                key = _db_key(datasette, name)
                for table in await db.table_names():
                    cfg = _search_config(datasette, name, table)
                    if cfg is None:
                        continue
                    rows = (await db.execute(f"SELECT max(rowid) FROM {escape_sqlite(table)}"
                                             )).single_value() or 0
                    if rows < WARM_MIN_ROWS:
                        continue
                    for facet in datasette.table_metadata(name, table).get("facets") or []:
                        if isinstance(facet, str):
                            await _column_codes(datasette, name, key, table,
                                                cfg.get("fts_pk", "rowid"), facet)
        except Exception:  # only a head start: the search box loads what it needs itself
            pass

    async def inner():
        import asyncio
        datasette._ogi_warm = asyncio.get_running_loop().create_task(warm())
    return inner


class _FacetAnswers:
    """What ColumnFacet sees as `self.ds`: datasette, except that the facet queries it asks for
    are answered from counts computed here."""

    def __init__(self, ds, answers: dict):
        self._ds, self._answers = ds, answers

    def __getattr__(self, name):
        return getattr(self._ds, name)

    async def execute(self, database, sql, *args, **kwargs):
        m = _FACET_COLUMN.match(sql)
        if m and m.group(1) in self._answers:
            return self._answers[m.group(1)]
        return await self._ds.execute(database, sql, *args, **kwargs)


def _sqlite_order(value):
    """SQLite's order of values of different types (numbers, text, blobs; BINARY collation)."""
    if isinstance(value, (int, float)):
        return (0, value)
    return (1, value) if isinstance(value, str) else (2, value)


def _column_facet_class(base):
    class OgiColumnFacet(base):
        """datasette's column facet; on a page filtered by the search box's `not in (misses)`,
        counts by subtraction (see above)."""

        async def facet_results(self):
            try:
                answers = await self._subtracted()
            except Exception:  # anything unexpected: datasette's own way
                answers = None
            if not answers:
                return await super().facet_results()
            ds = self.ds
            self.ds = _FacetAnswers(ds, answers)
            try:
                return await super().facet_results()
            finally:
                self.ds = ds

        async def _subtracted(self) -> dict | None:
            from datasette.database import Results
            clauses = list(_MISSES_CLAUSE.finditer(self.sql or ""))
            cfg = _search_config(self.ds, self.database, self.table) if self.table else None
            # the search box's own clause: its column is the (never null) key of the table
            if len(clauses) != 1 or cfg is None or \
                    clauses[0].group("pk") != escape_sqlite(cfg.get("fts_pk", "rowid")):
                return None
            key = _db_key(self.ds, self.database)
            if key is None:
                return None
            start = clauses[0].start()
            depth, quoted, end = 3, True, None  # it ends where its parentheses close
            for i in range(clauses[0].end(), len(self.sql)):
                ch = self.sql[i]
                if ch == "'":
                    quoted = not quoted
                elif quoted:
                    continue
                elif ch == "(":
                    depth += 1
                elif ch == ")":
                    depth -= 1
                    if depth == 0:
                        end = i + 1
                        break
            if end is None:
                return None
            clause = self.sql[start:end]
            base_sql = self.sql[:start] + "1" + self.sql[end:]
            misses_sql = (self.sql[:start] + clause.replace(" not in (", " in (", 1)
                          + self.sql[end:])
            size = self.get_facet_size()
            limit = self.ds.setting("facet_time_limit_ms")
            columns = [c["config"].get("column") or c["config"]["simple"]
                       for c in self.get_configs()]

            def k(kind, sql, column):
                return (kind, *_facet_key(key, sql, self.params, column))
            # the misses' counts of every facet column: one pass over the misses
            todo = [c for c in columns if _facet_get(k("query", misses_sql, c)) is None]
            table = escape_sqlite(self.table)
            if todo and base_sql.rstrip().endswith(f" from {table} where 1") \
                    and base_sql.count(" where ") == 1:  # no other filter: from the ids alone
                misses = None
                for column in list(todo):
                    codes = await _column_codes(self.ds, self.database, key, self.table,
                                                cfg.get("fts_pk", "rowid"), column)
                    if codes is None:
                        continue
                    if misses is None:
                        inner = clause[clause.index("json_each(") + len("json_each("):-2]
                        misses = json.loads((await self.ds.execute(
                            self.database, f"select {inner}", self.params)).single_value())
                    array_, values = codes
                    tally = Counter(array_[i] for i in misses if i < len(array_))
                    _facet_put(k("query", misses_sql, column),
                               {values[c]: n for c, n in tally.items() if c})
                    todo.remove(column)
            if todo:
                q = f"select {', '.join(map(escape_sqlite, todo))} from ({misses_sql})"
                try:
                    res = await self.ds.execute(self.database, q, self.params,
                                                truncate=False, custom_time_limit=limit)
                except Exception:  # timed out: datasette's queries, reported its way
                    return None
                tallies = [Counter() for _ in todo]
                for row in res.rows:
                    for i, tally in enumerate(tallies):
                        if row[i] is not None:
                            tally[row[i]] += 1
                for column, tally in zip(todo, tallies):
                    _facet_put(k("query", misses_sql, column), dict(tally))
            answers = {}
            for column in columns:
                col = escape_sqlite(column)
                missed = _facet_get(k("query", misses_sql, column))
                total = _facet_get(k("table", base_sql, column))
                if total is None:  # the counts without the search clause, kept for every search
                    q = (f"select {col} as value, count(*) as count from ({base_sql}) "
                         f"where {col} is not null group by {col} "
                         f"limit {FACET_MAX_VALUES + 1}")
                    try:
                        res = await self.ds.execute(self.database, q, self.params,
                                                    truncate=False, custom_time_limit=limit)
                    except Exception:  # timed out: datasette's query, reported its way
                        continue
                    total = ({r[0]: r[1] for r in res.rows}
                             if len(res.rows) <= FACET_MAX_VALUES else False)
                    _facet_put(k("table", base_sql, column), total)
                if total is False or missed is None:
                    continue  # too many values: datasette's query
                rows = [(v, n - missed.get(v, 0)) for v, n in total.items()]
                rows = sorted(((v, n) for v, n in rows if n > 0),
                              key=lambda r: (-r[1], _sqlite_order(r[0])))[:size + 1]
                answers[col] = Results([{"value": v, "count": n} for v, n in rows], False,
                                       [("value",), ("count",)])
            return answers

    OgiColumnFacet.__name__ = OgiColumnFacet.__qualname__ = "OgiColumnFacet"
    return OgiColumnFacet


@hookimpl(hookwrapper=True)
def register_facet_classes():
    """datasette's column facet, replaced by OgiColumnFacet (the same for every other page)."""
    outcome = yield
    from datasette.facets import ColumnFacet
    lists = [[_ogi_column_facet if c is ColumnFacet else c for c in classes]
             for classes in outcome.get_result()]
    outcome.force_result(lists)


from datasette.facets import ColumnFacet as _ColumnFacet  # noqa: E402

_ogi_column_facet = _column_facet_class(_ColumnFacet)


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
