"""A report split over two files (its text in one attachment, its tables in another — an
附表, a spreadsheet): one record from the two, the text's title, body, year and sections with
the other's tables, the template's checks evaluated on them, and where the tables came from
(`tables_from`). The archive decides which files belong together (archive/joins.py)."""

from __future__ import annotations

from parsers.report.checks import compute_checks


def has_tables(record: dict) -> bool:
    return any((record.get("tables") or {}).values())


def join_text_and_tables(text: dict, tables: dict, source: dict | None = None) -> dict:
    """The text's record with the tables' record's tables; `source` ({"sha256", "url"}) says
    which file printed them."""
    template = tables.get("template") or text.get("template")
    out = dict(text)
    out["tables"] = dict(tables.get("tables") or {})
    out["units"] = dict(tables.get("units") or {})
    out["template"] = template
    out["checks"] = compute_checks(out["tables"], template)
    out["notes"] = list(text.get("notes") or []) + [
        "tables from another file of the same page"
        + (f": {source['url']}" if source and source.get("url") else "")
    ]
    out["tables_from"] = dict(source or {})
    return out
