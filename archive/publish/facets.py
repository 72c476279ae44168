"""Facets of the published archive (a datasette plugin module): datasette's column facet is
replaced by OgiColumnFacet, which counts the facets of a broad search (`id not in (misses)`) by
subtraction from kept counts; every other page is faceted exactly as datasette does.

What is kept stays bounded whatever is asked: the counts of at most FACET_CACHE_SIZE facet
queries holding FACET_CACHE_VALUES counts in all (least recently used out first); a column in
memory (id → value code) only for the columns the plugin config names as `facets`, of at most
CODES_MAX_VALUES distinct values. A page shows at most `_facet_size` values per facet
(datasette caps it at max_returned_rows) and each facet query has facet_time_limit_ms.
"""

from __future__ import annotations

import json
import re
from array import array
from collections import Counter, OrderedDict

from datasette import hookimpl
from datasette.utils import escape_sqlite, sqlite_timelimit

from archive.publish.search import _all_ids, _db_key, _lock, _search_config

# ---- facets of a search-box page ----------------------------------------------------------
# A broad term's page filters with `id not in (misses)`, and each of the five facets would test
# all 100,000 rows against the list again (35 ms each for 15,000 misses). For such a page the
# column facet counts instead
#     counts(the page without the search clause) - counts(the page's other filters AND id in misses)
# which is exact (the search clause removes exactly the misses). On an immutable database both
# are kept: the first (the table's own counts, or those under the same other filters) is shared
# by every search, the second is a few thousand rows. Any other page is datasette's own facet.
FACET_CACHE_SIZE = 512
FACET_CACHE_VALUES = 200_000  # counts kept, all entries together (each a value and a count)
FACET_MAX_VALUES = 5000  # a column with more distinct values is faceted by datasette's way
_facet_cache: OrderedDict = OrderedDict()
_facet_values = 0  # counts in _facet_cache
_MISSES_CLAUSE = re.compile(
    r"(?P<pk>\[[^\]]+\]|\w+) not in \(select value from json_each\(ogi_misses\('"
)
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


def _size(value) -> int:
    return len(value) if isinstance(value, dict) else 1


def _facet_put(k, value) -> None:
    """Keep value (least recently used out first: at most FACET_CACHE_SIZE entries holding
    FACET_CACHE_VALUES counts in all)."""
    global _facet_values
    with _lock:
        old = _facet_cache.pop(k, None)
        _facet_values -= _size(old) if old is not None else 0
        _facet_cache[k] = value
        _facet_values += _size(value)
        while len(_facet_cache) > 1 and (
            len(_facet_cache) > FACET_CACHE_SIZE or _facet_values > FACET_CACHE_VALUES
        ):
            _facet_values -= _size(_facet_cache.popitem(last=False)[1])


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
    """In the background as datasette starts, for the large tables of immutable databases:
    the facet counts of each table page unfiltered, and the facet columns of searchable
    tables (half a second at 100,000 reports), so the first request does not wait for them."""

    async def warm():
        try:
            for name, db in list(datasette.databases.items()):
                if db.is_mutable or not db.path:
                    continue
                key = _db_key(datasette, name)
                for table in await db.table_names():
                    cfg = _search_config(datasette, name, table)
                    facets = [
                        f
                        for f in datasette.table_metadata(name, table).get("facets") or []
                        if isinstance(f, str)
                    ]
                    if cfg is None and not facets:
                        continue
                    rows = (
                        await db.execute(f"SELECT max(rowid) FROM {escape_sqlite(table)}")
                    ).single_value() or 0
                    if rows < WARM_MIN_ROWS:
                        continue
                    for facet in facets:  # the table page's own facets, unfiltered
                        await _warm_counts(db, key, table, facet)
                    for facet in (cfg or {}).get("facets") or []:
                        if isinstance(facet, str):
                            await _column_codes(
                                datasette, name, key, table, cfg.get("fts_pk", "rowid"), facet
                            )
        except Exception:  # only a head start: the search box loads what it needs itself
            pass

    async def inner():
        import asyncio

        datasette._ogi_warm = asyncio.get_running_loop().create_task(warm())

    return inner


async def _warm_counts(db, key, table: str, column: str) -> None:
    """The counts of column over the whole table, kept as OgiColumnFacet keeps a page's."""
    k = ("table", *_facet_key(key, "", {}, column))
    if _facet_get(k) is not None:
        return
    col = escape_sqlite(column)
    res = await db.execute(
        f"select {col}, count(*) from {escape_sqlite(table)} where {col} is "
        f"not null group by {col} limit {FACET_MAX_VALUES + 1}",
        custom_time_limit=60_000,
    )
    _facet_put(k, {r[0]: r[1] for r in res.rows} if len(res.rows) <= FACET_MAX_VALUES else False)


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


