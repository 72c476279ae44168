"""The OGI report extractor: document model → extraction record (../shared/spec/ogi-report.md).

`extract(doc)` reads the document's text lines for the metadata (`metadata`) and the six
sections (`sections`), its tables and flattened rows onto the canonical keys (`tables`, with
`labels` for what a label means and `values` for what a cell holds), and evaluates the
template's identities (`checks`).
"""
from __future__ import annotations

from parsers.model import Document
from parsers.report.checks import compute_checks
from parsers.report.metadata import detect_template, find_agency, find_title, find_year
from parsers.report.sections import find_sections, text_lines
from parsers.report.tables import TableReader


def extract(doc: Document) -> dict:
    import parsers
    lines = text_lines(doc)
    title, title_index = find_title(doc, lines)
    year = find_year(title, lines)
    agency = find_agency(title, lines, title_index, doc.meta)
    template = detect_template(doc, year)
    reader = TableReader(template)
    reader.read(doc)
    tables = {name: (rows or None) for name, rows in reader.tables.items()}
    if template is None and any(tables.values()):
        template = "2019"
    return {
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
    }
