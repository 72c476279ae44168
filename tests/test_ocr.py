"""Scans: image-only PDFs and images are OCR'd to text and table grids."""

import io

import pytest

from parsers import parse_bytes
from parsers.formats.ocr import ocr_confidence, ocr_reason
from parsers.formats.ocr.grid import cell_regions, find_tables
from parsers.model import Document, Block
from synthetic.render_scan import rasterise, scan_pdf_bytes
from synthetic.report import generate_report


def _pages_with(pdf: bytes, text: str) -> bytes:
    """Only the pages of a PDF whose text has `text` (keeps the OCR in tests to a page or two)."""
    import pypdfium2 as pdfium

    src, out = pdfium.PdfDocument(pdf), pdfium.PdfDocument.new()
    keep = [i for i in range(len(src)) if text in src[i].get_textpage().get_text_range()]
    out.import_pages(src, keep)
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def scanned():
    from synthetic.render_pdf import render_pdf

    report = generate_report(21)
    return report, parse_bytes(
        scan_pdf_bytes(_pages_with(render_pdf(report), "本年新收"), seed=21), name="scan.pdf"
    )


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
                assert got == [
                    want[c]
                    for c in (
                        "natural_person",
                        "commercial",
                        "research",
                        "social_org",
                        "legal_service",
                        "other_org",
                        "total",
                    )
                ]
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


# ---------------------------------------------------------------- number cells: right or unreadable


def _r(text, conf):
    from parsers.formats.ocr.readings import Reading

    return Reading(text, conf)


def _unreadable(text):
    from parsers.report.values import Value, read_value

    return read_value(text) == Value(None, unreadable=True)


def test_agreeing_sure_readings_keep_the_number():
    from parsers.formats.ocr.readings import decide

    assert decide("5284", [_r("5284", 91), _r("5284", 91), _r("5284", 96)]) == "5284"
    # chi_sim reads a lone 1 as 工; the digits-only readings are sure of it
    assert decide("工", [_r("", 60), _r("1", 5), _r("1", 95)]) == "1"


def test_disagreeing_number_cell_is_unreadable_not_a_wrong_number():
    from parsers.formats.ocr.readings import decide

    # chi_sim reads a clean 5284 as 0284, and is fairly sure of it: nobody gets to win
    assert _unreadable(decide("0284", [_r("0284", 86), _r("5284", 0), _r("5284", 97)]))


def test_low_confidence_number_cell_is_unreadable():
    from parsers.formats.ocr.readings import decide

    assert _unreadable(decide("9", [_r("9", 17), _r("9", 17), _r("", 0)]))  # a 0 read as 9
    assert _unreadable(decide("工", [_r("", 36), _r("", 0), _r("4", 80)]))  # a 1 read as 4, once


def test_cell_no_reading_takes_for_a_number_is_left_alone():
    from parsers.formats.ocr.readings import decide

    assert decide("果", [_r("", 80), _r("", 0), _r("", 0)]) == "果"


def test_read_numbers_counts_the_cells_set_aside(monkeypatch):
    from PIL import Image
    import parsers.formats.ocr.cells as ocr

    second = {"chi_sim": (["12", "7"], [95.0, 40.0]), "eng": (["12", "1"], [96.0, 41.0])}

    def fake(crops, lang=ocr.LANG, config=(), cell_conf=None, **kw):
        texts, confs = second[lang]
        cell_conf.extend(confs)
        return list(texts), list(confs)

    monkeypatch.setattr(ocr, "ocr_stacked", fake)
    crop = Image.new("L", (20, 20), 255)
    texts, set_aside = ocr.read_numbers([crop, crop, crop], ["12", "7", "总计"], [93.0, 45.0, 90.0])
    assert texts[0] == "12" and texts[2] == "总计" and _unreadable(texts[1]) and set_aside == 1


