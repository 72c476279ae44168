"""The OGI report extractor: document model → extraction record (../shared/spec/ogi-report.md).

`extract(doc)` reads the document's text lines for the metadata (`metadata`) and the six
sections (`sections`), its tables and flattened rows onto the canonical keys (`tables`, with
`labels` for what a label means and `values` for what a cell holds), and evaluates the
template's identities (`checks`). A document that is not an OGI report (`kind`: a notice, a
blank form, a page around a report, anything else) says so in the record's notes.
"""

from __future__ import annotations

from parsers.model import Document
from parsers.report.checks import compute_checks
from parsers.report.kind import classify
from parsers.report.metadata import detect_template, find_agency, find_title, find_year
from parsers.report.sections import find_sections, text_lines
from parsers.report.statements import text_checks
from parsers.report.tables import TableReader


def extract(doc: Document) -> dict:
    from parsers.report.compilation import split_reports

    parts = split_reports(doc)
    if parts:
        return _compilation(doc, [extract_report(p) for p in parts])
    return extract_report(doc)


def _compilation(doc: Document, reports: list[dict]) -> dict:
    """The record of a compilation: its own title and the record of each report in it."""
    import parsers

    lines = text_lines(doc)
    title, _ = find_title(doc, lines)
    years = {r["year"] for r in reports if r["year"]}
    return {
        "title": title or doc.title,
        "agency": None,
        "year": years.pop() if len(years) == 1 else None,
        "template": None,
        "tables": {"active": None, "requests": None, "appeals": None},
        "units": {},
        "checks": [],
        "sections": [],
        "format": doc.format,
        "pages": doc.pages,
        "notes": list(doc.notes) + [f"a compilation of {len(reports)} reports"],
        "reports": reports,
        "extractor_version": parsers.PARSER_VERSION,
    }


def extract_report(doc: Document) -> dict:
    import parsers

    lines = text_lines(doc)
    title, title_index = find_title(doc, lines)
    year = find_year(title, lines)
    agency = find_agency(title, lines, title_index, doc.meta)
    template = detect_template(doc, year)
    reader = TableReader(template)
    reader.read(doc)
    if template is None and any(reader.tables.values()):
        # no sign in the words and no year (a file of the tables alone): the table 二 the
        # document prints says which template it is
        template = reader.active_template() or "2019"
        reader = TableReader(template)
        reader.read(doc)
    tables = {name: (rows or None) for name, rows in reader.tables.items()}
    record = {
        "title": title,
        "agency": agency,
        "year": year,
        "template": template,
        "tables": tables,
        "units": dict(sorted(reader.units.items())),
        "checks": compute_checks(tables, template),
        "sections": find_sections(lines),
        "format": doc.format,
        "pages": doc.pages,
        "notes": list(doc.notes),
        "extractor_version": parsers.PARSER_VERSION,
        "provenance": provenance(reader, tables),
        "text_checks": text_checks(doc, tables, template, year),
    }
    verdict = classify(record, doc.text())
    if not verdict.is_report:
        record["notes"].append(f"{NOT_A_REPORT}: {verdict.kind} ({verdict.reason})")
    return record


def provenance(reader: TableReader, tables: dict) -> dict:
    """Where each printed number of the record was read (docs/provenance.md): table → row →
    col → {page, box} | {table, row, col} | {sheet, row, col} | {line}; blank cells have none."""
    out: dict = {}
    for table, rows in tables.items():
        for key, cells in (rows or {}).items():
            where = (reader.provenance.get(table) or {}).get(key) or {}
            got = {c: where[c] for c, v in cells.items() if v is not None and c in where}
            if got:
                out.setdefault(table, {})[key] = got
    return out


NOT_A_REPORT = "not an OGI report"


def not_a_report(record: dict) -> str | None:
    """The note that says a record's document is not an OGI report, if it has one."""
    return next((n for n in record.get("notes") or [] if n.startswith(NOT_A_REPORT)), None)
