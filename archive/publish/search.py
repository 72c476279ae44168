"""The search box and SQL functions of the published archive (a datasette plugin module).

Chinese full-text search: the search box of a table whose plugin config names an FTS table
(`?_search=`, `?_search_<column>=`) is this module's filter (see _search_filter), with the
archive's query rewriting (archive.search.match_query), so it finds two-character words and
phrases, and finds each query's matches once instead of once per SQL statement of the page.
SQL functions: `ogi_match(q[, column])`, `ogi_snippet(text, q)` (the search page, the `search`
canned query), `ogi_hits(table, expr)` / `ogi_misses(table, expr)` (JSON arrays of the ids that
match an FTS5 expression, or that do not); `escape_fts()` is replaced by match_query too.
The match sets of the template's wording are read from the snapshot when it stores them
(archive.search.precompute_matches).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections import OrderedDict

from datasette import hookimpl
from datasette.filters import FilterArguments
from datasette.utils import escape_sqlite, sqlite_timelimit
from datasette.utils.asgi import BadRequest

from archive import search
from archive.publish.limits import (
    EXPR_MAX_CHARS,
    QUERY_MAX_CHARS,
    SNIPPET_TEXT_MAX_CHARS,
    bounded,
    past_deadline,
)
from archive.publish.plugin import PLUGIN


@hookimpl(trylast=True)  # after datasette's own, so our escape_fts wins
def prepare_connection(conn, database, datasette):
    # every function takes bounded input (archive/publish/limits.py)
    match = bounded(search.match_query, QUERY_MAX_CHARS, 100)
    conn.create_function("escape_fts", 1, match, deterministic=True)
    conn.create_function("ogi_match", 1, match, deterministic=True)
    conn.create_function("ogi_match", 2, match, deterministic=True)
    conn.create_function(
        "ogi_snippet", 2, bounded(_snippet, None, QUERY_MAX_CHARS), deterministic=True
    )

    def ids(want):
        def fn(table, expr):
            cfg = _search_config(datasette, database, table)
            if cfg is None:
                raise ValueError(f"{table} has no full-text index")
            cfg = {**cfg, "table": table}
            try:
                m = _matches(conn, _db_key(datasette, database), cfg, expr)
                return m.json if m.form == want else _compute(conn, None, cfg, expr, want).json
            except sqlite3.OperationalError as e:  # "interrupted": at the time limit
                if "interrupted" in str(e):
                    past_deadline()  # so the query is reported as interrupted
                raise

        fn.__name__ = f"ogi_{want}"
        return bounded(fn, 100, EXPR_MAX_CHARS)

    conn.create_function("ogi_hits", 2, ids("hits"), deterministic=True)
    conn.create_function("ogi_misses", 2, ids("misses"), deterministic=True)


def _snippet(text, query):
    """ogi_snippet: the context of the query's first match in the first
    SNIPPET_TEXT_MAX_CHARS characters of text (the opening when there is none)."""
    if text is None:
        return None
    return search.snippet(str(text)[:SNIPPET_TEXT_MAX_CHARS], query or "")


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
    __slots__ = ("form", "json", "n", "misses_total")

    def __init__(self, form: str, json_ids: str, n: int):
        self.form, self.json, self.n = form, json_ids, n
        self.misses_total = None  # the table's rows, for misses


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


def _compute(
    conn, key, cfg: dict, expr: str, form: str | None = None, broad: bool = False
) -> _Matches:
    """The rows of cfg's table that match expr (an FTS5 expression), as the shorter of the two
    lists unless `form` says which (`broad`: most rows are expected to match, so the misses are
    tried first). The lists are made by SQLite (group_concat; the misses by `not in`), which
    releases the GIL: a search found in the background does not hold up the requests answered
    meanwhile."""
    fts, table = escape_sqlite(cfg["fts_table"]), escape_sqlite(cfg["table"])
    pk = escape_sqlite(cfg.get("fts_pk", "rowid"))
    kept = _precomputed(conn, key, cfg, expr)
    if kept is not None and (form is None or form == kept.form):
        return kept
    if form is None and broad:
        m = _compute(conn, key, cfg, expr, "misses")
        if 2 * m.n > m.misses_total:  # more than half of the rows match: the shorter list
            return m
        form = "hits"
    if form is None:
        n = conn.execute(f"SELECT count(*) FROM {fts} WHERE {fts} MATCH ?", (expr,)).fetchone()[0]
        with _lock:
            total = _all_ids.get((key, table, "count")) if key else None
        if total is None:
            total = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            if key:
                with _lock:
                    _all_ids[(key, table, "count")] = total
        form = "hits" if 2 * n <= total else "misses"  # at most half of the rows match
    if form == "hits":
        hits = (
            conn.execute(
                f"SELECT group_concat(rowid) FROM (SELECT rowid FROM {fts} WHERE {fts} MATCH ?)",
                (expr,),
            ).fetchone()[0]
            or ""
        )
        return _Matches("hits", f"[{hits}]", hits.count(",") + 1 if hits else 0)
    misses, count, total = conn.execute(
        f"SELECT group_concat({pk}), count(*), (SELECT count(*) FROM {table}) FROM "
        f"(SELECT {pk} FROM {table} WHERE {pk} NOT IN (SELECT rowid FROM {fts} "
        f"WHERE {fts} MATCH ?) ORDER BY {pk})",
        (expr,),
    ).fetchone()
    m = _Matches("misses", f"[{misses or ''}]", total - count)
    m.misses_total = total
    return m


def _precomputed(conn, key, cfg: dict, expr: str) -> _Matches | None:
    """The match set snapshot() stored for expr (search.precompute_matches), if any: only on an
    immutable database, for the table it was computed for."""
    if key is None or cfg["fts_table"] != search.FTS_TABLE or cfg["table"] != "reports":
        return None
    with _lock:
        present = _all_ids.get((key, search.MATCHES_TABLE))
    if present is None:
        present = (
            conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                (search.MATCHES_TABLE,),
            ).fetchone()
            is not None
        )
        with _lock:
            _all_ids[(key, search.MATCHES_TABLE)] = present
    if not present:
        return None
    row = conn.execute(
        f"SELECT form, ids, n FROM {search.MATCHES_TABLE} WHERE fts_table = ? AND expr = ?",
        (cfg["fts_table"], expr),
    ).fetchone()
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
        generation = _generation
    m = _compute(conn, key, cfg, expr)
    _remember(k, m, generation)
    return m


def _remember(k, m: _Matches, generation: int) -> None:
    with _lock:
        if generation != _generation:  # clear_cache() was called meanwhile
            return
        _cache[k] = m
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


# ---- a broad query asked for the first time ------------------------------------------------
# Finding every match of a term printed in most reports takes FTS5 a pass over its whole
# doclist: at 450,000 reports 50–600 ms, more at a million; the page's count and facets need all
# of them. So a query that is not yet known (neither kept nor stored in the snapshot) and that
# the newest PROBE matches show to be broad (more than BROAD_MATCHES estimated) is answered
# at once with its rows only: the filter asks FTS5 about each row in the page's order
# (`id in (select rowid from fts where fts match … and rowid = table.id)`), which stops after a
# page of matches; the count is left unknown and the facets are reported as timed out, and the
# match set is found in the background, on a thread and connection of its own, one query at a
# time, so that the same page asked again (a reload) has its count and facets.
PROBE = 1000
BROAD_MATCHES = 50_000
PENDING_MAX = 16  # queries waiting for the background thread at most (more: found when asked)
DEFERRED = "/*ogi:counting*/"  # marks the filter of such a page (database.py, facets.py)
_generation = 0  # bumped by clear_cache(): what was being found before is not kept
_pending: set = set()
_background = None  # concurrent.futures executor, one thread
_local = threading.local()


def _known(conn, key, cfg: dict, expr: str) -> bool:
    with _lock:
        if (key, cfg["table"], expr) in _cache:
            return True
    return _precomputed(conn, key, cfg, expr) is not None


def _broad(conn, key, cfg: dict, expr: str) -> bool:
    """Whether expr matches more than BROAD_MATCHES rows, estimated from how far back its
    newest PROBE matches reach among the table's ids."""
    fts, table = escape_sqlite(cfg["fts_table"]), escape_sqlite(cfg["table"])
    newest = conn.execute(
        f"SELECT rowid FROM {fts} WHERE {fts} MATCH ? ORDER BY rowid DESC LIMIT {PROBE}", (expr,)
    ).fetchall()
    if len(newest) < PROBE:
        return False
    with _lock:
        top = _all_ids.get((key, table, "max"))
    if top is None:
        top = conn.execute(f"SELECT max(rowid) FROM {fts}").fetchone()[0] or 0
        with _lock:
            _all_ids[(key, table, "max")] = top
    reach = max(1, top - newest[-1][0] + 1)
    return PROBE * top / reach > BROAD_MATCHES


