"""What one request may cost the published archive (a datasette plugin module).

datasette cuts a query at `sql_time_limit_ms` with SQLite's progress handler, which runs between
SQLite's own steps: it never interrupts a Python SQL function, and nothing bounds the memory a
query's values take. On every connection of the server:

- a string or blob is at most VALUE_MAX_BYTES (SQLite's own SQLITE_LIMIT_LENGTH: `zeroblob`,
  `printf`, `group_concat`, `hex` … stop there with "string or blob too big"); a statement's
  SQL at most SQL_MAX_BYTES;
- SQLite's heap is at most HEAP_MAX_BYTES (its hard heap limit, which SQLite keeps for a whole
  process, not per connection: `ogi serve` sets it with limit_heap(), and the server's
  connections share it; past it a query fails with "out of memory", the server lives);
- the rows of one query hold at most RESULT_MAX_CHARS characters of text and bytes of blobs
  (a page of 1,000 reports' full texts is about 10 million), counted as they are read;
- every SQL function of the plugin takes bounded input (search.py registers them through
  bounded(): longer input is "string or blob too big"), so each call does bounded work; and
  each call first looks at the query's deadline (with_deadline(), which the served database
  of database.py sets for each query): past it, the call fails and the query is reported as
  interrupted at the time limit — datasette's progress handler runs only every thousand
  SQLite steps, which may be a hundred calls of a function apart. A query is cut at most one
  call late (bench/serve.py prints how late).

errors.py answers what these refuse with a 400 and one line in the server's log.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
import time
import weakref

from datasette import hookimpl

VALUE_MAX_BYTES = 32 * 2**20
SQL_MAX_BYTES = 2**20
HEAP_MAX_BYTES = 256 * 2**20
RESULT_MAX_CHARS = 16_000_000
QUERY_MAX_CHARS = 1_000  # a search query (ogi_match, escape_fts, ogi_snippet, ?_search=)
EXPR_MAX_CHARS = 10_000  # an FTS5 expression (ogi_hits, ogi_misses)
SNIPPET_TEXT_MAX_CHARS = 2_000_000  # ogi_snippet looks for the query in this much of a text


class ResultTooLarge(sqlite3.DataError):
    pass


class Deadline:
    """A query's time limit, kept by the SQL functions of bounded() while it runs."""

    def __init__(self, ms: float):
        self.ms, self.at, self.passed = ms, None, False


_running = threading.local()  # the Deadline of the query this thread runs


def with_deadline(fn, deadline: Deadline):
    """fn(conn), the deadline counted from its start (as datasette counts its time limit)."""

    def run(conn):
        deadline.at = time.perf_counter() + deadline.ms / 1000
        _running.deadline = deadline
        try:
            return fn(conn)
        finally:
            _running.deadline = None

    return run


def past_deadline() -> bool:
    """True (and the query's Deadline marked passed) once the running query's time is up."""
    deadline = getattr(_running, "deadline", None)
    if deadline is not None and deadline.at is not None and time.perf_counter() > deadline.at:
        deadline.passed = True
    return bool(deadline and deadline.passed)


def bounded(fn, *max_chars: int | None):
    """fn as a SQL function that fails past its query's deadline (the served database reports
    such a query as interrupted at the time limit), and whose i-th argument is at most
    max_chars[i] characters (None: any length): longer input raises OverflowError, which
    SQLite reports as "string or blob too big", before fn does any work."""

    @functools.wraps(fn)
    def call(*args):
        if past_deadline():
            raise TimeoutError("past the query's time limit")
        for value, most in zip(args, max_chars, strict=False):
            if most is not None and isinstance(value, (str, bytes)) and len(value) > most:
                raise OverflowError(f"{fn.__name__}: argument longer than {most} characters")
        return fn(*args)

    return call


def _row_factory():
    """sqlite3.Row, counting the characters and bytes each cursor has read: past
    RESULT_MAX_CHARS the query fails with ResultTooLarge."""
    read: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def make(cursor, row):
        n = read.get(cursor, 0)
        for value in row:
            if isinstance(value, (str, bytes)):
                n += len(value)
        if n > RESULT_MAX_CHARS:
            read.pop(cursor, None)
            raise ResultTooLarge(
                f"result too large: its rows hold more than {RESULT_MAX_CHARS:,} characters; "
                "ask for fewer rows (_size=, LIMIT) or fewer columns"
            )
        read[cursor] = n
        return sqlite3.Row(cursor, row)

    return make


@hookimpl(tryfirst=True)
def prepare_connection(conn):
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, VALUE_MAX_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, SQL_MAX_BYTES)
    conn.row_factory = _row_factory()


def limit_heap(max_bytes: int = HEAP_MAX_BYTES) -> None:
    """SQLite's hard heap limit for this whole process (`ogi serve` sets it before serving)."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute(f"PRAGMA hard_heap_limit = {int(max_bytes)}")
    finally:
        conn.close()
