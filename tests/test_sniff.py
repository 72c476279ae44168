"""Format sniffing: bytes decide, name and content type only break ties."""

import io
import struct
import zipfile

import pytest

from parsers.model import ParseError
from parsers.formats.sniff import ole_stream_names, sniff_format


def _zip(*names) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n in names:
            z.writestr(n, "<x/>")
    return buf.getvalue()


def ole(*names: str) -> bytes:
    """A minimal valid OLE2 compound file (512-byte sectors): header, one FAT sector, one
    directory sector holding the root entry and up to three empty streams `names` (each the
    right sibling of the one before, as the directory's tree allows)."""
    size, none, end = 512, 0xFFFFFFFF, 0xFFFFFFFE
    header = bytearray(size)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)  # sectors 512, mini 64
    struct.pack_into("<I", header, 0x2C, 1)  # one FAT sector
    struct.pack_into("<I", header, 0x30, 1)  # directory starts at sector 1
    struct.pack_into("<IIIII", header, 0x38, 4096, end, 0, end, 0)  # no mini FAT, no DIFAT
    difat = [0] + [none] * 108  # FAT is sector 0
    struct.pack_into("<109I", header, 0x4C, *difat)
    fat = bytearray(b"\xff" * size)
    struct.pack_into("<II", fat, 0, 0xFFFFFFFD, end)  # sector 0: FAT; 1: end of dir
    directory = bytearray(size)
    entries = ["Root Entry", *names][:4]
    for i, name in enumerate(entries):
        raw = name.encode("utf-16-le") + b"\0\0"
        directory[i * 128 : i * 128 + len(raw)] = raw
        kind = 5 if i == 0 else 2  # root storage, stream
        right = i + 1 if 0 < i < len(entries) - 1 else none
        child = 1 if i == 0 and len(entries) > 1 else none
        struct.pack_into("<HBBIII", directory, i * 128 + 64, len(raw), kind, 1, none, right, child)
        struct.pack_into("<IQ", directory, i * 128 + 116, end, 0)
    return bytes(header + fat + directory)


def test_empty_raises():
    with pytest.raises(ParseError, match=r"empty file \(0 bytes\)"):
        sniff_format(b"")


def test_pdf_with_leading_junk():
    assert sniff_format(b"%PDF-1.7\n...") == "pdf"
    assert sniff_format(b"\r\n<junk>" * 20 + b"%PDF-1.4\n", name="x.html") == "pdf"
    assert sniff_format(b"x" * 2000 + b"%PDF-1.4") != "pdf"


def test_zip_family():
    assert sniff_format(_zip("[Content_Types].xml", "word/document.xml"), name="a.zip") == "docx"
    assert sniff_format(_zip("[Content_Types].xml", "xl/workbook.xml")) == "xlsx"
    assert sniff_format(_zip("readme.txt")) == "zip"
    assert sniff_format(b"PK\x03\x04broken", name="r.docx") == "docx"
    assert sniff_format(b"PK\x03\x04broken") == "zip"


def test_ole_family():
    assert ole_stream_names(ole("WordDocument", "1Table")) == [
        "Root Entry",
        "WordDocument",
        "1Table",
    ]
    assert sniff_format(ole("WordDocument", "1Table"), name="report.pdf") == "doc"
    assert sniff_format(ole("WordDocument", "1Table"), name="report.wps") == "wps"
    assert sniff_format(ole("Workbook")) == "xls"
    assert sniff_format(ole("Book")) == "xls"
    assert sniff_format(ole("EncryptionInfo", "EncryptedPackage"), name="a.docx") == "docx"
    assert sniff_format(ole("EncryptionInfo", "EncryptedPackage"), name="a.xlsx") == "xlsx"
    assert sniff_format(ole("Something"), name="a.wps") == "wps"
    assert sniff_format(ole("Something")) == "unknown"
    # a truncated OLE header: fall back to the name
    assert sniff_format(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", name="x.doc") == "doc"


def test_images():
    assert sniff_format(b"\x89PNG\r\n\x1a\n" + b"\0" * 20) == "image"
    assert sniff_format(b"\xff\xd8\xff\xe0" + b"\0" * 20, name="a.html") == "image"
    assert sniff_format(b"GIF89a" + b"\0" * 10) == "image"
    assert sniff_format(b"II*\x00" + b"\0" * 10) == "image"
    bmp = b"BM" + struct.pack("<IHHII", 100, 0, 0, 54, 40) + b"\0" * 60
    assert sniff_format(bmp) == "image"
    assert sniff_format("BM是一段文字".encode()) == "text"


def test_html_and_text():
    assert sniff_format(b"<!DOCTYPE html><html><body>x</body></html>") == "html"
    assert sniff_format("\ufeff  <html><head><meta charset=gbk>".encode("utf-8")) == "html"
    assert sniff_format("<HTML><BODY>报告</BODY></HTML>".encode("gbk")) == "html"
    assert sniff_format(b"\r\n\r\n<table><tr><td>1</td></tr></table>") == "html"
    assert sniff_format("政府信息公开工作年度报告\n一、总体情况".encode("gbk")) == "text"
    assert sniff_format("政府信息公开工作年度报告".encode("utf-8"), name="a.pdf") == "text"
    assert sniff_format("<p>报告</p>".encode("utf-16")) == "html"
    assert sniff_format("报告全文".encode("utf-16")) == "text"
    # a text that names a tag is not a page; a fragment of several tags, one closed, is
    assert sniff_format(b'[deps]\nw3lib = "2"  # <meta> charsets\n') == "text"
    assert sniff_format("# 说明\n表格用 <table> 标记，换行用 <br>。\n".encode()) == "text"
    assert sniff_format("报告 <p>一、总体情况</p><br><table><tr><td>1".encode()) == "html"


def test_hints_only_when_bytes_do_not_decide():
    junk = bytes(range(256)) * 4
    assert sniff_format(junk) == "unknown"
    assert sniff_format(junk, name="A.PDF") == "pdf"
    assert sniff_format(junk, content_type="application/msword") == "doc"
    assert sniff_format(junk, content_type="application/vnd.ms-excel") == "xls"
    assert sniff_format(junk, name="a.bin", content_type="image/png") == "image"
    # bytes beat the hints
    assert sniff_format(b"%PDF-1.5", name="a.doc", content_type="text/html") == "pdf"


def test_rtf_is_doc():
    assert sniff_format(b"{\\rtf1\\ansi ...}", name="a.doc") == "doc"


def test_corpus_files(shared_dir):
    corpus = shared_dir / "corpus"
    assert sniff_format((corpus / "hzq2023.pdf").read_bytes()) == "pdf"
    assert sniff_format((corpus / "pingtan2020.html").read_bytes()) == "html"
