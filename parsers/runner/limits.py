"""Cheap checks that refuse a hostile or broken file before a parser reads it whole.

`precheck(data, fmt)` runs in `parse_bytes` after sniffing; `check_size` runs before a file
is read at all. Every refusal is a ParseError with a one-line reason. Limits can be set from
the environment (OGI_MAX_MB, OGI_MAX_PAGES, OGI_MAX_UNZIPPED_MB, OGI_MAX_PART_MB).
"""

from __future__ import annotations

import io
import os
import re
import zipfile

from parsers.formats.sniff import OLE_MAGIC, ole_stream_names
from parsers.model import ParseError


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


MAX_MB = _env_int("OGI_MAX_MB", 50)  # largest file read at all
MAX_PAGES = _env_int("OGI_MAX_PAGES", 300)  # an OGI report has 3–30 pages
MAX_UNZIPPED_MB = _env_int("OGI_MAX_UNZIPPED_MB", 200)  # declared size of a DOCX/XLSX's parts
MAX_RATIO = 200  # compression ratio of one large part
# one XML part of a DOCX/XLSX is parsed whole, into about 20 times its size in memory
MAX_PART_MB = _env_int("OGI_MAX_PART_MB", 32)
MAX_HTML_DEPTH = 2000


def max_bytes() -> int:
    return _env_int("OGI_MAX_MB", MAX_MB) * 1024 * 1024


def check_size(size: int, limit: int | None = None) -> None:
    limit = max_bytes() if limit is None else limit
    if size == 0:
        raise ParseError("empty file (0 bytes)")
    if size > limit:
        raise ParseError(f"file too large: {size / 2**20:.1f} MB (limit {limit / 2**20:.0f} MB)")


def precheck(data: bytes, fmt: str) -> None:
    check_size(len(data))
    if data.startswith(OLE_MAGIC):
        check_ole(data)
    elif fmt in ("docx", "xlsx", "zip", "ofd"):
        check_zip(data)
    elif fmt == "pdf":
        check_pdf(data)
    elif fmt == "html":
        check_html_depth(data)


def check_zip(data: bytes) -> None:
    """Refuse a zip bomb from the declared sizes in the central directory, before inflating.
    (zipfile reads the directory; no library judges the sizes it declares.)"""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise ParseError(f"broken zip container: {e}") from None
    if len(infos) > 5000:
        raise ParseError(f"zip container has too many parts: {len(infos)}")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNZIPPED_MB * 2**20:
        raise ParseError(
            f"zip bomb refused: parts declare {total / 2**20:.0f} MB uncompressed "
            f"(limit {MAX_UNZIPPED_MB} MB)"
        )
    for i in infos:
        if i.filename.lower().endswith(".xml") and i.file_size > MAX_PART_MB * 2**20:
            raise ParseError(
                f"too large to parse within the memory bound: {i.filename} holds "
                f"{i.file_size / 2**20:.0f} MB of XML (limit {MAX_PART_MB} MB)"
            )
        if i.file_size > 2**20 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise ParseError(
                f"zip bomb refused: {i.filename} expands {i.file_size // max(i.compress_size, 1)}×"
            )


def check_pdf(data: bytes) -> None:
    """Truncated, password-protected or absurdly long PDFs are refused."""
    if b"%%EOF" not in data[-4096:]:
        raise ParseError("truncated PDF (no end-of-file marker)")
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        msg = str(e)
        if "password" in msg.lower():
            raise ParseError("encrypted PDF: a password is needed to open it") from None
        raise ParseError(f"unreadable PDF: {msg}") from None
    try:
        n = len(doc)
    finally:
        doc.close()
    if n == 0:
        raise ParseError("PDF has no pages")
    if n > MAX_PAGES:
        raise ParseError(f"PDF has too many pages: {n} (limit {MAX_PAGES})")


def check_ole(data: bytes) -> None:
    """An OLE2 file holding an encrypted OOXML package is a password-protected DOCX/XLSX."""
    if not data.startswith(OLE_MAGIC):
        return
    names = {n.lower() for n in ole_stream_names(data)}
    if names & {"encryptedpackage", "encryptioninfo"}:
        raise ParseError("password-protected document (encrypted Office file)")


_TAG = re.compile(rb"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>")
_VOID = {
    b"area",
    b"base",
    b"br",
    b"col",
    b"embed",
    b"hr",
    b"img",
    b"input",
    b"link",
    b"meta",
    b"param",
    b"source",
    b"track",
    b"wbr",
    b"p",
    b"li",
    b"td",
    b"tr",
    b"th",
    b"option",
}


def check_html_depth(data: bytes, limit: int = MAX_HTML_DEPTH) -> None:
    """Refuse HTML nested deeper than any real page (tags that are often left open don't count)."""
    depth = 0
    for m in _TAG.finditer(data):
        name = m.group(2).lower()
        if name in _VOID or m.group(3):
            continue
        if m.group(1):
            depth = max(depth - 1, 0)
        else:
            depth += 1
            if depth > limit:
                raise ParseError(f"HTML nested deeper than {limit} levels")
