"""Hostile and broken files, generated on the fly (never stored in the repo)."""

from __future__ import annotations

import io
import struct
import zipfile


def encrypted_pdf() -> bytes:
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=pdfencrypt.StandardEncryption("secret", canPrint=0))
    c.drawString(100, 700, "2021 report")
    c.showPage()
    c.save()
    return buf.getvalue()


def pdf_with_pages(n: int) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for i in range(n):
        c.drawString(100, 700, f"page {i + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


def encrypted_docx() -> bytes:
    """An OLE2 compound file holding EncryptionInfo and EncryptedPackage streams: the container
    Office writes for a password-protected DOCX (the payload here is random, not real AES)."""
    import os

    sec = 512
    info, package = os.urandom(4096), os.urandom(4096)
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 0x28, 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *([0xFFFFFFFF] * 108))
    fat = (
        [0xFFFFFFFD, 0xFFFFFFFE]
        + list(range(3, 10))
        + [0xFFFFFFFE]
        + list(range(11, 18))
        + [0xFFFFFFFE]
    )
    fat += [0xFFFFFFFF] * (sec // 4 - len(fat))

    def entry(name, kind, left, right, child, start, size):
        raw = name.encode("utf-16-le") + b"\0\0"
        e = bytearray(128)
        e[: len(raw)] = raw
        struct.pack_into("<HBBIII", e, 64, len(raw), kind, 1, left, right, child)
        struct.pack_into("<IQ", e, 116, start, size)
        return bytes(e)

    none = 0xFFFFFFFF
    directory = (
        entry("Root Entry", 5, none, none, 1, 0xFFFFFFFE, 0)
        + entry("EncryptionInfo", 2, none, 2, none, 2, len(info))
        + entry("EncryptedPackage", 2, none, none, none, 10, len(package))
        + bytes(128)
    )
    return bytes(header) + struct.pack(f"<{sec // 4}I", *fat) + directory + info + package


def docx_bomb(declared_mb: int = 300) -> bytes:
    """A small zip whose word/document.xml inflates to declared_mb of zeros."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with zf.open("word/document.xml", "w", force_zip64=True) as f:
            chunk = bytes(2**20)
            for _ in range(declared_mb):
                f.write(chunk)
    return buf.getvalue()


def docx_of_xml(xml_mb: int, seed: int = 1) -> bytes:
    """A DOCX whose word/document.xml is xml_mb of paragraphs of random numbers: it compresses
    only about 9×, so it passes the zip bomb checks, and parsed whole it needs ~20× its size."""
    import random

    rng = random.Random(seed)
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.'
            'openxmlformats.org/package/2006/content-types"><Override PartName="/word/'
            'document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>',
        )
        zf.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="word/document.xml"/></Relationships>',
        )
        with zf.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(f'<?xml version="1.0"?><w:document xmlns:w="{w}"><w:body>'.encode())
            written = 0
            while written < xml_mb * 2**20:
                chunk = "".join(
                    f"<w:p><w:r><w:t>{rng.randrange(10**6)}</w:t></w:r></w:p>" for _ in range(2000)
                ).encode()
                f.write(chunk)
                written += len(chunk)
            f.write(b"</w:body></w:document>")
    return buf.getvalue()


def nested_html(levels: int = 100_000) -> bytes:
    return (
        b"<html><body>"
        + b"<div>" * levels
        + "政府信息公开".encode()
        + b"</div>" * levels
        + b"</body></html>"
    )


def sparse_file(path, size: int) -> None:
    with open(path, "wb") as f:
        f.truncate(size)
