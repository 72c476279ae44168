"""Two threads reading scanned text lines at once: on one shared onnxruntime session, and on a
session each (what parsers/formats/ocr/ppocr.reader gives), against one thread alone.

    .venv/bin/python bench/ocr_threads.py [--n 2] [--seed 1] [--rounds 3]

The lines are those PP-OCR's detector finds on bench/ocr_text.py's pages (deskewed, tables
blanked). Each way reads every line once per round, the ways taking turns round by round.
Prints the load average, and per way the wall clock, the process's CPU and lines per second.
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


def line_crops(n: int, seed: int) -> list:
    with ppocr.reader() as r:
        crops = []
        for img, _ in pages(seed, n):
            w, h = img.size
            for x0, y0, x1, y1 in r.boxes(img):
                box = (max(0, int(x0)), max(0, int(y0)), min(w, int(x1) + 1), min(h, int(y1) + 1))
                if box[2] - box[0] >= 4 and box[3] - box[1] >= 4:
                    crops.append(img.crop(box))
    return crops


def in_threads(crops: list, readers: list) -> None:
    """Each reader reads every len(readers)-th line in a thread of its own."""
    k = len(readers)
    threads = [
        threading.Thread(target=lambda i=i: [readers[i].read_line(c) for c in crops[i::k]])
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
        sys.exit(f"no int8 models in {d}: run scripts/quantize_ocr.py")
    crops = line_crops(args.n, args.seed)
    one, other = (ppocr.Reader(d / ppocr.DET_MODEL, d / ppocr.REC_MODEL) for _ in range(2))
    ways = {
        "one thread": [one],
        "two threads, one shared session": [one, one],
        "two threads, a session each": [one, other],
    }
    for readers in ways.values():  # first use outside the clock
        in_threads(crops[:4], readers)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{len(crops)} lines, {args.rounds} rounds")
    total = {name: [0.0, 0.0] for name in ways}
    for k in range(args.rounds):
        for name in list(ways) if k % 2 == 0 else list(ways)[::-1]:
            t0, c0 = time.perf_counter(), time.process_time()
            in_threads(crops, ways[name])
            total[name][0] += time.perf_counter() - t0
            total[name][1] += time.process_time() - c0
    print(f"{'way':34s} {'wall s':>8s} {'cpu s':>8s} {'lines/s':>8s}")
    for name, (wall, cpu) in total.items():
        print(f"{name:34s} {wall:8.2f} {cpu:8.2f} {len(crops) * args.rounds / wall:8.1f}")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
