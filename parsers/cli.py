"""`ogi extract`: extraction records of report files, one JSON object per line or per file.

Each file is extracted in a child process under a time limit and a memory bound
(parsers/guard.py), so a hostile file costs only itself; the batch goes on.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from parsers.runner import MEMORY_MB, TIMEOUT_S, run_many


def register(sub) -> None:
    p = sub.add_parser("extract", help="extract the canonical tables and checks of report files",
                       description="Print the extraction record of each file (JSON, one per line), "
                                   "or write DIR/<file stem>.json with --out. A file that cannot be "
                                   "read gives one line on stderr and a non-zero exit status.")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--out", metavar="DIR", help="write one <stem>.json per file into DIR")
    p.add_argument("--timeout", type=float, default=TIMEOUT_S, metavar="S",
                   help=f"seconds allowed per file (default {TIMEOUT_S:g})")
    p.add_argument("--memory", type=int, default=MEMORY_MB, metavar="MB",
                   help=f"memory a file's extraction may add (default {MEMORY_MB})")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="files extracted at once (default: the number of CPUs)")
    p.set_defaults(func=run_extract)


def run_extract(args) -> int:
    out = Path(args.out) if args.out else None
    if out:
        out.mkdir(parents=True, exist_ok=True)

    failed = 0
    results = run_many(args.paths, workers=args.jobs, timeout_s=args.timeout,
                       memory_mb=args.memory)  # in input order
    for path, result in results:
        if not result.ok:
            failed += 1
            print(f"{path}: {result.error}", file=sys.stderr, flush=True)
            continue
        text = json.dumps(result.record, ensure_ascii=False)
        if out:
            (out / f"{Path(path).stem}.json").write_text(text + "\n", encoding="utf-8")
        else:
            print(text, flush=True)
    return 1 if failed else 0
