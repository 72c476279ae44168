"""The served database: datasette's Database, with each query's time limit kept by the
plugin's SQL functions too (limits.Deadline) and without the console line datasette writes for
a failed query (its reason is noted instead: errors.py logs one line per bad request)."""
from __future__ import annotations

import contextvars
import sqlite3

from datasette.database import Database, QueryInterrupted

from archive.publish.errors import note
from archive.publish.limits import Deadline, with_deadline

_deadline: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("ogi_deadline",
                                                                            default=None)


class ServedDatabase(Database):
    async def execute(self, sql, params=None, truncate=False, custom_time_limit=None,
                      page_size=None, log_sql_errors=False):
        limit = self.ds.sql_time_limit_ms  # as datasette's execute() reckons it
        if custom_time_limit and custom_time_limit < limit:
            limit = custom_time_limit
        deadline = Deadline(limit)
        token = _deadline.set(deadline)
        try:
            return await super().execute(sql, params, truncate=truncate,
                                         custom_time_limit=custom_time_limit,
                                         page_size=page_size, log_sql_errors=False)
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
