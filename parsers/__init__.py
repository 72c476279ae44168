"""Format parsers (bytes → Document) and the OGI report extractor (Document → record).

Pure code: no network, no database. `extract_file` is what `ogi extract` and the archive
builder both call.
"""
from parsers.model import Block, Cell, Document, ParseError, Table

# Bump when a change to any parser or the extractor can change a record: the archive re-parses.
PARSER_VERSION = "1"

__all__ = ["PARSER_VERSION", "Block", "Cell", "Document", "ParseError", "Table", "parse_bytes", "parse_file",
           "extract_bytes", "extract_file"]


def parse_bytes(data: bytes, name: str = "", content_type: str = "") -> Document:
    """Sniff the format from the bytes (name and content type are only hints) and parse."""
    from parsers.limits import precheck
    from parsers.sniff import sniff_format
    fmt = sniff_format(data, name=name, content_type=content_type)
    precheck(data, fmt)  # refuse bombs, encrypted and truncated files before parsing
    if fmt == "html":
        from parsers.html import parse_html
        return parse_html(data)
    if fmt == "pdf":
        from parsers.ocr import ocr_pdf, ocr_reason
        from parsers.pdf import parse_pdf
        doc = parse_pdf(data)
        reason = ocr_reason(doc)  # no text layer, or one that is garbage
        if reason:
            ocr_doc = ocr_pdf(data)
            ocr_doc.notes.insert(0, f"ocr because {reason}")
            return ocr_doc
        return doc
    if fmt == "docx":
        from parsers.docx import parse_docx
        return parse_docx(data)
    if fmt in ("doc", "wps"):
        from parsers.office import parse_office
        return parse_office(data, fmt)
    if fmt in ("xls", "xlsx"):
        from parsers.sheet import parse_sheet
        return parse_sheet(data, fmt)
    if fmt == "image":
        from parsers.ocr import ocr_image
        return ocr_image(data)
    if fmt == "text":
        from parsers.text import parse_text
        return parse_text(data)
    raise ParseError(f"unsupported format: {fmt}")


def parse_file(path) -> Document:
    from pathlib import Path
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise ParseError(f"cannot read file: {e.strerror or e}") from None
    return parse_bytes(data, name=p.name)


def extract_bytes(data: bytes, name: str = "", content_type: str = "") -> dict:
    from parsers.report import extract
    return extract(parse_bytes(data, name=name, content_type=content_type))


def extract_file(path) -> dict:
    from parsers.report import extract
    return extract(parse_file(path))
