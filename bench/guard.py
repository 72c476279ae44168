"""How fast the guarded runner kills and refuses (the tests check only that it does).

    .venv/bin/python bench/guard.py [--repeat 3]

Prints, with the load average: the wall time of each case (median of --repeat runs) and, for
a case stopped at a limit, how long after the limit the result came back:
- time limit: a LibreOffice conversion, and a parser whose helper sleeps, stopped at 1 s;
- memory bound: two helpers of 150 MB against 200 MB, stopped by the watch (no time limit);
- refusals: a 200 MB file refused by its size (no child, nothing read), and the hostile files
  of tests/hostile.py (encrypted, truncated, bombs, 2000 pages, nesting);
- the runner's own cost: a small text report in a forked child against the same in-process.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import hostile  # noqa: E402  (tests/hostile.py: hostile files made on the fly)
import parsers  # noqa: E402
from parsers.runner import run_guarded  # noqa: E402
from synthetic.render_doc import render_doc  # noqa: E402
from synthetic.render_pdf import render_pdf  # noqa: E402
from synthetic.render_text import render_text  # noqa: E402
from synthetic.report import generate_report  # noqa: E402

LIMITS = dict(timeout_s=60, memory_mb=1024)


def timed(fn, repeat: int):
    """(median seconds, last result) of fn() over `repeat` runs."""
    times, res = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        res = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), res


def with_parser(parse, **limits):
    """Run a guarded extraction with parsers.parse_bytes replaced (the forked child runs it)."""
    real = parsers.parse_bytes
    parsers.parse_bytes = parse
    try:
        return run_guarded(b"x", **limits)
    finally:
        parsers.parse_bytes = real


def sleeper(*a, **k):
    subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(3600)"], start_new_session=True
    )
    time.sleep(3600)


def hog(*a, **k):
    code = "import time; b = b'x' * (150 * 2**20); time.sleep(3600)"
    for _ in range(2):
        subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    time.sleep(3600)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    load0 = os.getloadavg()
    report = generate_report(41)
    pdf = render_pdf(report)
    doc = render_doc(generate_report(32))
    text = render_text(report)
    rows = []

    def case(name, fn, limit=None):
        seconds, res = timed(fn, args.repeat)
        after = f"{seconds - limit:+.2f}" if limit is not None else ""
        rows.append((name, seconds, after, res.status, (res.error or "")[:48]))

    case(
        "time limit 1 s: LibreOffice",
        lambda: run_guarded(doc, name="slow.doc", timeout_s=1.0, memory_mb=1024),
        limit=1.0,
    )
    case(
        "time limit 1 s: sleeping helper",
        lambda: with_parser(sleeper, timeout_s=1.0, memory_mb=200),
        limit=1.0,
    )
    case("memory 200 MB: helpers 2 x 150 MB", lambda: with_parser(hog, timeout_s=60, memory_mb=200))
    with tempfile.TemporaryDirectory() as tmp:
        huge = Path(tmp) / "huge.pdf"
        hostile.sparse_file(huge, 200 * 2**20)
        case("size: 200 MB refused unread", lambda: run_guarded(huge, **LIMITS))
    for name, data, fname in [
        ("empty file", b"", "empty.pdf"),
        ("truncated PDF", pdf[: len(pdf) * 6 // 10], "cut.pdf"),
        ("encrypted PDF", hostile.encrypted_pdf(), "locked.pdf"),
        ("encrypted DOCX", hostile.encrypted_docx(), "locked.docx"),
        ("DOCX zip bomb (300 MB)", hostile.docx_bomb(300), "bomb.docx"),
        ("PDF of 2000 pages", hostile.pdf_with_pages(2000), "long.pdf"),
        ("HTML nested 100000 deep", hostile.nested_html(100_000), "deep.html"),
    ]:
        case(
            f"hostile: {name}",
            lambda data=data, fname=fname: run_guarded(data, name=fname, **LIMITS),
        )
    case("runner: text report, forked child", lambda: run_guarded(text, name="r.txt", **LIMITS))
    t_in, _ = timed(lambda: parsers.extract_bytes(text, name="r.txt"), args.repeat)
    load1 = os.getloadavg()
    print(
        f"load average {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} before, "
        f"{load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f} after; median of {args.repeat} runs"
    )
    print(f"{'case':40} {'seconds':>8} {'past limit':>10}  {'status':12} reason")
    for name, seconds, after, status, error in rows:
        print(f"{name:40} {seconds:8.3f} {after:>10}  {status:12} {error}")
    print(f"{'runner: text report, in-process':40} {t_in:8.3f}")


if __name__ == "__main__":
    main()
