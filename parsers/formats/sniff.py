"""Tell a file's format from its bytes; the name and the content type are only hints."""

from __future__ import annotations

import io
import re
import struct
import zipfile

from parsers.model import ParseError

FORMATS = (
    "html",
    "mht",
    "pdf",
    "ofd",
    "docx",
    "doc",
    "wps",
    "xls",
    "xlsx",
    "image",
    "text",
    "zip",
    "rar",
    "unknown",
)
CONTAINERS = ("zip", "rar")  # archives of attachments: their members are documents

_EXT = {
    "html": "html",
    "htm": "html",
    "shtml": "html",
    "xhtml": "html",
    "jsp": "html",
    "asp": "html",
    "aspx": "html",
    "php": "html",
    "pdf": "pdf",
    "docx": "docx",
    "doc": "doc",
    "wps": "wps",
    "xls": "xls",
    "xlsx": "xlsx",
    "et": "xls",
    "txt": "text",
    "zip": "zip",
    "png": "image",
    "mht": "mht",
    "mhtml": "mht",
    "ofd": "ofd",
    "rar": "rar",
    "jpg": "image",
    "jpeg": "image",
    "gif": "image",
    "tif": "image",
    "tiff": "image",
    "bmp": "image",
    "webp": "image",
}
_CTYPE = [
    ("html", "html"),
    ("pdf", "pdf"),
    ("wordprocessingml", "docx"),
    ("msword", "doc"),
    ("kswps", "wps"),
    ("wps", "wps"),
    ("spreadsheetml", "xlsx"),
    ("ms-excel", "xls"),
    ("image/", "image"),
    ("text/plain", "text"),
    ("zip", "zip"),
    ("multipart/related", "mht"),
    ("ofd", "ofd"),
    ("rar", "rar"),
]
_MARKUP = re.compile(
    rb"<(!doctype\s+html|html|head|body|meta|title|table|div|p[\s>]|span|"
    rb"br|h[1-6]|script|style|link|center|font)",
    re.I,
)
_CLOSING = re.compile(rb"</(html|body|div|p|table|td|span|font|center|h[1-6])\s*>", re.I)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # olefile.MAGIC, without importing olefile


def sniff_format(data: bytes, name: str = "", content_type: str = "") -> str:
    if not data:
        raise ParseError("empty file (0 bytes)")
    hint = _hint(name, content_type)
    head = data[:1024]
    if data.startswith((b"Rar!\x1a\x07\x00", b"Rar!\x1a\x07\x01\x00")):
        return "rar"  # before the %PDF search: a RAR may store a PDF uncompressed
    if b"%PDF" in head:
        return "pdf"
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data, hint)
    if data.startswith(OLE_MAGIC):
        return _ole_kind(data, hint)
    if data.startswith(b"{\\rtf"):
        return "doc"  # RTF, often served as .doc; the doc converter reads it
    if is_mht(data[:8192]):
        return "mht"  # a page saved as one file (Word's 单个文件网页, often named .doc)
    if _is_image(data):
        return "image"
    text = _decode_head(data[3:4099] if data.startswith(b"\xef\xbb\xbf") else data)
    if text is not None:
        if _is_markup(text.lstrip("\ufeff \t\r\n")[:4096].encode("utf-8", "replace")):
            return "html"
        if _is_text(data):
            return "text"
    return hint or "unknown"


def _hint(name: str, content_type: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext in _EXT:
        return _EXT[ext]
    ct = content_type.lower()
    for key, fmt in _CTYPE:
        if key in ct:
            return fmt
    return ""


def _zip_kind(data: bytes, hint: str) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        # a broken zip: trust the name so the right parser can report it as corrupt
        return hint if hint in ("docx", "xlsx") else "zip"
    if "word/document.xml" in names or any(n.startswith("word/document") for n in names):
        return "docx"
    if "xl/workbook.xml" in names or any(n.startswith("xl/workbook") for n in names):
        return "xlsx"
    if "OFD.xml" in names or "ofd.xml" in names:
        return "ofd"
    return "zip"


def _ole_kind(data: bytes, hint: str) -> str:
    names = {n.lower() for n in ole_stream_names(data)}
    if "encryptedpackage" in names:  # a password-protected OOXML file
        return hint if hint in ("docx", "xlsx") else "docx"
    if "worddocument" in names:
        return "wps" if hint == "wps" else "doc"
    if "workbook" in names or "book" in names:
        return "xls"
    if hint in ("doc", "wps", "xls"):
        return hint
    if any(n.startswith("wps") or n.startswith("ksfile") for n in names):
        return "wps"
    return "unknown"


def ole_stream_names(data: bytes) -> list[str]:
    """Names in an OLE2 compound file's directory (olefile); [] when it is not a readable one."""
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return [e.name for e in ole.direntries if e is not None]
    except Exception:  # noqa: BLE001 — olefile raises many kinds on a broken container
        return []


_MIME_HEADER = re.compile(
    rb"^(mime-version|content-type|from|subject|date|x-[\w-]+|"
    rb"content-location|content-transfer-encoding|message-id)\s*:",
    re.I | re.M,
)


def is_mht(head: bytes) -> bool:
    """MIME headers at the top (before the first blank line), one of them multipart/related:
    a web page saved as one file (RFC 2557)."""
    top = re.split(rb"\r?\n\r?\n", head.lstrip(b"\r\n\t "), maxsplit=1)[0]
    return (
        bool(_MIME_HEADER.match(top))
        and re.search(rb"content-type:\s*multipart/related", top, re.I) is not None
    )


def _is_image(data: bytes) -> bool:
    """The magic numbers of the image formats tesseract is given (Pillow would tell them too,
    but loads its plugins to do so, for every file sniffed)."""
    if data.startswith(
        (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*")
    ):
        return True
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return True
    if data[:2] == b"BM" and len(data) >= 26:
        return struct.unpack_from("<I", data, 14)[0] in (12, 40, 52, 56, 64, 108, 124)
    return False


def _is_markup(head: bytes) -> bool:
    """A page: it opens with a tag, or it is a fragment with several tags and one closed (a
    text that names a tag, like `<meta>` in a README or a TOML comment, is not a page)."""
    tags = _MARKUP.findall(head)
    if head.startswith(b"<"):
        return bool(tags)
    return len(tags) >= 3 and _CLOSING.search(head) is not None


def _decode_head(data: bytes) -> str | None:
    """The head as text to look for markup in (a tag is ASCII in every charset a page uses)."""
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", "replace")
    if b"\x00" in head:
        return None
    return head.decode("latin-1")


def _is_text(data: bytes) -> bool:
    """Text rather than binary: decodes as UTF-8 or GB18030 with next to no control characters.
    (charset-normalizer would guess some charset for binary data too.)"""
    sample = data[:65536]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    for enc in ("utf-8", "gb18030"):
        try:
            s = sample.decode(enc)
        except UnicodeDecodeError as e:
            if e.start >= len(sample) - 4:  # cut inside a character at the sample's end
                s = sample[: e.start].decode(enc, "replace")
            else:
                continue
        if s.startswith(("\ufeff", "\ufffe")):
            s = s[1:]
        bad = sum(1 for ch in s if ord(ch) < 32 and ch not in "\t\r\n\f")
        return bad <= len(s) * 0.01
    return False