def _find_in_background(path: str, key, cfg: dict, expr: str, limit_ms: int) -> None:
    import concurrent.futures

    global _background
    k = (key, cfg["table"], expr)
    with _lock:
        if k in _pending or len(_pending) >= PENDING_MAX:
            return
        _pending.add(k)
        generation = _generation
        if _background is None:
            _background = concurrent.futures.ThreadPoolExecutor(1, "ogi-matches")

    def find():
        try:
            conn = getattr(_local, "conns", {}).get(path)
            if conn is None:
                conn = sqlite3.connect(
                    f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False
                )
                _local.conns = {**getattr(_local, "conns", {}), path: conn}
            with sqlite_timelimit(conn, limit_ms):
                m = _compute(conn, key, cfg, expr, broad=True)
            _remember(k, m, generation)
        except Exception:  # too slow, or gone: it is found when asked again
            pass
        finally:
            with _lock:
                _pending.discard(k)

    _background.submit(find)


def clear_cache(everything: bool = False) -> None:
    """Forget the queries' matches, facet counts and row counts (and, with `everything`, each
    database's list of ids, unfiltered facet counts and every kept count)."""
    global _generation
    with _lock:
        _cache.clear()
        _generation += 1
        if everything:
            _all_ids.clear()
    from archive.publish import database, facets

    facets.clear_cache(everything)
    database.clear_counts(everything)


