"""Table cells (a datasette plugin module): `raw` as a download link, `url` as a plain external
link, report and capture ids as links to those rows."""
from __future__ import annotations

from datasette import hookimpl
from markupsafe import Markup, escape

from archive.publish.downloads import RAW

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
    if column == "raw" and RAW.match(value):
        href = datasette.urls.path(f"/-/ogi/raw/{value}")
        return Markup(f'<a href="{escape(href)}" download rel="nofollow">下载原件 · raw</a>')
    if column == "url" and value.startswith(("http://", "https://")):
        return Markup(f'<a href="{escape(value)}" rel="nofollow noopener noreferrer">'
                      f'{escape(value)}</a>')
    return None
