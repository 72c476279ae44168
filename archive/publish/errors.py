"""What a bad request gets back, and the one line it leaves in the server's log (a datasette
plugin module).

datasette's own handler prints a rich traceback with the local variables of every frame for
each failed request (hundreds of lines), and fails itself on a 404 found by its router (any
path with `..` answered 500). This handler replaces it for every answer it makes:

- the status says whose fault it is: a request datasette refuses (a sort column that does not
  exist, an invalid `_through`, SQL that does not run), a value or a result past the limits of
  archive/publish/limits.py, a query that needs more memory than the server allows — all 400;
  a path that names nothing — 404; only a fault of the server's own code is a 500, whose page
  says no more than that;
- the page is datasette's (error.html, or JSON for a .json address);
- a path with broken percent-encoding, or that is not UTF-8 once decoded, and the arguments
  datasette reads without checking them (_timelimit, _through), are a 400 before datasette
  sees them;
- the log gets one line per answer of 400 or more, the SQL errors datasette shows on its own
  query page included: time, status, method, path, and the short reason (for a 500, the
  exception's type and message and the line of code that raised it) — no traceback. The
  reason is noted (note()) where the failure is known: here, and by serve.py's database for a
  query that fails; asgi_wrapper writes the line when the answer has gone.
"""

from __future__ import annotations

import contextvars
import json
import re
import sqlite3
import sys
import time
import traceback
import urllib.parse
from http import HTTPStatus
from pathlib import Path

from datasette import hookimpl
from datasette.utils import add_cors_headers
from datasette.utils.asgi import Base400, Response
from datasette.views.base import DatasetteError

from archive.publish.limits import HEAP_MAX_BYTES, VALUE_MAX_BYTES, ResultTooLarge

LINE_MAX = 300


def answer(exception) -> tuple[int, str, str | None, dict, bool]:
    """(status, message, title, extra JSON keys, message is HTML) for an exception."""
    if isinstance(exception, Base400):
        return exception.status, str(exception.args[0]) if exception.args else "", None, {}, False
    if isinstance(exception, DatasetteError):
        # datasette raises it, with status 500 by default, about what was asked for
        status = exception.status if exception.status < 500 else 400
        return (
            status,
            exception.message,
            exception.title,
            dict(exception.error_dict or {}),
            exception.message_is_html,
        )
    if isinstance(exception, ResultTooLarge):
        return 400, str(exception), "Result too large", {}, False
    if isinstance(exception, sqlite3.DataError):  # SQLITE_TOOBIG, an SQL function's long input
        return (
            400,
            f"string or blob too big: a value may hold at most "
            f"{VALUE_MAX_BYTES // 2**20} MB, and the ogi_ functions' arguments are "
            "bounded (see the archive's documentation)",
            "Value too large",
            {},
            False,
        )
    if isinstance(exception, json.JSONDecodeError):  # datasette parses ?_through= unguarded
        return 400, f"malformed JSON in the request: {exception}", "Bad request", {}, False
    if isinstance(exception, MemoryError):  # SQLite past its hard heap limit
        return (
            400,
            f"out of memory: the query needs more than this server allows (SQLite's "
            f"heap is limited to {HEAP_MAX_BYTES // 2**20} MB)",
            "Out of memory",
            {},
            False,
        )
    return 500, "Internal server error", None, {}, False


def _plain(s: str) -> str:
    """One printable line: tags out, whitespace folded, control characters escaped."""
    s = " ".join(re.sub(r"<[^>]*>", " ", s).split())
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in s)


def log_line(method: str, path: str, status: int, reason: str) -> str:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return f"{stamp} {status} {method} {_plain(path)[:120]} — {_plain(reason)}"[:LINE_MAX]


_request: contextvars.ContextVar[dict | None] = contextvars.ContextVar("ogi_request", default=None)


def note(reason: str) -> None:
    """Why the request being answered fails (the last reason noted is the one logged)."""
    state = _request.get()
    if state is not None:
        state["reason"] = reason


