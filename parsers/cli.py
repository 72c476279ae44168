"""`ogi extract`: extraction records of report files, one JSON object per line or per file."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from parsers import extract_file
from parsers.model import ParseError


def register(sub) -> None:
    p = sub.add_parser("extract", help="extract the canonical tables and checks of report files",
                       description="Print the extraction record of each file (JSON, one per line), "
                                   "or write DIR/<file stem>.json with --out.")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--out", metavar="DIR", help="write one <stem>.json per file into DIR")
    p.set_defaults(func=run_extract)


def run_extract(args) -> int:
    out = Path(args.out) if args.out else None
    if out:
        out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for path in args.paths:
        try:
            record = extract_file(path)
        except ParseError as e:
            failed += 1
            print(f"{path}: {e}", file=sys.stderr)
            continue
        except Exception as e:  # a parser bug must not stop the batch
            failed += 1
            print(f"{path}: internal error: {type(e).__name__}: {e}", file=sys.stderr)
            continue
        text = json.dumps(record, ensure_ascii=False)
        if out:
            (out / f"{Path(path).stem}.json").write_text(text + "\n", encoding="utf-8")
        else:
            print(text)
    return 1 if failed else 0
