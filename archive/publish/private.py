"""Nothing of the host is published (a datasette plugin module).

- the database file's path reads as NULL in `pragma_database_list` (SQLite's authorizer);
- /-/databases.json is datasette's, without the files' paths;
- /-/threads.json (its tasks name the server's Python installation) is not served;
- the archive's directory is not in the metadata: serve.py hands it to downloads.py;
- the snapshot keeps no absolute path of the server (snapshot.py: the registry file a crawl
  read is named by its file name).
"""

from __future__ import annotations

import sqlite3

from datasette import hookimpl
from datasette.utils.asgi import NotFound


def _authorizer(action, arg1, arg2, db_name, trigger):
    if action == sqlite3.SQLITE_READ and arg1 == "pragma_database_list" and arg2 == "file":
        return sqlite3.SQLITE_IGNORE  # reads as NULL
    return sqlite3.SQLITE_OK


@hookimpl
def prepare_connection(conn):
    conn.set_authorizer(_authorizer)


def _databases(datasette) -> list[dict]:
    return [
        {
            "name": d.name,
            "route": d.route,
            "size": d.size,
            "is_mutable": d.is_mutable,
            "is_memory": d.is_memory,
            "hash": d.hash,
        }
        for name, d in datasette.databases.items()
        if name != "_internal"
    ]


async def _not_served():
    raise NotFound("Not found")


@hookimpl
def register_routes(datasette):
    """A plugin's routes come before datasette's own."""
    from datasette.views.special import JsonDataView

    databases = JsonDataView.as_view(datasette, "databases.json", lambda: _databases(datasette))
    return [
        (r"^/-/databases(\.(?P<format>json))?$", databases),
        (r"^/-/threads(\.(?P<format>json))?$", _not_served),
    ]
