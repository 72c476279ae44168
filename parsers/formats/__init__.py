"""Format parsers: bytes → the one document model (`parsers.model`).

`parse_bytes` sniffs the format from the bytes (a file name and an HTTP content type are only
hints), refuses bombs, encrypted and truncated files (`parsers.runner.limits`), and hands the
bytes to the format's parser. Pictures that stand where a table belongs are then read by OCR
(`parsers.formats.pictures`). Archives of attachments (ZIP, RAR) are not documents: their
members are (`parsers.formats.containers`). Each parser module imports its libraries when
first used.
"""

from __future__ import annotations

from parsers.model import Document, ParseError

WITH_PICTURES = ("html", "mht", "docx", "doc", "wps", "ofd")


def parse_bytes(
    data: bytes,
    name: str = "",
    content_type: str = "",
    url: str = "",
    resources: dict | None = None,
    read_pictures: bool = True,
) -> Document:
    """Sniff the format from the bytes (name and content type are only hints) and parse.
    `url` is where the file was found and `resources` {absolute url: bytes} the pictures
    captured with a web page; `read_pictures=False` leaves pictures as image blocks, unread."""
    from parsers.formats.sniff import CONTAINERS, sniff_format
    from parsers.runner.limits import precheck

    fmt = sniff_format(data, name=name, content_type=content_type)
    precheck(data, fmt)  # refuse bombs, encrypted and truncated files before parsing
    if fmt in CONTAINERS:
        raise ParseError(
            f"a {fmt.upper()} archive, not a document: its members are (parsers.formats.containers)"
        )
    doc = _parse(data, fmt, content_type, url, resources)
    if fmt in WITH_PICTURES and read_pictures:
        from parsers.formats.pictures import read_pictures as ocr_pictures

        doc = ocr_pictures(doc)
    return doc


def _parse(data: bytes, fmt: str, content_type: str, url: str, resources: dict | None) -> Document:
    if fmt == "html":
        from parsers.formats.html import parse_html

        return parse_html(data, content_type, url=url, resources=resources)
    if fmt == "mht":
        from parsers.formats.mht import parse_mht

        return parse_mht(data)
    if fmt == "pdf":
        from parsers.formats.ocr import ocr_pdf, ocr_reason
        from parsers.formats.pdf import parse_pdf

        doc = parse_pdf(data)
        reason = ocr_reason(doc)  # no text layer, one that is garbage, or an OCR layer
        if reason:
            ocr_doc = ocr_pdf(data, layer=any(n.startswith("ocr layer:") for n in doc.notes))
            ocr_doc.notes.insert(0, f"ocr because {reason}")
            ocr_doc.title, ocr_doc.meta = doc.title, doc.meta
            return ocr_doc
        return doc
    if fmt == "ofd":
        from parsers.formats.ofd import parse_ofd

        return parse_ofd(data)
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
