"""The served database: datasette's Database, with each query's time limit kept by the
plugin's SQL functions too (limits.Deadline) and without the console line datasette writes for
a failed query (its reason is noted instead: errors.py logs one line per bad request)."""

from __future__ import annotations

import contextvars
import re
import sqlite3
import threading
from collections import OrderedDict

from datasette.database import Database, QueryInterrupted, Results

from archive.publish.errors import note
from archive.publish.limits import Deadline, with_deadline

_deadline: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar(
    "ogi_deadline", default=None
)


# ---- counts -------------------------------------------------------------------------------
# A table page counts its rows with `select count(*) from TABLE where …` on every request: at
# a million reports a scan of up to a million rows. On an immutable file a count cannot change,
# so each is kept (COUNT_CACHE_SIZE of them, least recently used out first); and the count of a
# page filtered by the search box alone is read off its match set, which the search box has
# just found (archive/publish/search.py): the number of hits, or the table's rows less the
# misses (every id in either list is a row of the table: they come from the table and from its
# full-text index, which `ogi build` keeps in step with it).
COUNT_CACHE_SIZE = 4096
_counts: OrderedDict = OrderedDict()
_counts_lock = threading.Lock()
_SEARCH_COUNT = re.compile(
    r"select count\(\*\) from (?P<table>\S+) where \S+ (?P<no>not )?in \(select value from "
    r"json_each\((?P<ids>ogi_(?P<form>hits|misses)\('[^']*', (?:ogi_match\(:search(?:_\d+)?"
    r"(?:, '[^']*')?\)|:search)\))\)\)\s*"
)


def _search_count(sql: str) -> str | None:
    """The count of a page filtered by the search box alone, from its match set."""
    m = _SEARCH_COUNT.fullmatch(sql)
    if m is None or bool(m.group("no")) != (m.group("form") == "misses"):
        return None
    if m.group("form") == "hits":
        return f"select json_array_length({m.group('ids')})"
    return f"select (select count(*) from {m.group('table')}) - json_array_length({m.group('ids')})"


def clear_counts(everything: bool = False) -> None:
    """Forget the kept counts of searches (with `everything`, all of them)."""
    with _counts_lock:
        for k in [k for k in _counts if everything or "ogi_hits(" in k[1] or "ogi_misses(" in k[1]]:
            del _counts[k]


class ServedDatabase(Database):
    async def execute(
        self,
        sql,
        params=None,
        truncate=False,
        custom_time_limit=None,
        page_size=None,
        log_sql_errors=False,
    ):
        if self.is_mutable or not sql.startswith("select count(*) from "):
            return await self._execute(sql, params, truncate, custom_time_limit, page_size)
        from archive.publish.search import DEFERRED

        if DEFERRED in sql:  # a broad search's first page: its matches are still being found
            return Results([(None,)], False, [("count(*)",)])
        from archive.publish.search import _db_key

        used = tuple(sorted((k, str(v)) for k, v in (params or {}).items() if f":{k}" in sql))
        key = (_db_key(self.ds, self.name), sql, used)
        with _counts_lock:
            got = _counts.get(key)
            if got is not None:
                _counts.move_to_end(key)
                return got
        got = await self._execute(
            _search_count(sql) or sql, params, truncate, custom_time_limit, page_size
        )
        with _counts_lock:
            _counts[key] = got
            while len(_counts) > COUNT_CACHE_SIZE:
                _counts.popitem(last=False)
        return got

    async def _execute(self, sql, params, truncate, custom_time_limit, page_size):
        limit = self.ds.sql_time_limit_ms  # as datasette's execute() reckons it
        if custom_time_limit and custom_time_limit < limit:
            limit = custom_time_limit
        deadline = Deadline(limit)
        token = _deadline.set(deadline)
        try:
            return await super().execute(
                sql,
                params,
                truncate=truncate,
                custom_time_limit=custom_time_limit,
                page_size=page_size,
                log_sql_errors=False,
            )
        except sqlite3.OperationalError as e:
            if deadline.passed:  # a SQL function of the plugin stopped at the time limit
                raise QueryInterrupted(e, sql, params) from None
            note(f"SQL error: {e}")
            raise
        except Exception as e:
            note(f"SQL error: {e or type(e).__name__}")
            raise
        finally:
            _deadline.reset(token)

    async def execute_fn(self, fn):
        deadline = _deadline.get()
        return await super().execute_fn(fn if deadline is None else with_deadline(fn, deadline))
