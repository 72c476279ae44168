"""`ogi extract`: extraction records of report files, one JSON object per line or per file.

Each file is extracted in a child process under a time limit and a memory bound
(parsers/runner/), so a hostile file costs only itself; the batch goes on.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from parsers.runner import MEMORY_MB, TIMEOUT_S, run_many

DOC = """\
Print the extraction record of each file (PDF, HTML, DOCX, DOC/WPS, XLS/XLSX, scans, text):
one JSON object per line, in the order given, or one file per record with --out. The record
holds the title, body, year, template, the three statistical tables on their canonical keys,
the units printed in cells, the failed checks, the six sections and notes (docs/archive.md,
"The extraction record").

A file that cannot be read gives one line on stderr, FILE: reason. A file that is read but is
not an OGI annual report (no report tables and no report title: a notice, a blank form, any
other document) still gets its record, with the reason in its notes, and one line on stderr,
FILE: not an OGI report: kind (reason)."""

EPILOG = """\
exit status: 0 every file is an OGI report · 1 a file could not be read · 2 bad arguments ·
3 every file was read, but one is not an OGI report

--out names each record DIR/<file stem>.json; files whose stems collide (a/report.html,
b/report.pdf) are named by their path below the folder they share, extension kept:
DIR/a/report.html.json, DIR/b/report.pdf.json. No record ever replaces another of the run.

examples:
  ogi extract report.pdf
  ogi extract downloads/*.pdf --out records/
  ogi extract scan.pdf --timeout 600 --memory 3000"""

READ_FAILED, NOT_A_REPORT = 1, 3


def register(sub) -> None:
    p = sub.add_parser(
        "extract",
        help="extract the canonical tables and checks of report files",
        description=DOC,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="report files, in any format")
    p.add_argument(
        "--out",
        metavar="DIR",
        help="write one DIR/<stem>.json per file instead of printing the records",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=TIMEOUT_S,
        metavar="S",
        help=f"seconds allowed per file (default {TIMEOUT_S:g})",
    )
    p.add_argument(
        "--memory",
        type=int,
        default=MEMORY_MB,
        metavar="MB",
        help=f"memory a file's extraction may add (default {MEMORY_MB})",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="files extracted at once (default: the number of CPUs)",
    )
    p.set_defaults(func=run_extract)


def out_names(paths: list[str]) -> dict[str, Path]:
    """Where --out writes each path's record, relative to DIR: <stem>.json, unless another
    path of the batch has the same stem; then the path below the folder they share, with its
    extension (a/report.html, b/report.pdf → a/report.html.json, b/report.pdf.json)."""
    full = {p: Path(os.path.abspath(p)) for p in paths}
    by_stem: dict[str, set[Path]] = {}
    for f in full.values():
        by_stem.setdefault(f.stem, set()).add(f)
    names = {}
    for p, f in full.items():
        same = by_stem[f.stem]
        if len(same) == 1:
            names[p] = Path(f"{f.stem}.json")
        else:
            shared = Path(os.path.commonpath([g.parent for g in same]))
            names[p] = f.relative_to(shared).with_name(f.name + ".json")
    return names


def run_extract(args) -> int:
    from parsers.report import not_a_report

    out = Path(args.out) if args.out else None
    names = out_names(args.paths) if out else {}
    if out:
        out.mkdir(parents=True, exist_ok=True)

    status = 0
    results = run_many(
        args.paths, workers=args.jobs, timeout_s=args.timeout, memory_mb=args.memory
    )  # in input order
    for path, result in results:
        if not result.ok:
            status = READ_FAILED
            print(f"{path}: {result.error}", file=sys.stderr, flush=True)
            continue
        note = not_a_report(result.record)
        if note:
            status = status or NOT_A_REPORT
            print(f"{path}: {note}", file=sys.stderr, flush=True)
        text = json.dumps(result.record, ensure_ascii=False)
        if out:
            target = out / names[path]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text + "\n", encoding="utf-8")
        else:
            print(text, flush=True)
    return status
