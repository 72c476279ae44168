"""Make the int8 PP-OCRv4 models the scans' running text is read with
(parsers/formats/ocr/ppocr.py), from the fp32 models inside the rapidocr-onnxruntime wheel.

    .venv/bin/python scripts/quantize_ocr.py [--force]

Static quantization (onnxruntime.quantization, QDQ: int8 weights per channel, uint8
activations), calibrated with MinMax on the running text of synthetic scans (fixed seeds, so
the same inputs each time): the detector on 4 pages, the recogniser on 60 of their lines, as
the reader feeds them. The models are first made ONNX opset 13 (per-channel QDQ needs it) with
their constants as initializers (onnxruntime's quant_pre_process). Written to
ppocr.model_dir() under a lock, through a temporary folder renamed into place; scripts/setup.sh
runs this. Takes about a minute on one core.
"""

from __future__ import annotations

import argparse
import fcntl
import logging
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parsers.formats.ocr import ppocr  # noqa: E402

SEED = 99  # the calibration scans' reports (the benchmarks use other seeds)
DET_PAGES = 4
REC_LINES = 60


class Recording:
    """An onnxruntime session that keeps every input it is given (the calibration data)."""

    def __init__(self, session):
        self.session, self.inputs = session, []

    def get_inputs(self):
        return self.session.get_inputs()

    def get_modelmeta(self):
        return self.session.get_modelmeta()

    def run(self, names, feed):
        self.inputs.append(next(iter(feed.values())))
        return self.session.run(names, feed)


def calibration_inputs(det: Path, rec: Path) -> tuple[list, list]:
    """What the fp32 reader feeds its two models on the running text of synthetic scans."""
    from PIL import Image, ImageDraw

    from parsers.formats.ocr.grid import INK, find_tables
    from parsers.formats.ocr.pages import skew
    from synthetic.render_scan import rasterise, render_scan
    from synthetic.report import generate_report

    reader = ppocr.Reader(det, rec)
    reader.det, reader.rec = Recording(reader.det), Recording(reader.rec)
    pages = rasterise(render_scan(generate_report(SEED, pages=6), seed=SEED), dpi=300)
    for _, gray in zip(range(DET_PAGES), pages, strict=False):
        angle = skew(gray)
        gray = gray.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
        draw = ImageDraw.Draw(gray)
        for t in find_tables(gray.point(lambda v: 0 if v < INK else 255)):
            draw.rectangle((t.xs[0] - 6, t.ys[0] - 6, t.xs[-1] + 6, t.ys[-1] + 6), fill=255)
        reader.lines(gray)
    lines = reader.rec.inputs
    step = max(1, len(lines) // REC_LINES)
    return reader.det.inputs, lines[::step][:REC_LINES]


def quantize(src: Path, out: Path, inputs: list, tmp: Path) -> None:
    import onnx
    from onnx import version_converter
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Feed(CalibrationDataReader):
        def __init__(self, name: str):
            self.it = iter([{name: x} for x in inputs])

        def get_next(self):
            return next(self.it, None)

    pre, pre13 = tmp / f"{src.stem}.pre.onnx", tmp / f"{src.stem}.13.onnx"
    quant_pre_process(str(src), str(pre), skip_symbolic_shape=True)
    model = version_converter.convert_version(onnx.load(str(pre)), 13)
    onnx.save(model, str(pre13))
    name = model.graph.input[0].name
    quantize_static(
        str(pre13),
        str(out),
        Feed(name),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        calibrate_method=CalibrationMethod.MinMax,
    )
    q = onnx.load(str(out))  # keep the source's metadata: the recogniser's dictionary
    onnx.helper.set_model_props(q, {p.key: p.value for p in onnx.load(str(src)).metadata_props})
    onnx.save(q, str(out))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--force", action="store_true", help="remake the models even if present")
    args = ap.parse_args(argv)
    logging.disable(logging.WARNING)  # the quantiser's advice to pre-process: done above
    target = ppocr.model_dir()
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another setup making them at the same time waits
        if ppocr.available() and not args.force:
            print(f"int8 OCR models present in {target}")
            return
        det, rec = ppocr.wheel_models()
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".quantize-") as tmp:
            work = Path(tmp)
            det_in, rec_in = calibration_inputs(det, rec)
            (work / "out").mkdir()
            quantize(det, work / "out" / ppocr.DET_MODEL, det_in, work)
            quantize(rec, work / "out" / ppocr.REC_MODEL, rec_in, work)
            if target.exists():
                shutil.rmtree(target)
            (work / "out").rename(target)
        print(f"int8 OCR models written to {target} ({len(det_in)} pages, {len(rec_in)} lines)")


if __name__ == "__main__":
    main()
