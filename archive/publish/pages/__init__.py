"""The pages of the published archive (a datasette plugin module with its templates/):

- a report's page, /ogi/reports/<id> (templates/row-ogi-reports.html, data from report.py);
- a body's page, /ogi/bodies/<id> (templates/row-ogi-bodies.html, data from body.py);
- the home page and the database page lead with reports, bodies, rankings and the feed
  (templates/index.html, database-ogi.html);
- the first screen of a table: column help folded away, the title column wide enough to read,
  a CSV link for Excel (static/ogi.css, static/ogi.js).
"""

from __future__ import annotations

from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response

from archive.publish.pages.body import body_page
from archive.publish.pages.report import number, report_page

STATIC = Path(__file__).parent / "static"
_PAGES = {"reports": ("ogi_report", report_page), "bodies": ("ogi_body", body_page)}


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["ogi_number"] = number


async def _lead(datasette) -> dict:
    """What the home page leads with: how many reports, bodies and other documents."""
    if "ogi" not in datasette.databases:
        return {}
    db = datasette.get_database("ogi")
    counts = {}
    for table in ("reports", "bodies", "other_documents"):
        if await db.table_exists(table):
            counts[table] = (await db.execute(f"SELECT count(*) FROM {table}")).single_value()
    return {"ogi_counts": counts}


@hookimpl
def extra_template_vars(database, table, view_name, request, datasette):
    if view_name in ("index", "database"):
        return lambda: _lead(datasette)
    if view_name != "row" or table not in _PAGES or database != "ogi":
        return None
    name, make = _PAGES[table]

    async def inner():
        try:
            key = int(request.url_vars["pks"])
        except (KeyError, ValueError):  # a key datasette matched loosely (1. for 1): no page
            raise NotFound("No such row") from None
        data = await datasette.get_database(database).execute_fn(lambda conn: make(conn, key))
        if data is None:
            raise NotFound("No such row")
        return {name: data}

    return inner


@hookimpl
def extra_css_urls():
    return ["/-/ogi/static/ogi.css"]


@hookimpl
def extra_js_urls(view_name):
    return ["/-/ogi/static/ogi.js"] if view_name == "table" else []


async def static_file(request):
    path = STATIC / request.url_vars["name"]
    if not path.is_file():
        raise NotFound("No such file")
    kind = "text/css" if path.suffix == ".css" else "application/javascript"
    return Response(
        path.read_bytes(),
        content_type=f"{kind}; charset=utf-8",
        headers={"Cache-Control": "max-age=3600"},
    )


@hookimpl
def register_routes():
    return [(r"^/-/ogi/static/(?P<name>ogi\.(css|js))$", static_file)]