def _where(exception) -> str:
    tb = traceback.extract_tb(exception.__traceback__)
    return f" ({Path(tb[-1].filename).name}:{tb[-1].lineno})" if tb else ""


@hookimpl(hookwrapper=True)
def handle_exception(datasette, request, exception):
    """Every implementation's answer (datasette's own included) is replaced by this one."""
    outcome = yield

    async def inner():
        status, message, title, info, is_html = answer(exception)
        if status == 500:
            reason = f"{type(exception).__name__}: {exception}{_where(exception)}"
        else:
            said = str(message) if str(message) != str(status) else HTTPStatus(status).phrase
            reason = (f"{title}: " if title else "") + said
        note(reason)
        info.update({"ok": False, "error": message, "status": status, "title": title})
        headers = {}
        if datasette.cors:
            add_cors_headers(headers)
        if request.path.split("?")[0].endswith(".json"):
            return Response.json(info, status=status, headers=headers)
        if is_html:
            from markupsafe import Markup

            info["error"] = Markup(message)
        template = datasette.jinja_env.select_template([f"{status}.html", "error.html"])
        return Response.html(
            await template.render_async(
                dict(
                    info,
                    urls=datasette.urls,
                    app_css_hash=datasette.app_css_hash(),
                    menu_links=lambda: [],
                )
            ),
            status=status,
            headers=headers,
        )

    outcome.force_result([inner])


_BAD_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def malformed(scope) -> str | None:
    """Why a request's address is malformed, or None."""
    raw = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogateescape")
    if _BAD_PERCENT.search(raw) or _BAD_PERCENT.search(scope.get("query_string") or b""):
        return "malformed URL: a % not followed by two hexadecimal digits"
    try:
        urllib.parse.unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return "malformed URL: the path is not UTF-8"
    # arguments datasette reads without checking them (a 500 otherwise)
    args = urllib.parse.parse_qs((scope.get("query_string") or b"").decode("latin-1"))
    if any(not v.strip().isdigit() for v in args.get("_timelimit", [])):
        return "_timelimit must be a number of milliseconds"
    for value in args.get("_through", []):
        try:
            through = json.loads(value)
        except ValueError:
            through = None
        if not isinstance(through, dict) or not {"table", "column", "value"} <= set(through):
            return '_through must be JSON: {"table": …, "column": …, "value": …}'
    return None


@hookimpl
def asgi_wrapper(datasette):
    """Refuse malformed addresses; write one log line for each answer of 400 or more."""

    def wrap(app):
        async def logged(scope, receive, send):
            if scope.get("type") != "http":
                return await app(scope, receive, send)
            query = (scope.get("query_string") or b"").decode("latin-1")
            raw = scope.get("raw_path")  # as sent: percent-encoded
            path = (raw.decode("latin-1") if raw else scope.get("path", "")) + (
                f"?{query}" if query else ""
            )
            state = {"status": 0, "reason": None, "started": False}

            def log():
                status = state["status"]
                try:
                    reason = state["reason"] or HTTPStatus(status).phrase
                except ValueError:
                    reason = "?"
                print(
                    log_line(scope.get("method", ""), path, status, reason),
                    file=sys.stderr,
                    flush=True,
                )

            bad = malformed(scope)
            if bad:
                state.update(status=400, reason=bad)
                log()
                return await Response.text(f"400 Bad Request: {bad}", status=400).asgi_send(send)

            async def watch(event):
                if event["type"] == "http.response.start":
                    state["status"], state["started"] = event["status"], True
                    if event["status"] >= 400:  # the reason is noted by now: logged before
                        log()  # the answer goes
                await send(event)

            token = _request.set(state)
            try:
                await app(scope, receive, watch)
            except Exception as e:  # noqa: BLE001 — escaped datasette's handler: one line
                if not state["started"]:
                    state.update(status=500, reason=f"{type(e).__name__}: {e}{_where(e)}")
                    log()
                    await Response.text("500 Internal Server Error", status=500).asgi_send(send)
            finally:
                _request.reset(token)

        return logged

    return wrap