def test_scanned_number_cells_are_right_or_unreadable():
    """One small rendered table, OCR'd for real: every number is the truth or set aside."""
    from PIL import Image, ImageDraw, ImageFont
    from parsers.formats.ocr import ocr_images
    from parsers.report.values import read_value
    from synthetic.render_pdf import FONT_PATH

    font = ImageFont.truetype(FONT_PATH, 40)
    values = [["5284", "0", "1", "4"], ["5284", "1", "0", "37"], ["19", "2316", "0", "8"]]
    w, h = 180, 70
    img = Image.new("L", (60 + 4 * w, 60 + 3 * h), 255)
    d = ImageDraw.Draw(img)
    for r in range(4):
        d.line((30, 30 + r * h, 30 + 4 * w, 30 + r * h), fill=0, width=3)
    for c in range(5):
        d.line((30 + c * w, 30, 30 + c * w, 30 + 3 * h), fill=0, width=3)
    for r, row in enumerate(values):
        for c, v in enumerate(row):
            d.text((30 + c * w + 30, 30 + r * h + 14), v, font=font, fill=0)
    x, y = 60, 30 + h + 14  # a smudge on the second 5284
    d.rectangle((x + 2, y + 6, x + 22, y + 12), fill=255)
    d.line((x + 2, y + 8, x + 3, y + 24), fill=0, width=4)
    doc = ocr_images([img])
    (table,) = doc.tables()
    got = [[read_value(c.text) for c in row] for row in table.rows]
    set_aside = 0
    for want_row, got_row in zip(values, got, strict=True):
        for want, v in zip(want_row, got_row, strict=True):
            assert v is not None and (v.number == int(want) or v.unreadable), (want, v)
            set_aside += v.unreadable
    assert sum(v.number is not None for row in got for v in row) >= 8
    if set_aside:
        assert any(f"{set_aside} number cell(s) set aside as unreadable" in n for n in doc.notes)


def test_noise_on_a_number_is_read_again_and_grouped_digits_agree():
    from parsers.formats.ocr.readings import decide, numberish, reading as _reading

    assert numberish("人4") and numberish("4】") and numberish("工") and numberish("0")
    assert numberish(")") and numberish(".")  # a 0 read as punctuation
    assert not numberish("—") and not numberish("-") and not numberish("")  # blank marks
    assert not numberish("5件") and not numberish("2.重复申请") and not numberish("总计")
    assert decide("人4", [_reading("人4", 60), _r("4", 72), _r("4", 97)]) == "4"
    assert decide("4,047", [_reading("4,047", 87), _r("4047", 0), _r("4.047", 0)]) == "4047"
    assert decide("00", [_reading("00", 40), _r("0", 51), _r("0", 42)]) == "0"


@pytest.mark.parametrize("slip", ["一", ")"])
def test_a_cell_right_of_a_number_that_reads_as_no_number_keeps_the_row_aligned(slip, monkeypatch):
    """A 0 read as 一 or as ")" would pass for a label and shift the numbers after it one
    column."""
    from PIL import Image, ImageDraw
    import parsers.formats.ocr.cells as ocr
    from parsers.report.tables import split_row

    img = Image.new("L", (900, 200), 255)
    d = ImageDraw.Draw(img)
    for y in (50, 150):
        d.line((50, y, 850, y), fill=0, width=3)
    for x in (50, 250, 450, 650, 850):
        d.line((x, 50, x, 150), fill=0, width=3)
    for x in (100, 300, 500, 700):
        d.rectangle((x, 90, x + 30, 110), fill=0)  # some ink in every cell
    first = {None: ["总计", "18", slip, "21"]}

    def fake(crops, lang=ocr.LANG, config=(), cell_conf=None, line_px=None):
        texts = first[None] if not config else ["18", "", "21"]
        cell_conf.extend([95.0] * len(texts))
        return list(texts), [95.0] * len(texts)

    monkeypatch.setattr(ocr, "ocr_stacked", fake)
    (grid,) = find_tables(img.point(lambda v: 0 if v < 160 else 255))
    table, _, set_aside = ocr.read_table(img, grid)
    row = split_row([c.text for c in table.rows[0]])
    assert row.labels == ["总计"] and [v.number for v in row.values] == [18, None, 21]
    assert row.values[1].unreadable and set_aside == 1


def test_label_slips_are_mended():
    from parsers.formats.ocr.readings import fix_slips

    assert fix_slips("(一)子以公开") == "(一)予以公开" and fix_slips("不子处理") == "不予处理"
    assert fix_slips("王子") == "王子"


def test_a_lone_1_read_as_gong_is_a_vote_the_digit_readings_must_confirm():
    from parsers.formats.ocr.readings import decide, first_reading as _first_reading

    assert decide("工", [_first_reading("工", 50), _r("", 0), _r("1", 75)]) == "1"
    # eng's slip on a lone 1 is a 4, even a sure one: the two disagree, nobody wins
    assert _unreadable(decide("工", [_first_reading("工", 30), _r("", 0), _r("4", 95)]))


