"""Scans' running text read by PP-OCRv4 with int8 weights (parsers/formats/ocr/ppocr.py), and
tesseract where those models are not prepared."""

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
    not ppocr.available(),
    reason="int8 OCR models not prepared (scripts/quantize_ocr.py, run by scripts/setup.sh)",
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
@pytest.mark.parametrize("told", [None, 960], ids=["default", "960"])
def test_the_detector_sees_an_inked_page_at_its_side(told):
    """The detector sees an A4 page at 300 dpi scaled to the reader's det_side (ppocr.DET_SIDE
    unless told; its inked part only, in steps of 32); the lines come back in the page's own
    pixels."""
    from PIL import Image

    page = Image.new("L", (2480, 3508), 255)
    page.paste(_two_lines(), (60, 60))
    page.paste(_two_lines(), (1000, 3000))
    d = ppocr.model_dir()
    more = {} if told is None else {"det_side": told}
    r = ppocr.Reader(d / ppocr.DET_MODEL, d / ppocr.REC_MODEL, **more)
    side = told or ppocr.DET_SIDE
    r.det = _quantize_ocr().Recording(r.det)  # keeps what the detector is given
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
    for name in (ppocr.DET_MODEL, ppocr.REC_MODEL):
        (tmp_path / name).symlink_to(d / name)
    with ppocr.reader():
        pass
    assert str(d) in ppocr._idle
    monkeypatch.setenv("OGI_OCR_MODELS", str(tmp_path))
    with ppocr.reader() as r:
        assert r.rec.get_modelmeta().custom_metadata_map["character"]
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
    assert any(n.startswith("ocr: text PP-OCRv4 int8") for n in doc.notes)
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
    monkeypatch.setenv("OGI_OCR_MODELS", str(tmp_path / "m"))
    assert ppocr.model_dir() == tmp_path / "m"
    monkeypatch.delenv("OGI_OCR_MODELS")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert (
        ppocr.model_dir() == tmp_path / "cache" / "ogi-archive" / f"ppocr-v4-int8-r{ppocr.RECIPE}"
    )


def _quantize_ocr():
    import importlib.util

    script = Path(__file__).resolve().parents[1] / "scripts" / "quantize_ocr.py"
    spec = importlib.util.spec_from_file_location("quantize_ocr", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("which", [0, 1], ids=["detector", "recogniser"])
def test_folding_the_models_changes_no_output(which, tmp_path):
    """scripts/quantize_ocr.py folds scales, shifts and HardSwish chains away before it
    quantizes: the fp32 model after folding answers as before, with the chains gone."""
    from collections import Counter

    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx import version_converter
    from onnxruntime.quantization.shape_inference import quant_pre_process

    fold = _quantize_ocr().fold

    src = ppocr.wheel_models()[which]
    quant_pre_process(str(src), str(tmp_path / "pre.onnx"), skip_symbolic_shape=True)
    before = version_converter.convert_version(onnx.load(str(tmp_path / "pre.onnx")), 14)
    ops = Counter(n.op_type for n in before.graph.node)
    after = fold(onnx.load_from_string(before.SerializeToString()))
    onnx.checker.check_model(after)
    folded = Counter(n.op_type for n in after.graph.node)
    assert folded["HardSwish"] > 20 and folded["Clip"] == ops["Clip"] - folded["HardSwish"]
    assert folded["Mul"] < ops["Mul"] - 2 * folded["HardSwish"]  # scales went into convolutions
    so = ort.SessionOptions()
    so.log_severity_level = 3
    runs = [ort.InferenceSession(m.SerializeToString(), so) for m in (before, after)]
    rng = np.random.default_rng(1)
    shape = (1, 3, 320, 256) if which == 0 else (1, 3, 48, 480)
    x = rng.uniform(-1, 1, shape).astype(np.float32)
    a, b = (r.run(None, {r.get_inputs()[0].name: x})[0] for r in runs)
    assert np.abs(a - b).max() < 1e-3


def _island(a: float | None, b: float = 0.0):
    """x → quantize → dequantize → HardSwish (→ ·a → +b) → quantize: the shape onnxruntime's
    quantizer leaves round an activation it does not quantize (a None: no affine block)."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    consts = {
        "s0": np.float32(0.05),  # x in [-6.4, 6.35]: HardSwish's curve and both flat parts
        "z0": np.uint8(128),
        "s2": np.float32(0.03),
        "z2": np.uint8(40),
        "a": np.array([a or 1.0], np.float32),
        "b": np.array([b], np.float32),
    }
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "s0", "z0"], ["q"]),
        helper.make_node("DequantizeLinear", ["q", "s0", "z0"], ["d"]),
        helper.make_node("HardSwish", ["d"], ["h"]),
    ]
    if a is not None:
        nodes += [
            helper.make_node("Mul", ["a", "h"], ["m"]),
            helper.make_node("Add", ["m", "b"], ["y"]),
        ]
    nodes.append(helper.make_node("QuantizeLinear", [nodes[-1].output[0], "s2", "z2"], ["out"]))
    graph = helper.make_graph(
        nodes,
        "island",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [256])],
        [helper.make_tensor_value_info("out", TensorProto.UINT8, [256])],
        [
            numpy_helper.from_array(v, k)
            for k, v in consts.items()
            if a is not None or k not in ("a", "b")
        ],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])


@pytest.mark.parametrize("a,b", [(None, 0.0), (0.53, 0.157), (1.98, -0.75)])
def test_hardswish_on_int8_values_answers_as_the_fp32_island(a, b):
    """scripts/quantize_ocr.py's int8_activations: each of the 256 inputs comes out as the
    dequantize → HardSwish (→ ·a → +b) → quantize island gave it, within one step of the
    output's scale (the hard sigmoid is held in 1/255 steps, a shift b in whole steps)."""
    from collections import Counter

    import numpy as np
    import onnx
    import onnxruntime as ort

    before = _island(a, b)
    after = _quantize_ocr().int8_activations(onnx.load_from_string(before.SerializeToString()))
    ops = Counter(n.op_type for n in after.graph.node)
    assert ops["HardSwish"] == ops["DequantizeLinear"] == ops["Mul"] == ops["Add"] == 0
    so = ort.SessionOptions()
    so.log_severity_level = 3
    x = (np.arange(256, dtype=np.float32) - 128) * np.float32(0.05)  # every uint8 input
    want, got = (
        ort.InferenceSession(m.SerializeToString(), so).run(None, {"x": x})[0].astype(int)
        for m in (before, after)
    )
    assert np.abs(want - got).max() <= 1
    assert len(set(want.tolist())) > 60  # many outputs, not a flat line


def test_an_activation_the_int8_operators_cannot_hold_stays_as_it_was():
    """A negative scale after HardSwish (it would turn x's scale negative) is left in fp32."""
    import onnx

    before = _island(-0.5, 0.1)
    after = _quantize_ocr().int8_activations(onnx.load_from_string(before.SerializeToString()))
    assert [n.op_type for n in after.graph.node] == [n.op_type for n in before.graph.node]
