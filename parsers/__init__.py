"""Format parsers (bytes → Document) and the OGI report extractor (Document → record).

Pure code: no network, no database. `extract_file` is what `ogi extract` and the archive
builder both call.
"""
from parsers.model import Block, Cell, Document, ParseError, Table

__all__ = ["Block", "Cell", "Document", "ParseError", "Table", "parse_bytes", "parse_file",
           "extract_bytes", "extract_file"]


def parse_bytes(data: bytes, name: str = "", content_type: str = "") -> Document:
    """Sniff the format from the bytes (name and content type are only hints) and parse."""
    from parsers.sniff import sniff_format
    fmt = sniff_format(data, name=name, content_type=content_type)
    if fmt == "html":
        from parsers.html import parse_html
        return parse_html(data)
    if fmt == "pdf":
        from parsers.pdf import parse_pdf
        return parse_pdf(data)
    if fmt == "docx":
        from parsers.docx import parse_docx
        return parse_docx(data)
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
