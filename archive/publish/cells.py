"""Table cells (a datasette plugin module): `raw` as a download link, `url` as a plain external
link, report, body and capture ids as links to those rows; in reports and report_figures, the
title opens the report's page and the body's name the body's page."""

from __future__ import annotations

from datasette import hookimpl
from markupsafe import Markup, escape

from archive.publish.downloads import RAW

_REPORT_LINKS = {"report_id", "old_report_id", "new_report_id", "prev_report_id"}


def _field(row, name):
    try:
        value = row[name]
    except (KeyError, IndexError, TypeError):
        return None
    return value.get("value") if isinstance(value, dict) else value  # an expanded label


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if table in ("reports", "report_figures") and column in ("title", "body") and value:
        # the title opens the report's page, the body's name the body's page
        key = (
            _field(row, "id" if table == "reports" else "report_id")
            if column == "title"
            else _field(row, "body_id")
        )
        if isinstance(key, int):
            href = datasette.urls.row(
                database, "reports" if column == "title" else "bodies", str(key)
            )
            return Markup(f'<a href="{escape(href)}">{escape(value)}</a>')
    if column in _REPORT_LINKS and table is None and isinstance(value, int):
        href = datasette.urls.row(database, "reports", str(value))
        return Markup(f'<a href="{escape(href)}">{value}</a>')
    if column == "body_id" and table is None and isinstance(value, int):  # canned queries
        href = datasette.urls.row(database, "bodies", str(value))
        return Markup(f'<a href="{escape(href)}">{value}</a>')
    if column == "capture_id" and isinstance(value, int):  # the crawler's capture record
        href = datasette.urls.row(database, "captures", str(value))
        return Markup(f'<a href="{escape(href)}">{value}</a>')
    if not isinstance(value, str) or not value:
        return None
    if column == "raw" and RAW.match(value):
        href = datasette.urls.path(f"/-/ogi/raw/{value}")
        return Markup(f'<a href="{escape(href)}" download rel="nofollow">下载原件 · raw</a>')
    if column == "url" and value.startswith(("http://", "https://")):
        return Markup(
            f'<a href="{escape(value)}" rel="nofollow noopener noreferrer">{escape(value)}</a>'
        )
    return None
