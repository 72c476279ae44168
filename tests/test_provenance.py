"""Every number leads to the cell that printed it (issue 15): generated reports of every format
are read back, and each non-null value's provenance is followed into the rendered file by other
means than the parser's — pdfplumber's crop of the page for PDFs, OFD and scans (a scan's box
against the PDF it was scanned from), lxml for HTML and MHT, the DOCX XML, LibreOffice's ODT of a
DOC/WPS, openpyxl and xlrd for workbooks, where the renderer drew each cell in a picture of a
table, the text's line — and must hold that very number. Where the renderer's own record is at
hand (DOC/WPS, workbooks, pictures) the position must also be that value's own cell, so a box
on a neighbour holding the same number fails. (The prose's figures against the tables:
tests/test_roundtrip.py; docs/provenance.md.)"""

from __future__ import annotations

import base64
import email
import io
import re
import zipfile
from urllib.parse import urljoin

import lxml.etree
import lxml.html
import pdfplumber
import pytest

import parsers
from parsers.report.values import read_value
from synthetic.layout import all_tables, choose_layout, placed_cells
from parsers.formats.office import convert
from synthetic.render_doc import render_doc, render_wps
from synthetic.render_docx import render_docx
from synthetic.render_html import render_html
from synthetic.render_mht import render_mht
from synthetic.render_ofd import render_ofd
from synthetic.render_pdf import render_pdf
from synthetic.render_pictures import render_docx_pictures, render_html_pictures
from synthetic.render_scan import render_scan
from synthetic.render_sheet import SHAPES, render_xls, render_xlsx
from synthetic.render_text import render_text
from synthetic.report import generate_report

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
ODF = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
ODF_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
SLACK = 3  # px: a picture's box may cut this much of a cell's ink (OCR's grid, JPEG)
PAGE_URL = "http://www.example.gov.cn/xxgk/ndbg/t20240301_1.html"
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

    def read(pos: dict, cell: str = ""):
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

    def read(pos: dict, cell: str = ""):
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

    def read(pos: dict, cell: str = ""):
        tr = tables[pos["table"]].findall(W + "tr")[pos["row"]]
        tc = tr.findall(W + "tc")[pos["col"]]
        return _number("".join(t.text or "" for t in tc.iter(W + "t")))

    return read


def _doc_reader(doc: bytes, ext: str, placed: dict):
    """A .doc/.wps read the parser's way round: LibreOffice's DOCX, its <w:tc>s. Followed back
    here through another export of the same file — LibreOffice's ODT, read with lxml — so
    neither the DOCX export nor the DOCX parser is trusted. ODT lists every grid position
    (spanned ones as covered cells); a <w:tc> is a cell where it starts or a row it spans
    down into (vMerge), not a column it spans across (gridSpan). The position must also be
    the cell the renderer laid that value out in (`placed`), not another with the same
    number."""
    root = lxml.etree.fromstring(
        zipfile.ZipFile(io.BytesIO(convert(doc, ext, "odt"))).read("content.xml")
    )
    body = root.find(f"{ODF_OFFICE}body")
    tables = [
        t
        for t in body.iter(ODF + "table")
        if not any(a.tag == ODF + "table" for a in t.iterancestors())
    ]

    def tcs(table) -> list[list[str | None]]:
        """Each row's <w:tc>s as ODT says them: the text of a cell that starts there, None
        for a row a cell above spans into."""
        rows = [tr for tr in table.iter(ODF + "table-row") if _owner(tr) is table]
        origins: list[tuple[int, int, int, int, str]] = []  # row, col, rows, cols, text
        for r, tr in enumerate(rows):
            col = 0
            for c in tr:
                n = int(c.get(ODF + "number-columns-repeated", "1"))
                if c.tag == ODF + "table-cell":
                    cs = int(c.get(ODF + "number-columns-spanned", "1"))
                    rs = int(c.get(ODF + "number-rows-spanned", "1"))
                    text = "".join(c.itertext())
                    for _ in range(n):
                        origins.append((r, col, rs, cs, text))
                        col += cs
                elif c.tag == ODF + "covered-table-cell":
                    col += n
        out = []
        for r in range(len(rows)):
            here = sorted((c0, r0, t) for r0, c0, rs, _, t in origins if r0 <= r < r0 + rs)
            out.append([t if r0 == r else None for _, r0, t in here])
        return out

    grids = [tcs(t) for t in tables]

    def read(pos: dict, cell: str):
        if placed.get(cell) != (pos["table"], pos["row"], pos["col"]):
            return ("laid out at", placed.get(cell))
        try:
            text = grids[pos["table"]][pos["row"]][pos["col"]]
        except IndexError:
            return ("no such cell in the .doc", pos)
        return _number(text) if text is not None else ("a cell spanned down into", pos)

    return read


