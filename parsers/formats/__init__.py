"""Format parsers: bytes → the one document model (`parsers.model`).

`parse_bytes` sniffs the format from the bytes (a file name and an HTTP content type are only
hints), refuses bombs, encrypted and truncated files (`parsers.runner.limits`), and hands the
bytes to the format's parser. Each parser module imports its libraries when first used.
"""
from __future__ import annotations

from parsers.model import Document, ParseError


def parse_bytes(data: bytes, name: str = "", content_type: str = "") -> Document:
    """Sniff the format from the bytes (name and content type are only hints) and parse."""
    from parsers.formats.sniff import sniff_format
    from parsers.runner.limits import precheck
    fmt = sniff_format(data, name=name, content_type=content_type)
    precheck(data, fmt)  # refuse bombs, encrypted and truncated files before parsing
    if fmt == "html":
        from parsers.formats.html import parse_html
        return parse_html(data, content_type)
    if fmt == "pdf":
        from parsers.formats.ocr import ocr_pdf, ocr_reason
        from parsers.formats.pdf import parse_pdf
        doc = parse_pdf(data)
        reason = ocr_reason(doc)  # no text layer, or one that is garbage
        if reason:
            ocr_doc = ocr_pdf(data)
            ocr_doc.notes.insert(0, f"ocr because {reason}")
            return ocr_doc
        return doc
    if fmt == "docx":
        from parsers.formats.docx import parse_docx
        return parse_docx(data)
    if fmt in ("doc", "wps"):
        from parsers.formats.office import parse_office
        return parse_office(data, fmt)
    if fmt in ("xls", "xlsx"):
        from parsers.formats.sheet import parse_sheet
        return parse_sheet(data, fmt)
    if fmt == "image":
        from parsers.formats.ocr import ocr_image
        return ocr_image(data)
    if fmt == "text":
        from parsers.formats.text import parse_text
        return parse_text(data)
    raise ParseError(f"unsupported format: {fmt}")
