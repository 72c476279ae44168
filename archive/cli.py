"""`ogi build`, `ogi serve`, `ogi export`, `ogi search`: thin layers over archive functions."""
from __future__ import annotations

import json


def register(sub) -> None:
    p = sub.add_parser("build", help="parse new captures into the archive's report tables")
    _archive_arg(p)
    p.add_argument("--workers", type=int, default=None, help="parallel parser processes "
                   "(default: number of CPUs)")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per document")
    p.add_argument("--memory", type=int, default=1536, help="MB per document")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.set_defaults(func=run_build)

    p = sub.add_parser("serve", help="publish the archive with datasette (read-only)")
    _archive_arg(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8001)
    p.set_defaults(func=run_serve)

    p = sub.add_parser("export", help="write the canonical tables as CSV or Parquet")
    _archive_arg(p)
    p.add_argument("--out", help="output directory (default ARCHIVE/export)")
    p.add_argument("--format", choices=["csv", "parquet"], default="csv")
    p.add_argument("--bom", action="store_true",
                   help="CSV with a byte order mark, so that Excel reads the Chinese")
    p.set_defaults(func=run_export)

    p = sub.add_parser("search", help="full-text search of the archive's reports")
    _archive_arg(p)
    p.add_argument("query", help="Chinese words or phrases; spaces separate required terms")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--other-documents", action="store_true",
                   help="search the documents that are not reports instead")
    p.set_defaults(func=run_search)


def _archive_arg(p) -> None:
    p.add_argument("--archive", metavar="DIR",
                   help="archive directory (default $OGI_ARCHIVE or ./data)")


def run_build(args) -> int:
    from archive.build import build
    stats = build(args.archive, workers=args.workers, timeout=args.timeout,
                  mem_mb=args.memory, progress=not args.no_progress)
    if args.json:
        print(json.dumps(stats.as_dict(), ensure_ascii=False))
    else:
        print(build_summary(stats.as_dict()))
    return 0


def build_summary(s: dict) -> str:
    """`ogi build`'s closing lines, for a person."""
    if not s.get("pending"):
        return "nothing new to parse: every capture is parsed by this parser version"
    failed = s.get("failed") or {}
    parts = [f"{s.get('ok', 0)} with the report tables",
             f"{s.get('no_tables', 0)} without (not a report, or a page around one)"]
    if failed:
        parts.append(f"{sum(failed.values())} failed ("
                     + ", ".join(f"{k} {v}" for k, v in sorted(failed.items())) + ")")
    return (f"parsed {s['pending']} new document(s): " + "; ".join(parts) + "\n"
            "per-portal health, with the reports each portal yields: ogi health")


def run_serve(args) -> int:
    from archive.publish import serve
    serve(args.archive, host=args.host, port=args.port)
    return 0


def run_export(args) -> int:
    from archive.export import export
    for path in export(args.archive, args.out, args.format, bom=args.bom):
        print(path)
    return 0


def run_search(args) -> int:
    from archive import search
    from archive.schema import archive_dir, open_db
    db = open_db(archive_dir(args.archive))
    table = "other_documents" if args.other_documents else "reports"
    for rid, body, year, title, context in search.find(db, args.query, args.limit, table):
        print(f"{rid}\t{year}\t{body}\t{title}\n\t{context}")
    return 0
