"""Archives of attachments as portals publish them: a report zipped, often with its 图解 or
its tables in another file; ZIP member names in GBK without the UTF-8 flag (as Windows'
built-in zip writes them) or in UTF-8; RAR.

No free tool writes RAR, so `rar_bytes` writes the RAR 4 format itself, members stored
(method 0x30, no compression: the format's simplest valid form, which unrar, unar and
rarfile read), ASCII member names with Windows' separator (the host is Win32).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib


class _GbkInfo(zipfile.ZipInfo):
    """A member whose name is written in GBK without the UTF-8 flag (zipfile itself writes
    any non-ASCII name as UTF-8 and sets the flag)."""

    def _encodeFilenameFlags(self):  # zipfile's hook for the name's bytes and flags
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def zip_bytes(files: list[tuple[str, bytes]], gbk_names: bool = True) -> bytes:
    """A ZIP of (name, bytes); gbk_names: names encoded in GBK, the UTF-8 flag unset."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            cls = _GbkInfo if gbk_names and not name.isascii() else zipfile.ZipInfo
            info = cls(name, date_time=(2024, 3, 1, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


def _head(kind: int, flags: int, body: bytes) -> bytes:
    head = struct.pack("<BHH", kind, flags, 7 + len(body)) + body
    return struct.pack("<H", zlib.crc32(head) & 0xFFFF) + head


def _dos_time(y=2024, mo=3, d=1, h=9, mi=0, s=0) -> int:
    return (y - 1980) << 25 | mo << 21 | d << 16 | h << 11 | mi << 5 | s // 2


def rar_bytes(files: list[tuple[str, bytes]]) -> bytes:
    """A RAR 4 archive of (ASCII name, bytes), members stored."""
    out = [b"Rar!\x1a\x07\x00", _head(0x73, 0, b"\x00" * 6)]
    for name, data in files:
        raw = name.replace("/", "\\").encode("ascii")  # a Windows host's separator
        body = (
            struct.pack(
                "<IIBIIBBHI",
                len(data),
                len(data),
                2,
                zlib.crc32(data),
                _dos_time(),
                29,
                0x30,
                len(raw),
                0x20,
            )
            + raw
        )
        out.append(_head(0x74, 0x8000, body))
        out.append(data)
    out.append(_head(0x7B, 0x4000, b""))
    return b"".join(out)


def render_zipped(
    report, fmt: str = "pdf", kind: str = "zip", layout=None, extras: bool = True
) -> bytes:
    """The report as `fmt` in an archive, beside a picture (its 图解) and a note, as a
    detail page's single download."""
    from synthetic.render_docx import render_docx
    from synthetic.render_pdf import render_pdf

    body = {"pdf": render_pdf, "docx": render_docx}[fmt](report, layout=layout)
    stem = f"{report.year}年政府信息公开工作年度报告" if kind == "zip" else f"report{report.year}"
    files = [(f"{stem}.{fmt}", body)]
    if extras:
        files.append((f"{stem}图解.png" if kind == "zip" else "tujie.png", _tujie(report)))
        files.append(
            (
                "说明.txt" if kind == "zip" else "readme.txt",
                "本压缩包含年度报告全文及图解。".encode("gbk" if kind == "zip" else "utf-8"),
            )
        )
    if kind == "rar":
        return rar_bytes(files)
    return zip_bytes(files, gbk_names=report.seed % 2 == 0)


def _tujie(report) -> bytes:
    """A small picture standing for the 图解 (one line of text on colour)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (480, 160), (200, 40, 40))
    ImageDraw.Draw(img).rectangle((20, 20, 460, 140), outline=(255, 255, 255), width=4)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()