@hookimpl(specname="filters_from_request", trylast=True)  # after datasette's: our context wins
def _search_filter(request, database, table, datasette):
    """?_search= (and ?_search_<column>=) on a table whose plugin config names an FTS table."""
    cfg = _search_config(datasette, database, table)
    if cfg is None:
        return None
    cfg = {**cfg, "table": table}

    async def inner():
        ctx = {"supports_search": True}
        args = [
            (k, request.args[k])
            for k in request.args
            if k.startswith("_search") and k != "_searchmode"
        ]
        if not args:
            return FilterArguments([], extra_context=ctx)
        db = datasette.get_database(database)
        raw = (request.args.get("_searchmode") or cfg.get("searchmode")) == "raw"
        fts = cfg["fts_table"]
        clauses, params, human = [], {}, []
        for i, (arg, text) in enumerate(args):
            column = None if arg == "_search" else arg[len("_search_") :]
            if column is not None and column not in await db.table_columns(fts):
                raise BadRequest("Cannot search by that column")
            if not text.strip():
                continue  # an empty search box filters nothing
            if len(text) > QUERY_MAX_CHARS:
                raise BadRequest(f"Search too long: at most {QUERY_MAX_CHARS:,} characters")
            name = "search" if column is None else f"search_{i}"
            params[name] = text
            ctx["search"] = text
            if raw and column is None:
                expr, expr_sql = text, f":{name}"
            else:
                expr = search.match_query(text, column)
                expr_sql = (
                    f"ogi_match(:{name})"
                    if column is None
                    else f"ogi_match(:{name}, '{column.replace(chr(39), chr(39) * 2)}')"
                )
            clauses.append(await _clause(datasette, database, db, cfg, expr, expr_sql))
            human.append(
                (
                    f'search matches "{text}"'
                    if column is None
                    else f'search column "{column}" matches "{text}"'
                )
                + (
                    " (still counting: reload for the count and facets)"
                    if DEFERRED in clauses[-1]
                    else ""
                )
            )
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
            if not _known(conn, key, cfg, expr) and _broad(conn, key, cfg, expr):
                return None
            return _matches(conn, key, cfg, expr)

    try:
        m = await db.execute_fn(find)
    except sqlite3.OperationalError:  # too slow, or not a valid FTS5 expression (raw mode):
        return plain  # datasette runs it and reports as it does
    if m is None:  # broad, and not known yet: this page has its rows only (see above)
        _find_in_background(db.path, key, cfg, expr, limit)
        return (
            f"{pk} in (select rowid from {fts} where {fts} match {expr_sql} and "
            f"rowid = {escape_sqlite(cfg['table'])}.{pk} {DEFERRED})"
        )
    table = cfg["table"].replace("'", "''")
    if m.form == "misses":
        return f"{pk} not in (select value from json_each(ogi_misses('{table}', {expr_sql})))"
    return f"{pk} in (select value from json_each(ogi_hits('{table}', {expr_sql})))"