def _tc_places(rep, lay) -> dict:
    """{"table.row.col": (table, row, tc)} of the renderer's layout: the body's tables in
    order, and in a row one <w:tc> for each cell that starts in it or spans down into it."""
    parts = [p for name in ("active", "requests", "appeals") for p in all_tables(rep, lay)[name]]
    out = {}
    for t, part in enumerate(parts):
        cells = placed_cells(part)
        for r, col, c in cells:
            if c.key:
                out[c.key] = (
                    t,
                    r,
                    sum(1 for r0, c0, x in cells if r0 <= r < r0 + x.rowspan and c0 < col),
                )
    return out


def _owner(tr):
    return next(a for a in tr.iterancestors() if a.tag == ODF + "table")


def _sheet_reader(data: bytes, ext: str, written: dict):
    """A cell of a workbook, read by openpyxl (.xlsx) or xlrd (.xls) — and where the renderer
    wrote that value: the position must be that very cell, not another holding the same
    number."""
    if ext == "xls":
        import xlrd

        book = xlrd.open_workbook(file_contents=data)

        def value(pos):
            return book.sheet_by_name(pos["sheet"]).cell_value(pos["row"], pos["col"])
    else:
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(data))

        def value(pos):
            return book[pos["sheet"]].cell(pos["row"] + 1, pos["col"] + 1).value

    def read(pos: dict, cell: str):
        if written.get(cell) != (pos["sheet"], pos["row"], pos["col"]):
            return ("written at", written.get(cell))
        v = value(pos)
        return _number(str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))

    return read


def _picture_reader(pictures: list[bytes], drawn: dict):
    """A picture's pixel box, followed back to where the renderer drew the cell's text: the
    box must hold the ink of exactly one cell — the cell of that value — and all of it
    (`SLACK` px aside); that cell's text is the number."""

    def read(pos: dict, cell: str):
        k = pos["picture"]
        if k >= len(pictures) or pictures[k] not in drawn:
            return ("no such picture of a table", k)
        x0, top, x1, bottom = pos["box"]
        inside = [
            (key, text, b)
            for key, text, b in drawn[pictures[k]]
            if x0 <= (b[0] + b[2]) / 2 <= x1 and top <= (b[1] + b[3]) / 2 <= bottom
        ]
        if len(inside) != 1:
            return ("cells drawn in the box", [t for _, t, _ in inside])
        key, text, b = inside[0]
        if key != cell:
            return ("the box holds", key)
        s = SLACK
        if not (x0 - s <= b[0] and b[2] <= x1 + s and top - s <= b[1] and b[3] <= bottom + s):
            return ("ink outside the box", b)
        return _number(text)

    return read


def _html_pictures(page: bytes, url: str, resources: dict) -> list[bytes]:
    """The page's pictures whose bytes are at hand, in document order."""
    out = []
    for img in lxml.html.document_fromstring(page).iter("img"):
        src = img.get("src") or ""
        if src.startswith("data:"):
            out.append(base64.b64decode(src.split(",", 1)[1]))
        elif urljoin(url, src) in resources:
            out.append(resources[urljoin(url, src)])
    return out


def _docx_pictures(docx: bytes) -> list[bytes]:
    """The DOCX body's pictures in document order, from its XML and relationships."""
    z = zipfile.ZipFile(io.BytesIO(docx))
    rels = {
        r.get("Id"): r.get("Target")
        for r in lxml.etree.fromstring(z.read("word/_rels/document.xml.rels"))
    }
    body = lxml.etree.fromstring(z.read("word/document.xml"))
    blips = body.iter("{http://schemas.openxmlformats.org/drawingml/2006/main}blip")
    return [z.read("word/" + rels[b.get(f"{R}embed")].lstrip("/")) for b in blips]


def _text_reader(data: bytes):
    lines = data.decode("utf-8-sig", errors="replace").splitlines()

    def read(pos: dict, cell: str = ""):
        line = lines[pos["line"] - 1]
        return [_number(f) for f in re.split(r"[\t|]+|\s{2,}|\s(?=[\d+\-])", line)]

    return read


