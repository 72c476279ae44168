"""`ogi build`, `ogi serve`, `ogi export`, `ogi search`: thin layers over archive functions.

None of them makes an archive: without one (ARCHIVE/archive.db) they say where they looked and
how to make one, and exit 2 (ogi/cli.py prints archive.schema.ArchiveMissing).
"""

from __future__ import annotations

import argparse
import json

ARCHIVE_HELP = "archive directory (default: $OGI_ARCHIVE, else ./data; the demo's is data/demo)"
MISSING = "2 no archive there (nothing is created), or bad arguments"

BUILD_DOC = """\
Parse every capture the crawls stored that this parser version has not parsed yet: each
file is extracted in a forked child under a time limit and a memory bound; OGI annual reports
are filed as reports (one per body and year, copies as editions), everything else as other
documents, kept with why."""

SERVE_DOC = """\
Publish the archive with datasette, read-only: a snapshot (ARCHIVE/site/ogi.db, made again
only when the archive changed) served at http://HOST:PORT/ogi with the report and body pages,
the Chinese search, rankings, the feed, charts and the database download. Each request is
bounded (time, memory, result size); a bad request gets a 4xx and one line in the log."""

EXPORT_DOC = """\
Write the archive's tables (reports, bodies, editions, every table cell, checks, figures,
other documents, texts, change events) as one CSV (UTF-8, header row) or Parquet file each."""

SEARCH_DOC = """\
Full-text search of the archive's reports (or, with --other-documents, of everything else
it captured), in Chinese: one line per match (id, year, body, title) and the context."""


def register(sub) -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    p = sub.add_parser(
        "build",
        help="parse new captures into the archive's report tables",
        description=BUILD_DOC,
        formatter_class=fmt,
        epilog=f"exit status: 0 done (a document that fails is kept as "
        f"unreadable, with its reason) · {MISSING}",
    )
    _archive_arg(p)
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="parser processes at once (default: the number of CPUs)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        metavar="S",
        help="seconds allowed per document (default: 120)",
    )
    p.add_argument(
        "--memory",
        type=int,
        default=1536,
        metavar="MB",
        help="memory a document's extraction may add (default: 1536)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar on the terminal")
    p.add_argument(
        "--json", action="store_true", help="print the counts as JSON instead of the summary"
    )
    p.set_defaults(func=run_build)

    p = sub.add_parser(
        "serve",
        help="publish the archive with datasette (read-only)",
        description=SERVE_DOC,
        formatter_class=fmt,
        epilog=f"exit status: 0 stopped with Ctrl-C · {MISSING}, or the port is taken",
    )
    _archive_arg(p)
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this machine only; "
        "0.0.0.0 for every interface)",
    )
    p.add_argument("--port", type=int, default=8001, help="port to listen on (default: 8001)")
    p.set_defaults(func=run_serve)

    p = sub.add_parser(
        "export",
        help="write the archive's tables as CSV or Parquet",
        description=EXPORT_DOC,
        formatter_class=fmt,
        epilog=f"exit status: 0 written (the files are listed) · {MISSING}",
    )
    _archive_arg(p)
    p.add_argument("--out", metavar="DIR", help="output directory (default: ARCHIVE/export)")
    p.add_argument(
        "--format",
        choices=["csv", "parquet"],
        default="csv",
        help="csv (default) or parquet (needs pyarrow: pip install 'ogi-archive[parquet]')",
    )
    p.add_argument(
        "--bom",
        action="store_true",
        help="CSV with a byte order mark, so that Excel reads the Chinese",
    )
    p.set_defaults(func=run_export)

    p = sub.add_parser(
        "search",
        help="full-text search of the archive's reports",
        description=SEARCH_DOC,
        formatter_class=fmt,
        epilog=f"exit status: 0 searched (no line: nothing matched) · {MISSING}"
        "\n\nexamples:\n  ogi search 复议\n  ogi search '国家秘密 不予公开'"
        " --limit 50\n  ogi search --archive data/demo 泄密",
    )
    _archive_arg(p)
    p.add_argument(
        "query", help="Chinese words or phrases; spaces separate terms that must all occur"
    )
    p.add_argument(
        "--limit", type=int, default=20, metavar="N", help="at most N matches (default: 20)"
    )
    p.add_argument(
        "--other-documents",
        action="store_true",
        help="search the documents that are not reports instead",
    )
    p.set_defaults(func=run_search)


def _archive_arg(p) -> None:
    p.add_argument("--archive", metavar="DIR", help=ARCHIVE_HELP)


def run_build(args) -> int:
    from archive.build import build

    stats = build(
        args.archive,
        workers=args.workers,
        timeout=args.timeout,
        mem_mb=args.memory,
        progress=not args.no_progress,
    )
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
    parts = [
        f"{s.get('ok', 0)} with the report tables",
        f"{s.get('no_tables', 0)} without (not a report, or a page around one)",
    ]
    if failed:
        parts.append(
            f"{sum(failed.values())} failed ("
            + ", ".join(f"{k} {v}" for k, v in sorted(failed.items()))
            + ")"
        )
    return (
        f"parsed {s['pending']} new document(s): " + "; ".join(parts) + "\n"
        "per-portal health, with the reports each portal yields: ogi health"
    )


def run_serve(args) -> int:
    import sys

    from archive.publish import serve
    from archive.publish.serve import PortTaken

    try:
        serve(args.archive, host=args.host, port=args.port)
    except PortTaken as e:
        print(f"ogi serve: {e}", file=sys.stderr)
        return 2
    return 0


def run_export(args) -> int:
    from archive.export import export

    for path in export(args.archive, args.out, args.format, bom=args.bom):
        print(path)
    return 0


def run_search(args) -> int:
    from archive import search
    from archive.schema import open_db, require_archive

    db = open_db(require_archive(args.archive))
    table = "other_documents" if args.other_documents else "reports"
    for rid, body, year, title, context in search.find(db, args.query, args.limit, table):
        print(f"{rid}\t{year}\t{body}\t{title}\n\t{context}")
    return 0
