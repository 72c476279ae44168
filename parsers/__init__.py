"""Report files → extraction records. Pure code: no network, no database.

Three jobs, three packages:

- `parsers.formats`: bytes → the document model (`parsers.model`): sniffing, HTML, PDF and
  its layout recovery, DOCX, DOC/WPS through LibreOffice, spreadsheets, text, OCR;
- `parsers.report`: the OGI report extractor, document model → extraction record: metadata,
  sections, label meanings, tables, values, checks;
- `parsers.runner`: the guarded runner: each file in a forked child under time and memory
  limits, helper processes (LibreOffice, tesseract) killed with it.

`extract_file` is what `ogi extract` and the archive builder both call (through the runner).
"""

from parsers.formats import parse_bytes
from parsers.model import Block, Cell, Document, ParseError, Table

# Bump when a change to any parser or the extractor can change a record: the archive re-parses.
# tests/test_fingerprint.py fails when records change and this does not.
PARSER_VERSION = "17"  # 17: scans: a scanned page's picture scaled by OpenCV, not drawn by
#                      pdfium; the tables' cells read by tesseract without its inverted
#                      second reading
#                      (16: scans: the running text read on the page turned by nearest
#                      neighbour; the detector sees a page at a scale fit to its text
#                      lines (640-960 pixels); the skew searched in 0.2° steps first)
#                      (15: scans: tables' labels read by PP-OCRv6 tiny, which votes on each
#                      number in place of chi_sim's digits-only reading; characters only
#                      traditional script writes read as simplified)
#                      (14: scans: rulings and text lines found on the page turned by nearest
#                      neighbour (cells and lines still read turned bicubic); a cell that
#                      reads as punctuation alone may be a number)
#                      (13: scans: the text detector reads the page at 960 pixels (was 1152))
#                      (12: scans: the running text read by PP-OCRv6 tiny (was PP-OCRv4 int8))
#                      (11: scans: the text detector reads the page at 1152 pixels (was
#                      1280), a page's text may differ in a character)
#                      (10: scans: the OCR models' activations on int8 values (recipe 4),
#                      a page's text may differ in a character)
#                      (9: scans: skew from ink coordinates, text lines 40 px high, detector
#                      on the inked part)
#                      (7: a scan's running text read by PP-OCRv4 int8, fewer wrong characters)
#                      (6: a header row between a label and the next row ends the wait for
#                      that label's values (a sheet's title row above table 四)
#                      (5: provenance of every value, figures the prose states against the
#                      tables, an OCR'd d.ddd is no vote (a thousands comma read as a dot))
#                      (4: the long tail: pictures of tables, OFD, MHT, archives, compilations,
#                      titles in any order, OCR layers not trusted)

__all__ = [
    "PARSER_VERSION",
    "Block",
    "Cell",
    "Document",
    "ParseError",
    "Table",
    "parse_bytes",
    "parse_file",
    "extract_bytes",
    "extract_file",
]


def parse_file(path) -> Document:
    from pathlib import Path

    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise ParseError(f"cannot read file: {e.strerror or e}") from None
    return parse_bytes(data, name=p.name)


def extract_bytes(
    data: bytes,
    name: str = "",
    content_type: str = "",
    url: str = "",
    resources: dict | None = None,
) -> dict:
    from parsers.report import extract

    return extract(
        parse_bytes(data, name=name, content_type=content_type, url=url, resources=resources)
    )


def extract_file(path) -> dict:
    from parsers.report import extract

    return extract(parse_file(path))
