"""Every number leads to the cell that printed it (issue 15): generated reports of every format
are read back, and each non-null value's provenance is followed into the rendered file by other
means than the parser's — pdfplumber's crop of the page for PDFs, OFD and scans (a scan's box
against the PDF it was scanned from), lxml for HTML and MHT, the DOCX XML, the text's line — and
must hold that very number. (The prose's figures against the tables: tests/test_roundtrip.py.)"""

from __future__ import annotations

import email
import io
import re
import zipfile

import lxml.etree
import lxml.html
import pdfplumber
import pytest

import parsers
from parsers.report.values import read_value
from synthetic.layout import choose_layout
from synthetic.render_docx import render_docx
from synthetic.render_html import render_html
from synthetic.render_mht import render_mht
from synthetic.render_ofd import render_ofd
from synthetic.render_pdf import render_pdf
from synthetic.render_scan import render_scan
from synthetic.render_text import render_text
from synthetic.report import generate_report

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
LAYOUTS = [None, "template", "split", "flat"]


def _values(record: dict):
    for t, rows in (record.get("tables") or {}).items():
        for r, cols in (rows or {}).items():
            for c, v in (cols or {}).items():
                if v is not None:
                    yield f"{t}.{r}.{c}", v


def _where(record: dict, cell: str):
    t, r, c = cell.split(".")
    return (((record.get("provenance") or {}).get(t) or {}).get(r) or {}).get(c)


def _number(text: str):
    got = read_value(text or "")
    return got.number if got is not None else None


def _pdf_reader(pdf: bytes, shrink: float = 0.0):
    doc = pdfplumber.open(io.BytesIO(pdf))

    def read(pos: dict):
        page = doc.pages[pos["page"] - 1]
        x0, top, x1, bottom = pos["box"]
        if shrink:  # a scan's box: its middle, whatever the scan's turn left at the edges
            dx, dy = (x1 - x0) * shrink, (bottom - top) * shrink
            return _number(page.crop((x0 + dx, top + dy, x1 - dx, bottom - dy)).extract_text())
        return _number(page.within_bbox((x0, top, x1, bottom)).extract_text())

    return read


def _html_reader(html: bytes):
    root = lxml.html.document_fromstring(html)
    tables = root.xpath("//table")

    def read(pos: dict):
        tr = tables[pos["table"]].xpath(".//tr")[pos["row"]]
        cells = [c for c in tr if c.tag in ("td", "th")]
        return _number(cells[pos["col"]].text_content())

    return read


def _mht_reader(mht: bytes):
    msg = email.message_from_bytes(mht)
    part = next(p for p in msg.walk() if p.get_content_type() == "text/html")
    return _html_reader(part.get_payload(decode=True))


def _docx_reader(docx: bytes):
    body = lxml.etree.fromstring(zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml")).find(
        W + "body"
    )
    tables = [
        t for t in body.iter(W + "tbl") if not any(a.tag == W + "tbl" for a in t.iterancestors())
    ]

    def read(pos: dict):
        tr = tables[pos["table"]].findall(W + "tr")[pos["row"]]
        tc = tr.findall(W + "tc")[pos["col"]]
        return _number("".join(t.text or "" for t in tc.iter(W + "t")))

    return read


def _text_reader(data: bytes):
    lines = data.decode("utf-8-sig", errors="replace").splitlines()

    def read(pos: dict):
        line = lines[pos["line"] - 1]
        return [_number(f) for f in re.split(r"[\t|]+|\s{2,}|\s(?=[\d+\-])", line)]

    return read


def _case(fmt: str, seed: int):
    rep = generate_report(seed, pages=4)
    lay = choose_layout(
        rep,
        "pdf" if fmt in ("scan", "ofd") else "html" if fmt == "mht" else fmt,
        LAYOUTS[seed % len(LAYOUTS)],
    )
    if fmt == "html":
        data = render_html(rep, layout=lay)
        return rep, data, "r.html", _html_reader(data)
    if fmt == "mht":
        data = render_mht(rep)
        return rep, data, "r.doc", _mht_reader(data)
    if fmt == "docx":
        data = render_docx(rep, layout=lay)
        return rep, data, "r.docx", _docx_reader(data)
    if fmt == "text":
        data = render_text(rep, layout=lay)
        return rep, data, "r.txt", _text_reader(data)
    pdf = render_pdf(rep, layout=lay)
    if fmt == "pdf":
        return rep, pdf, "r.pdf", _pdf_reader(pdf)
    if fmt == "ofd":
        return rep, render_ofd(rep, layout=lay), "r.ofd", _pdf_reader(pdf)
    return rep, render_scan(rep, layout=lay), "scan.pdf", _pdf_reader(pdf, shrink=0.2)


SEEDS = {"html": 6, "mht": 3, "docx": 6, "pdf": 6, "text": 6, "ofd": 3, "scan": 2}
AT_LEAST = {"scan": 25}  # values a report gives at least (OCR sets aside what it is unsure of)
KEYS = {
    "html": {"table", "row", "col"},
    "mht": {"table", "row", "col"},
    "docx": {"table", "row", "col"},
    "text": {"line"},
    "pdf": {"page", "box"},
    "ofd": {"page", "box"},
    "scan": {"page", "box"},
}


@pytest.mark.parametrize("fmt", list(SEEDS))
def test_every_value_leads_to_the_cell_that_printed_it(fmt, capsys):
    checked, missing, wrong = 0, [], []
    for i in range(SEEDS[fmt]):
        rep, data, name, read = _case(fmt, 77_000 + 10 * i)
        got = parsers.extract_bytes(data, name=name)
        for cell, value in _values(got):
            pos = _where(got, cell)
            if not pos:
                missing.append((rep.seed, cell))
                continue
            assert set(pos) == KEYS[fmt], (rep.seed, cell, pos)
            found = read(pos)
            checked += 1
            ok = value in found if isinstance(found, list) else found == value
            if not ok:
                wrong.append((rep.seed, cell, value, pos, found))
    with capsys.disabled():
        print(
            f"\nprovenance {fmt}: {checked} values followed back, {len(missing)} without a "
            f"place, {len(wrong)} where the place holds another number"
        )
    assert checked >= AT_LEAST.get(fmt, 60) * SEEDS[fmt] and not missing and not wrong, (
        missing[:5],
        wrong[:5],
    )
