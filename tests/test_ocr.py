"""Scans: image-only PDFs and images are OCR'd to text and table grids."""
import io

import pytest

from parsers import parse_bytes
from parsers.ocr import cell_regions, find_tables, Grid, ocr_confidence, ocr_reason
from parsers.model import Document, Block
from synthetic.render_scan import rasterise, render_scan, scan_pdf_bytes
from synthetic.report import generate_report


@pytest.fixture(scope="module")
def scanned():
    report = generate_report(21)
    return report, parse_bytes(render_scan(report), name="scan.pdf")


def test_scan_is_ocrd_with_confidence(scanned):
    _, doc = scanned
    assert doc.notes[0] == "ocr because the PDF has no text layer"
    assert ocr_confidence(doc) > 70


def test_scan_table_grid_has_the_numbers_in_place(scanned):
    report, doc = scanned
    want = report.printed["requests"]["new_received"]
    for table in doc.tables():
        for row in table.grid():
            if row and row[0] and "本年新收" in row[0].text:
                got = [g.text for g in row if g][-7:]
                assert got == [want[c] for c in ("natural_person", "commercial", "research", "social_org",
                                                 "legal_service", "other_org", "total")]
                return
    pytest.fail("no 本年新收 row in the OCR'd tables")


def test_merged_cells_become_spans():
    from PIL import Image, ImageDraw
    img = Image.new("L", (900, 400), 255)
    d = ImageDraw.Draw(img)
    for y in (50, 150, 250, 350):
        d.line((50, y, 850, y), fill=0, width=3)
    for x in (50, 450, 850):
        d.line((x, 50, x, 350), fill=0, width=3)
    d.line((650, 150, 650, 350), fill=0, width=3)  # the right column splits below row 0
    ink = img.point(lambda v: 0 if v < 160 else 255)
    (grid,) = find_tables(ink)
    assert len(grid.xs) == 4 and len(grid.ys) == 4
    assert (0, 0, 1, 1) in cell_regions(grid) and (0, 1, 1, 2) in cell_regions(grid)


def test_image_file_is_ocrd():
    report = generate_report(22)
    from synthetic.render_pdf import render_pdf
    page = next(rasterise(scan_pdf_bytes(render_pdf(report), seed=1), 200))
    buf = io.BytesIO()
    page.save(buf, "PNG", dpi=(200, 200))
    doc = parse_bytes(buf.getvalue(), name="page1.png")
    assert doc.format == "image" and ocr_confidence(doc) is not None
    assert "政府信息公开" in doc.text()


def test_text_layer_decision():
    good = Document(blocks=[Block("paragraph", text="政府信息公开工作年度报告" * 20)], pages=1)
    assert ocr_reason(good) is None
    assert "no text layer" in ocr_reason(Document(pages=3))
    garbage = Document(blocks=[Block("paragraph", text="\ue001\ue002$%&'()*+" * 30)], pages=1)
    assert "garbage" in ocr_reason(garbage)
