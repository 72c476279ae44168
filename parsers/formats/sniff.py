"""Tell a file's format from its bytes; the name and the content type are only hints."""
from __future__ import annotations

import io
import re
import struct
import zipfile

from parsers.model import ParseError

FORMATS = ("html", "pdf", "docx", "doc", "wps", "xls", "xlsx", "image", "text", "zip", "unknown")

_EXT = {
    "html": "html", "htm": "html", "shtml": "html", "xhtml": "html", "jsp": "html", "asp": "html",
    "aspx": "html", "php": "html", "pdf": "pdf", "docx": "docx", "doc": "doc", "wps": "wps",
    "xls": "xls", "xlsx": "xlsx", "et": "xls", "txt": "text", "zip": "zip", "png": "image",
    "jpg": "image", "jpeg": "image", "gif": "image", "tif": "image", "tiff": "image",
    "bmp": "image", "webp": "image",
}
_CTYPE = [
    ("html", "html"), ("pdf", "pdf"), ("wordprocessingml", "docx"), ("msword", "doc"),
    ("kswps", "wps"), ("wps", "wps"), ("spreadsheetml", "xlsx"), ("ms-excel", "xls"),
    ("image/", "image"), ("text/plain", "text"), ("zip", "zip"),
]
_MARKUP = re.compile(rb"<(!doctype\s+html|html|head|body|meta|title|table|div|p[\s>]|span|"
                     rb"br|h[1-6]|script|style|link|center|font)", re.I)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff_format(data: bytes, name: str = "", content_type: str = "") -> str:
    if not data:
        raise ParseError("empty file (0 bytes)")
    hint = _hint(name, content_type)
    head = data[:1024]
    if b"%PDF" in head:
        return "pdf"
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data, hint)
    if data.startswith(_OLE_MAGIC):
        return _ole_kind(data, hint)
    if data.startswith(b"{\\rtf"):
        return "doc"  # RTF, often served as .doc; the doc converter reads it
    if _is_image(data):
        return "image"
    text = _decode_head(data)
    if text is not None:
        stripped = text.lstrip("\ufeff \t\r\n")
        if _MARKUP.search(stripped[:4096].encode("utf-8", "replace")):
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
    """Names in an OLE2 compound file's directory (read by hand; no olefile needed)."""
    try:
        shift = struct.unpack_from("<H", data, 0x1E)[0]
        if not 7 <= shift <= 16:
            return []
        size = 1 << shift
        first_dir = struct.unpack_from("<I", data, 0x30)[0]
        difat = struct.unpack_from("<109I", data, 0x4C)
        fat: list[int] = []
        for s in difat:
            if s >= 0xFFFFFFFA:
                break
            off = (s + 1) * size
            fat.extend(struct.unpack_from(f"<{size // 4}I", data, off))
        names, sector, seen = [], first_dir, set()
        while sector < 0xFFFFFFFA and sector not in seen and len(seen) < 10000:
            seen.add(sector)
            off = (sector + 1) * size
            for e in range(off, min(off + size, len(data)) - 127, 128):
                n = struct.unpack_from("<H", data, e + 64)[0]
                if 2 <= n <= 64:
                    names.append(data[e:e + n - 2].decode("utf-16-le", "replace"))
            sector = fat[sector] if sector < len(fat) else 0xFFFFFFFE
        return names
    except struct.error:
        return []


def _is_image(data: bytes) -> bool:
    if data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a",
                        b"II*\x00", b"MM\x00*")):
        return True
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return True
    if data[:2] == b"BM" and len(data) >= 26:
        return struct.unpack_from("<I", data, 14)[0] in (12, 40, 52, 56, 64, 108, 124)
    return False


def _decode_head(data: bytes) -> str | None:
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", "replace")
    if b"\x00" in head:
        return None
    return head.decode("latin-1")


def _is_text(data: bytes) -> bool:
    sample = data[:65536]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    for enc in ("utf-8", "gb18030"):
        try:
            s = sample.decode(enc)
        except UnicodeDecodeError as e:
            if e.start >= len(sample) - 4:  # cut inside a character at the sample's end
                s = sample[:e.start].decode(enc, "replace")
            else:
                continue
        if s.startswith(("\ufeff", "\ufffe")):
            s = s[1:]
        bad = sum(1 for ch in s if ord(ch) < 32 and ch not in "\t\r\n\f")
        return bad <= len(s) * 0.01
    return False