def test_a_thousands_comma_read_as_a_dot_is_no_number():
    from parsers.formats.ocr.readings import decide, reading

    # the digit readers' whitelist has no comma: a printed 1,613 comes out of them as 1.613
    assert reading("1.613", 95).text == "" and reading("12.50", 95).text == "12.50"
    assert _unreadable(
        decide("1.613", [reading("1.613", 90), reading("1.613", 93), reading("1.613", 96)])
    )
    assert (
        decide("1,613", [reading("1,613", 90), reading("1613", 80), reading("1.613", 96)]) == "1613"
    )


@pytest.mark.parametrize("angle", [0.7, -1.3])
def test_skew_finds_the_rotation_of_a_page(angle):
    from PIL import Image

    from parsers.formats.ocr.deskew import skew
    from synthetic.render_pdf import render_pdf

    page = next(rasterise(render_pdf(generate_report(24)), 300))
    turned = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    assert skew(page) == 0.0
    assert skew(turned) == pytest.approx(-angle, abs=0.03)


@pytest.mark.parametrize("angle", [0.37, -1.23, 0.0])
def test_a_turned_page_is_drawn_where_read_as_the_whole_page_turned(angle):
    """Turned draws only the boxes read, pixel for pixel as Pillow's rotate draws the whole
    page; its blank boxes come out white."""
    import numpy as np
    from PIL import Image, ImageDraw

    from parsers.formats.ocr.deskew import Turned
    from synthetic.render_pdf import render_pdf

    page = next(rasterise(render_pdf(generate_report(24)), 300))
    whole = np.asarray(page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255))
    turned = Turned(page, angle)
    w, h = page.size
    for x0, y0, x1, y1 in [(0, 0, w, h), (100, 200, 900, 260), (w - 300, h - 90, w, h)]:
        got = np.asarray(turned.crop((x0, y0, x1, y1)))
        assert np.array_equal(got, whole[y0:y1, x0:x1])
    ys, xs = np.nonzero(whole < 100)
    x, y = int(xs[len(xs) // 2]), int(ys[len(ys) // 2])  # a pixel of ink
    boxes = [(150, 210, 400, 240), (x - 60, y - 20, x, y + 20)]
    blank = turned.blanked(boxes)
    painted = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    draw = ImageDraw.Draw(painted)
    for box in boxes:
        draw.rectangle(box, fill=255)
    painted = np.asarray(painted)
    # a crop that cuts a box, one that starts on a box's last column (inked), one on its
    # last row
    for x0, y0, x1, y1 in [
        (100, 200, 900, 260),
        (x, y - 30, x + 50, y + 30),
        (x - 50, y + 20, x + 10, y + 40),
    ]:
        got = np.asarray(blank.crop((x0, y0, x1, y1)))
        assert np.array_equal(got, painted[y0:y1, x0:x1])
    assert (np.asarray(blank.crop((100, 200, 900, 260)))[10:41, 50:301] == 255).all()
    rough = np.asarray(turned.coarse())  # nearest neighbour: near the bicubic page
    assert rough.shape == whole.shape
    assert np.mean(np.abs(rough.astype(int) - whole)) < 8


def test_a_scan_read_as_tasks_is_its_pages_read_one_by_one():
    """ocr_pdf reads a report's tables and text as tasks of their own across threads, pages
    rendered meanwhile: the blocks, their order and pages and cell boxes, and the notes are
    those of each page read whole, one after another."""
    import pypdfium2 as pdfium

    from parsers.formats.ocr.pages import DPI, drawn, ocr_page, ocr_pdf, scale_boxes
    from synthetic.render_pdf import render_pdf

    report = generate_report(22)
    src = pdfium.PdfDocument(render_pdf(report))
    tables = next(
        i for i in range(len(src)) if "本年新收" in src[i].get_textpage().get_text_range()
    )
    picked = pdfium.PdfDocument.new()
    picked.import_pages(src, [0, tables, len(src) - 1])  # text, a table, the last page
    buf = io.BytesIO()
    picked.save(buf)
    scan = scan_pdf_bytes(buf.getvalue(), seed=22)

    doc = ocr_pdf(scan)
    one_by_one, confs = [], []
    for n, page in enumerate(pdfium.PdfDocument(scan), 1):
        blocks, c, _ = ocr_page(drawn(page, DPI / 72), n)
        one_by_one += blocks
        confs += c
    scale_boxes(one_by_one, 72 / DPI)
    assert [(b.kind, b.page) for b in doc.blocks] == [(b.kind, b.page) for b in one_by_one]
    assert {b.page for b in doc.blocks} == {1, 2, 3}
    assert any(b.kind == "table" for b in doc.blocks)
    assert [b.text for b in doc.blocks] == [b.text for b in one_by_one]
    assert [[(c.text, c.pos) for r in b.table.rows for c in r] for b in doc.blocks if b.table] == [
        [(c.text, c.pos) for r in b.table.rows for c in r] for b in one_by_one if b.table
    ]
    assert f"mean confidence {sum(confs) / len(confs):.1f}" in doc.notes[0]
    assert "3 page(s)" in doc.notes[0]


def test_a_page_that_fails_stops_the_scan_and_later_pages_are_not_rendered(monkeypatch):
    """Pages are taken from the renderer only a few ahead of those being read, and a page
    that fails cancels what is queued: a broken page 1 of 40 raises at once, and the rest are
    neither rendered nor read."""
    import os
    import time

    from PIL import Image

    from parsers.formats.ocr import pages as ocr_pages

    real, calls, pulled = ocr_pages.prepare_page, [], []

    def found(gray, layer=None):
        calls.append(gray)
        if len(calls) == 1:
            raise ValueError("a broken page")
        time.sleep(0.2)  # the others take a while: queued ones are cancelled, not run
        return real(gray, layer)

    def rendered():
        for n in range(1, 41):
            pulled.append(n)
            yield Image.new("L", (300, 300), 255), n, None

    monkeypatch.setattr(ocr_pages, "prepare_page", found)
    with pytest.raises(ValueError, match="a broken page"):
        ocr_pages._ocr_pages(rendered())
    workers = min(os.cpu_count() or 1, 4)
    assert len(pulled) <= ocr_pages.AHEAD * workers + 1
    time.sleep(0.5)  # had they not been cancelled, the queued pages would be read by now
    assert len(calls) <= 1 + workers < len(pulled)


def test_min3_is_pillows_min_filter():
    """The rulings' thickening: each pixel the darkest of its 3x3 neighbourhood, the edges
    repeated outwards, as Pillow's MinFilter(3) draws it."""
    import random

    import numpy as np
    from PIL import Image, ImageFilter

    from parsers.formats.ocr.grid import min3

    rng = random.Random(5)
    img = Image.new("L", (57, 31), 255)
    img.putdata([0 if rng.random() < 0.08 else rng.choice((255, 200, 90)) for _ in range(57 * 31)])
    assert min3(img).tolist() == np.asarray(img.filter(ImageFilter.MinFilter(3))).tolist()


def _picture_pdf(img, dpi: int = 150) -> bytes:
    """A PDF page the size of `img` (at `dpi`) that is only that picture."""
    buf = io.BytesIO()
    if img.mode == "1":  # Pillow keeps it 1 bit a pixel
        img.save(buf, "PDF", resolution=dpi)
        return buf.getvalue()
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    w, h = img.width * 72 / dpi, img.height * 72 / dpi
    c = canvas.Canvas(buf, pagesize=(w, h))
    c.drawImage(ImageReader(img), 0, 0, w, h, mask="auto")
    c.showPage()
    c.save()
    return buf.getvalue()


@pytest.mark.parametrize(
    "kind", ["scan", "transparent", "text", "annotated", "one-bit", "fine", "cropped"]
)
def test_a_page_is_drawn_as_pdfium_renders_it(kind):
    """A scanned page drawn larger than it was scanned is its picture scaled by OpenCV (not
    rendered by pdfium): the same pixels within two grey levels but at a few edges,
    transparent parts white. Any other page is rendered by pdfium: one with text, an
    annotation, a 1-bit picture, a picture finer than the page drawn, or a crop box the
    picture does not fill."""
    import numpy as np
    import pypdfium2 as pdfium
    import pypdfium2.raw as praw
    from PIL import Image, ImageDraw

    from parsers.formats.ocr.pages import _scan_picture, drawn
    from synthetic.render_pdf import render_pdf

    scan = scan_pdf_bytes(render_pdf(generate_report(3)), seed=3)
    img = Image.new("RGBA", (600, 800), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rectangle((100, 100, 500, 300), fill=(20, 40, 200, 255))
    d.rectangle((100, 400, 500, 700), fill=(200, 30, 30, 128))
    data = {
        "scan": scan,
        "annotated": scan,
        "cropped": scan,
        "transparent": _picture_pdf(img),
        "text": render_pdf(generate_report(3)),
        "one-bit": _picture_pdf(img.convert("L").point(lambda v: 255 if v > 100 else 0, "1")),
        "fine": _picture_pdf(img.convert("L"), dpi=600),
    }[kind]
    page = pdfium.PdfDocument(data)[0]
    if kind == "annotated":
        praw.FPDFPage_CloseAnnot(praw.FPDFPage_CreateAnnot(page.raw, praw.FPDF_ANNOT_SQUARE))
    if kind == "cropped":
        page.set_cropbox(20, 30, 500, 700)
    assert (_scan_picture(page, 300 / 72) is None) == (kind not in ("scan", "transparent"))
    want = np.asarray(page.render(scale=300 / 72, grayscale=True).to_pil().convert("L"), np.int16)
    got = np.asarray(drawn(page, 300 / 72), np.int16)
    assert got.shape == want.shape
    off = np.abs(got - want)
    if kind not in ("scan", "transparent"):
        assert off.max() == 0
    else:  # at a picture's sharp edges the two bilinear scalings may differ by a few levels
        assert (off <= 2).mean() > 0.99 and off.max() <= 16 and off.mean() < 0.5
    if kind == "transparent":
        assert got[50, 50] == 255 and got[400, 600] < 100 and 120 < got[1100, 600] < 220


@pytest.mark.parametrize("failing", ["get_bitmap", "get_metadata"])
def test_a_scan_picture_pdfium_cannot_decode_is_rendered(failing, monkeypatch):
    """Where pdfium cannot tell the picture's kind or decode it, the page is rendered as
    before: no scan fails on the faster path."""
    import numpy as np
    import pypdfium2 as pdfium

    from parsers.formats.ocr.pages import drawn
    from synthetic.render_pdf import render_pdf

    def fail(*a, **k):
        raise pdfium.PdfiumError("cannot")

    page = pdfium.PdfDocument(scan_pdf_bytes(render_pdf(generate_report(3)), seed=3))[0]
    monkeypatch.setattr(pdfium.PdfImage, failing, fail)
    want = page.render(scale=300 / 72, grayscale=True).to_pil().convert("L")
    assert np.array_equal(np.asarray(drawn(page, 300 / 72)), np.asarray(want))


def test_a_cell_printed_light_on_a_dark_fill_is_read():
    """Tesseract reads the cells without its inverted second look: a cell printed white on
    a dark fill is turned dark on light first, and reads as printed."""
    from PIL import Image, ImageDraw, ImageFont

    from parsers.formats.ocr.cells import _ink_crop, ocr_stacked
    from synthetic.render_pdf import FONT_PATH

    font = ImageFont.truetype(FONT_PATH, 36)
    page = Image.new("L", (900, 120), 255)
    d = ImageDraw.Draw(page)
    d.rectangle((0, 0, 899, 119), fill=40)
    boxes = [(0, 0, 200, 120), (200, 0, 500, 120), (500, 0, 900, 120)]
    for (x0, _, _, _), text in zip(boxes, ["0", "123", "申请人数"], strict=True):
        d.text((x0 + 40, 40), text, font=font, fill=255)
    crops = [_ink_crop(page, b) for b in boxes]
    assert all(c is not None and c.getpixel((0, 0)) == 255 for c in crops)
    assert ocr_stacked(crops)[0] == ["0", "123", "申请人数"]


def test_the_cells_are_read_without_tesseracts_inverted_look(monkeypatch):
    """Every tesseract reading of the cells' sheets is told not to try the picture inverted
    (cells.NO_INVERT): on dark-on-light cells that look took zeros for 6, 10, 9 or 8."""
    from PIL import Image, ImageDraw

    import parsers.formats.ocr.cells as ocr

    seen = []

    def recording(img, psm=3, lang=ocr.LANG, config=()):
        seen.append(config)
        return []

    monkeypatch.setattr(ocr, "tesseract", recording)
    monkeypatch.setattr(ocr, "tesseract_each", lambda imgs, **k: [recording(i, **k) for i in imgs])
    img = Image.new("L", (120, 60), 255)
    ImageDraw.Draw(img).rectangle((30, 20, 60, 40), fill=0)
    ocr.ocr_stacked([img])
    ocr.ocr_stacked([img], lang="eng", config=(ocr.DIGITS,))
    assert len(seen) == 4 and all(ocr.NO_INVERT in c for c in seen)
