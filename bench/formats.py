"""Cell accuracy and throughput of the DOC, WPS and scanned-PDF routes on generated reports.

    .venv/bin/python bench/formats.py [--n 10] [--formats doc,wps,scan] [--seed 1000]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parsers import extract_bytes  # noqa: E402
from synthetic.render_doc import render_doc, render_wps  # noqa: E402
from synthetic.render_scan import render_scan  # noqa: E402
from synthetic.report import generate_report  # noqa: E402
from synthetic.score import Score, _cells, _same, score  # noqa: E402


def null_wrong(truth: dict, got: dict) -> tuple[int, int]:
    """Cells left null where the truth has a number (blank or unreadable: safe), and cells
    with a number that is not the truth (wrong: the ones a journalist would quote)."""
    want, have = _cells(truth.get("tables")), _cells(got.get("tables"))
    null = sum(1 for p, v in want.items() if v is not None and have.get(p) is None)
    wrong = sum(1 for p, v in want.items() if have.get(p) is not None and not _same(v, have[p]))
    wrong += sum(1 for p in have.keys() - want.keys() if have[p] is not None)
    return null, wrong

RENDER = {"doc": (render_doc, "report.doc"), "wps": (render_wps, "report.wps"),
          "scan": (render_scan, "report.pdf")}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--formats", default="doc,wps,scan")
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args(argv)
    for fmt in a.formats.split(","):
        render, name = RENDER[fmt]
        total, seconds, size = Score(), 0.0, 0
        nulls = wrongs = 0
        for seed in range(a.seed, a.seed + a.n):
            report = generate_report(seed)
            data = render(report)
            t = time.monotonic()
            record = extract_bytes(data, name=name)
            seconds += time.monotonic() - t
            size += len(data)
            s = score(report.record, record)
            total.add(s)
            n, w = null_wrong(report.record, record)
            nulls, wrongs = nulls + n, wrongs + w
            if a.verbose and s.wrong:
                print(f"  {fmt} seed {seed}: {s.accuracy:.4f}", s.wrong[:8])
        cells = max(total.cells, 1)
        print(f"{fmt:5} {a.n} reports  cells {total.accuracy:.2%} ({total.correct}/{total.cells})  "
              f"null {nulls / cells:.2%} ({nulls})  wrong {wrongs / cells:.2%} ({wrongs})  "
              f"{seconds / a.n:.1f} s/report  {size / seconds / 1e6:.2f} MB/s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