def _case(fmt: str, seed: int):
    """(report, file bytes, file name, reader of a position, what else the parser is given)"""
    rep = generate_report(seed, pages=4)
    base = {"scan": "pdf", "ofd": "pdf", "mht": "html", "doc": "docx", "wps": "docx"}
    lay = choose_layout(rep, base.get(fmt, fmt), LAYOUTS[seed % len(LAYOUTS)])
    if fmt == "html":
        data = render_html(rep, layout=lay)
        return rep, data, "r.html", _html_reader(data), {}
    if fmt == "mht":
        data = render_mht(rep)
        return rep, data, "r.doc", _mht_reader(data), {}
    if fmt == "docx":
        data = render_docx(rep, layout=lay)
        return rep, data, "r.docx", _docx_reader(data), {}
    if fmt in ("doc", "wps"):
        data = (render_doc if fmt == "doc" else render_wps)(rep, layout=lay)
        return rep, data, f"r.{fmt}", _doc_reader(data, fmt, _tc_places(rep, lay)), {}
    if fmt in ("xlsx", "xls"):
        written: dict = {}
        shape = SHAPES[seed // 10 % len(SHAPES)]
        data = (render_xlsx if fmt == "xlsx" else render_xls)(rep, lay, shape, written)
        return rep, data, f"r.{fmt}", _sheet_reader(data, fmt, written), {}
    if fmt == "pictures-html":
        drawn: dict = {}
        page, res = render_html_pictures(
            rep, lay, base=PAGE_URL, inline=seed // 10 % 2 == 1, drawn=drawn
        )
        read = _picture_reader(_html_pictures(page, PAGE_URL, res), drawn)
        return rep, page, "r.html", read, {"url": PAGE_URL, "resources": res}
    if fmt == "pictures-docx":
        drawn = {}
        data = render_docx_pictures(rep, lay, drawn=drawn)
        return rep, data, "r.docx", _picture_reader(_docx_pictures(data), drawn), {}
    if fmt == "text":
        data = render_text(rep, layout=lay)
        return rep, data, "r.txt", _text_reader(data), {}
    pdf = render_pdf(rep, layout=lay)
    if fmt == "pdf":
        return rep, pdf, "r.pdf", _pdf_reader(pdf), {}
    if fmt == "ofd":
        return rep, render_ofd(rep, layout=lay), "r.ofd", _pdf_reader(pdf), {}
    return rep, render_scan(rep, layout=lay), "scan.pdf", _pdf_reader(pdf, shrink=0.2), {}


SEEDS = {
    "html": 6,
    "mht": 3,
    "docx": 6,
    "pdf": 6,
    "text": 6,
    "ofd": 3,
    "xlsx": 6,
    "scan": 2,
    "doc": 3,
    "wps": 2,
    "xls": 3,
    "pictures-html": 3,
    "pictures-docx": 3,
}
OFFSET = {"wps": 5, "xls": 5, "pictures-docx": 5}  # other reports than doc, xlsx, pictures-html
SLOW = {"scan", "doc", "wps", "xls", "pictures-html", "pictures-docx"}  # LibreOffice, OCR
# values a report gives at least (OCR sets aside what it is unsure of)
AT_LEAST = {"scan": 25, "pictures-html": 25, "pictures-docx": 25}
TABLE_CELL = {"table", "row", "col"}
BOX = {"page", "box"}
PICTURE = {"picture", "box"}
KEYS = {
    "html": TABLE_CELL,
    "mht": TABLE_CELL,
    "docx": TABLE_CELL,
    "doc": TABLE_CELL,
    "wps": TABLE_CELL,
    "xlsx": {"sheet", "row", "col"},
    "xls": {"sheet", "row", "col"},
    "text": {"line"},
    "pdf": BOX,
    "ofd": BOX,
    "scan": BOX,
    "pictures-html": PICTURE,
    "pictures-docx": PICTURE,
}


@pytest.mark.parametrize(
    "fmt", [pytest.param(f, marks=pytest.mark.slow) if f in SLOW else f for f in SEEDS]
)
def test_every_value_leads_to_the_cell_that_printed_it(fmt, capsys):
    checked, missing, wrong = 0, [], []
    for i in range(SEEDS[fmt]):
        rep, data, name, read, given = _case(fmt, 77_000 + 10 * i + OFFSET.get(fmt, 0))
        got = parsers.extract_bytes(data, name=name, **given)
        for cell, value in _values(got):
            pos = _where(got, cell)
            if not pos:
                missing.append((rep.seed, cell))
                continue
            assert set(pos) == KEYS[fmt], (rep.seed, cell, pos)
            found = read(pos, cell)
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
