"""`ogi build` throughput: N generated documents of mixed formats captured into a fresh
archive, then built by the real builder (archive.build: each document in a forked child of the
guarded runner, filed into SQLite) with W workers.

    .venv/bin/python bench/build.py --n 5000 --workers 2 --dir /work/bench-data-speed
                                    [--mix pdf=40,html=25,docx=15,text=5,ofd=5,mht=10] [--keep]

The documents are made before the clock starts (synthetic/: one report per seed, a layout drawn
per document, every file distinct), on all cores. Formats that run a helper program for
minutes per thousand (DOC/WPS through LibreOffice, scans through OCR) are left out of the
default mix: `bench/extract.py` measures them per report. Prints the load average before and
after, documents/s and pages of PDF/s (wall clock), and how the documents were filed. The
archive is deleted at the end unless --keep.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import time
from multiprocessing import Pool
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive.build import build  # noqa: E402
from archive.captures import CaptureStore  # noqa: E402
from archive.testing import add_portal, capture_body  # noqa: E402

PORTAL, REGION = "阳溪市人民政府", "371581"
TYPES = {
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "text": "text/plain",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "ofd": "application/ofd",
    "mht": "application/msword",
}
EXT = {"text": "txt", "mht": "doc"}  # an MHT is served as .doc, as portals do


def renderer(fmt: str):
    from synthetic import render_docx, render_html, render_mht, render_ofd, render_pdf, render_text

    return {
        "pdf": render_pdf.render_pdf,
        "html": render_html.render_html,
        "docx": render_docx.render_docx,
        "text": render_text.render_text,
        "ofd": render_ofd.render_ofd,
        "mht": render_mht.render_mht,
    }[fmt]


def make(job: tuple[int, str]) -> tuple[int, str, bytes]:
    """Document `i` in format `fmt`: its own report (seed), its own drawn layout."""
    from synthetic.report import generate_report

    i, fmt = job
    rng = random.Random(i)
    rep = generate_report(100_000 + i, pages=rng.randint(6, 10))
    layout = None if fmt == "text" else rng.choice([None, "split", "split", "template", "flat"])
    return i, fmt, renderer(fmt)(rep, layout=layout)


def formats(n: int, mix: str, seed: int) -> list[str]:
    weights = {k: float(v) for k, v in (p.split("=") for p in mix.split(","))}
    unknown = set(weights) - set(TYPES)
    if unknown:
        raise SystemExit(f"unknown format(s) in --mix: {', '.join(sorted(unknown))}")
    rng = random.Random(seed)
    return rng.choices(list(weights), weights=list(weights.values()), k=n)


def pdf_pages(data: bytes) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        return len(pdf)
    finally:
        pdf.close()


def capture_all(root: Path, n: int, mix: str, seed: int) -> tuple[dict, int]:
    """Make and capture the documents; ({format: count}, PDF pages)."""
    store = CaptureStore(root)
    add_portal(store, PORTAL, REGION)
    counts: dict[str, int] = {}
    pages = 0
    with Pool(os.cpu_count() or 2) as pool:
        for i, fmt, body in pool.imap_unordered(
            make, enumerate(formats(n, mix, seed)), chunksize=8
        ):
            url = f"http://yangxi.test/gk/{i}.{EXT.get(fmt, fmt)}"
            capture_body(
                store,
                body,
                url,
                PORTAL,
                crawl_id="bench",
                content_type=TYPES[fmt],
                kind="attachment",
                link_text="2024年政府信息公开工作年度报告",
            )
            counts[fmt] = counts.get(fmt, 0) + 1
            pages += pdf_pages(body) if fmt == "pdf" else 0
    store.close()
    return counts, pages


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--dir", type=Path, default=Path("/work/bench-data-speed"))
    ap.add_argument("--mix", default="pdf=40,html=25,docx=15,text=5,ofd=5,mht=10")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the archive")
    args = ap.parse_args(argv)
    root = args.dir / "archive"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    try:
        t0 = time.perf_counter()
        counts, pages = capture_all(root, args.n, args.mix, args.seed)
        print(
            f"made and captured {sum(counts.values())} documents "
            f"({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}; {pages} PDF pages) "
            f"in {time.perf_counter() - t0:.0f}s"
        )
        print("load average %.2f %.2f %.2f (build starts)" % os.getloadavg())
        t0 = time.perf_counter()
        stats = build(root, workers=args.workers, progress=False)
        elapsed = time.perf_counter() - t0
        print("load average %.2f %.2f %.2f (build ends)" % os.getloadavg())
        print(
            f"ogi build, {args.workers} workers: {stats.pending} documents in {elapsed:.1f}s = "
            f"{stats.pending / elapsed:.1f} documents/s ({stats.ok} with tables, "
            f"{stats.no_tables} without, failed {stats.failed or 0}; filed {stats.filed})"
        )
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        print(f"archive: {size / 2**20:.0f} MiB at {root}")
    finally:
        if not args.keep:
            shutil.rmtree(args.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