def _results(rows, size: int):
    """A facet query's Results from (value, count) pairs: datasette's order (count descending,
    then value), counts above zero, size + 1 of them (datasette's sign of more)."""
    from datasette.database import Results

    rows = sorted(((v, n) for v, n in rows if n > 0), key=lambda r: (-r[1], _sqlite_order(r[0])))[
        : size + 1
    ]
    return Results([{"value": v, "count": n} for v, n in rows], False, [("value",), ("count",)])


def _page_where(sql: str, table: str) -> str:
    """What of a page's SQL (`select … from TABLE where …`) says which rows it has: the same
    for every column list, '' for the whole table (also `where 1`)."""
    i = sql.find(f" from {escape_sqlite(table)}")
    where = sql[i + 6 + len(escape_sqlite(table)) :].strip() if i >= 0 else sql
    return "" if where in ("", "where 1") else where


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
            from archive.publish.search import DEFERRED

            if DEFERRED in (self.sql or ""):  # a broad search's first page: not counted yet
                return [], [
                    c["config"].get("column") or c["config"]["simple"] for c in self.get_configs()
                ]
            try:
                answers = await self._subtracted() or await self._kept()
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
            clauses = list(_MISSES_CLAUSE.finditer(self.sql or ""))
            cfg = _search_config(self.ds, self.database, self.table) if self.table else None
            # the search box's own clause: its column is the (never null) key of the table
            if (
                len(clauses) != 1
                or cfg is None
                or clauses[0].group("pk") != escape_sqlite(cfg.get("fts_pk", "rowid"))
            ):
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
            misses_sql = self.sql[:start] + clause.replace(" not in (", " in (", 1) + self.sql[end:]
            size = self.get_facet_size()
            limit = self.ds.setting("facet_time_limit_ms")
            columns = [
                c["config"].get("column") or c["config"]["simple"] for c in self.get_configs()
            ]

            def k(kind, sql, column):
                return (kind, *_facet_key(key, sql, self.params, column))

            # the misses' counts of every facet column: one pass over the misses
            todo = [c for c in columns if _facet_get(k("query", misses_sql, c)) is None]
            table = escape_sqlite(self.table)
            if (
                todo
                and base_sql.rstrip().endswith(f" from {table} where 1")
                and base_sql.count(" where ") == 1
            ):  # no other filter: from the ids alone
                misses = None
                kept = set(cfg.get("facets") or [])  # columns kept in memory: the configured
                for column in [c for c in todo if c in kept]:
                    codes = await _column_codes(
                        self.ds, self.database, key, self.table, cfg.get("fts_pk", "rowid"), column
                    )
                    if codes is None:
                        continue
                    if misses is None:
                        inner = clause[clause.index("json_each(") + len("json_each(") : -2]
                        misses = json.loads(
                            (
                                await self.ds.execute(self.database, f"select {inner}", self.params)
                            ).single_value()
                        )
                    array_, values = codes
                    tally = Counter(array_[i] for i in misses if i < len(array_))
                    _facet_put(
                        k("query", misses_sql, column),
                        {values[c]: n for c, n in tally.items() if c},
                    )
                    todo.remove(column)
            if todo:
                q = f"select {', '.join(map(escape_sqlite, todo))} from ({misses_sql})"
                try:
                    res = await self.ds.execute(
                        self.database, q, self.params, truncate=False, custom_time_limit=limit
                    )
                except Exception:  # timed out: datasette's queries, reported its way
                    return None
                tallies = [Counter() for _ in todo]
                for row in res.rows:
                    for i, tally in enumerate(tallies):
                        if row[i] is not None:
                            tally[row[i]] += 1
                for column, tally in zip(todo, tallies, strict=True):
                    _facet_put(k("query", misses_sql, column), dict(tally))
            answers = {}
            for column in columns:
                missed = _facet_get(k("query", misses_sql, column))
                # the counts without the search clause, kept for every search
                total = await self._page_counts(key, base_sql, column)
                if total is None or missed is None:
                    continue  # too many values, or too slow: datasette's query
                answers[escape_sqlite(column)] = _results(
                    [(v, n - missed.get(v, 0)) for v, n in total.items()], size
                )
            return answers

        async def _kept(self) -> dict | None:
            """Any other page of an immutable database: its facet counts, kept (the file
            cannot change), so each page is counted once (the unfiltered tables' already as
            datasette starts: see startup)."""
            key = _db_key(self.ds, self.database) if self.table else None
            if key is None:
                return None
            size, answers = self.get_facet_size(), {}
            for c in self.get_configs():
                column = c["config"].get("column") or c["config"]["simple"]
                total = await self._page_counts(key, self.sql, column)
                if total is not None:
                    answers[escape_sqlite(column)] = _results(list(total.items()), size)
            return answers

        async def _page_counts(self, key, sql: str, column: str) -> dict | None:
            """{value: count} of column among the rows of sql (a page of self.table), kept;
            None when it has more than FACET_MAX_VALUES values or took too long."""
            k = ("table", *_facet_key(key, _page_where(sql, self.table), self.params, column))
            total = _facet_get(k)
            if total is None:
                total = await self._tally(key, sql, column)
                if total is not None:
                    _facet_put(k, total)
            if total is None:
                col = escape_sqlite(column)
                q = (
                    f"select {col} as value, count(*) as count from ({sql}) "
                    f"where {col} is not null group by {col} limit {FACET_MAX_VALUES + 1}"
                )
                try:
                    res = await self.ds.execute(
                        self.database,
                        q,
                        self.params,
                        truncate=False,
                        custom_time_limit=self.ds.setting("facet_time_limit_ms"),
                    )
                except Exception:  # timed out: datasette's query, reported its way
                    return None
                total = (
                    {r[0]: r[1] for r in res.rows} if len(res.rows) <= FACET_MAX_VALUES else False
                )
                _facet_put(k, total)
            return None if total is False else total

        async def _tally(self, key, sql: str, column: str) -> dict | None:
            """A filtered page's counts of a column kept in memory (the search box's facets):
            the ids of the page's rows found once (an index, mostly), the values looked up by
            id — instead of one pass over the rows themselves per facet (at a million reports,
            200–400 ms for a province's page). None when the column is not kept."""
            cfg = _search_config(self.ds, self.database, self.table)
            if (
                cfg is None
                or column not in (cfg.get("facets") or [])
                or _page_where(sql, self.table) == ""
            ):
                return None
            pk = cfg.get("fts_pk", "rowid")
            codes = await _column_codes(self.ds, self.database, key, self.table, pk, column)
            if codes is None:
                return None
            got = getattr(self, "_ogi_ids", None)
            if got is None or got[0] != sql:
                limit, params = self.ds.setting("facet_time_limit_ms"), self.params

                def fetch(conn):
                    with sqlite_timelimit(conn, limit):
                        ids = conn.execute(
                            f"select group_concat({escape_sqlite(pk)}) from ({sql})", params or {}
                        ).fetchone()[0]
                    return array("q", map(int, ids.split(","))) if ids else array("q")

                try:
                    got = self._ogi_ids = (
                        sql,
                        await self.ds.get_database(self.database).execute_fn(fetch),
                    )
                except Exception:  # too slow: counted by SQL
                    return None
            array_, values = codes
            try:  # every id is one of the table's (the array covers them all)
                tally = Counter(map(array_.__getitem__, got[1]))
            except (IndexError, OverflowError):
                return None
            return {values[c]: n for c, n in tally.items() if c}

    OgiColumnFacet.__name__ = OgiColumnFacet.__qualname__ = "OgiColumnFacet"
    return OgiColumnFacet


@hookimpl(hookwrapper=True)
def register_facet_classes():
    """datasette's column facet, replaced by OgiColumnFacet (the same for every other page)."""
    outcome = yield
    from datasette.facets import ColumnFacet

    lists = [
        [_ogi_column_facet if c is ColumnFacet else c for c in classes]
        for classes in outcome.get_result()
    ]
    outcome.force_result(lists)


from datasette.facets import ColumnFacet as _ColumnFacet  # noqa: E402

_ogi_column_facet = _column_facet_class(_ColumnFacet)


def clear_cache(everything: bool = False) -> None:
    """Forget the facet counts of queries (with `everything`, the unfiltered counts too)."""
    global _facet_values
    with _lock:
        for k in [
            k
            for k in _facet_cache
            if everything or k[0] == "query" or "ogi_hits(" in k[2] or "ogi_misses(" in k[2]
        ]:  # a search's
            _facet_values -= _size(_facet_cache.pop(k))
