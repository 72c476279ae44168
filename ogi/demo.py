"""ogi demo: the whole system on simulated portals — farm → crawl → build → serve.

The demo portal farm (synthetic/farm.py) publishes generated reports of bodies in real counties
(GB/T 2260), mixed, as real columns are, with documents that are not reports (notices, 解读,
the blank 报告格式 …), and the ../shared corpus files when present, on loopback addresses; the
crawler captures them into the archive, the builder parses them and keeps the reports apart,
and datasette serves the result. The farm keeps running while
datasette serves, so every report's original URL still answers.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from synthetic.farm import DEMO_PORT, DEMO_PORTALS_PER_FAMILY, DEMO_REPORTS

SHARED = Path(__file__).resolve().parents[2] / "shared"


DEMO_ARCHIVE = "data/demo"

DOC = f"""\
The whole system on simulated portals, in one command: start the demo portals (generated
reports of bodies in real counties, mixed with notices, 解读, blank forms … in HTML, PDF and
DOCX, on loopback addresses), crawl them into the archive, parse and file what was captured,
and publish the archive with datasette until Ctrl-C.

The demo's archive is kept apart from your own: {DEMO_ARCHIVE} (every other command reads
$OGI_ARCHIVE or ./data), so pass it to them, e.g. ogi search --archive {DEMO_ARCHIVE} 复议.
Run it again and it finds the same reports at the same addresses: the archive stays the
same."""

EPILOG = """\
exit status: 0 done (stopped with Ctrl-C while serving) · 2 the port of the demo portals or of
datasette is taken · another: the crawl failed, with its own status"""


def register(sub) -> None:
    import argparse

    p = sub.add_parser(
        "demo",
        help="run the whole demo: demo portals → crawl → build → serve",
        description=DOC,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--archive",
        default=DEMO_ARCHIVE,
        metavar="DIR",
        help=f"archive directory for the demo (default {DEMO_ARCHIVE})",
    )
    p.add_argument(
        "--reports",
        type=int,
        default=DEMO_REPORTS,
        metavar="N",
        help=f"reports each demo portal publishes (default {DEMO_REPORTS})",
    )
    p.add_argument(
        "--portals-per-family",
        type=int,
        default=DEMO_PORTALS_PER_FAMILY,
        metavar="N",
        help="demo portals of each CMS family: TRS, Hanweb, gkmlpt, "
        f"generic (default {DEMO_PORTALS_PER_FAMILY})",
    )
    p.add_argument(
        "--port", type=int, default=8001, help="port datasette serves the archive on (default 8001)"
    )
    p.add_argument(
        "--farm-port",
        type=int,
        default=DEMO_PORT,
        metavar="PORT",
        help=f"port of the demo portals (default {DEMO_PORT}; the same every run, "
        "so a second run finds the same reports at the same URLs)",
    )
    p.add_argument(
        "--no-serve",
        action="store_true",
        help="stop after building the archive (the demo portals stop too)",
    )
    p.set_defaults(func=run_demo_command)


def run_demo_command(args) -> int:
    return run_demo(
        args.archive,
        reports=args.reports,
        portals_per_family=args.portals_per_family,
        port=args.port,
        serve=not args.no_serve,
        farm_port=args.farm_port,
    )


def run_demo(
    archive,
    reports: int = DEMO_REPORTS,
    portals_per_family: int = DEMO_PORTALS_PER_FAMILY,
    port: int = 8001,
    serve: bool = True,
    farm_port: int = DEMO_PORT,
) -> int:
    from archive.build import build
    from archive.cli import build_summary
    from synthetic.farm import Farm

    archive = Path(archive)
    archive.mkdir(parents=True, exist_ok=True)
    shared = SHARED if (SHARED / "corpus").is_dir() else None
    try:
        farm = Farm(
            reports_per_portal=reports,
            portals_per_family=portals_per_family,
            shared_dir=shared,
            port=farm_port,
            extras=True,
            lists=True,
        ).start()
    except OSError as e:
        print(
            f"ogi demo: the demo portals cannot listen on port {farm_port} ({e.strerror}): "
            "is another demo or `ogi demo-portals` running? Stop it, or pass --farm-port",
            file=sys.stderr,
        )
        return 2
    try:
        sources = farm.write_sources(archive / "demo-sources.yaml")
        print(
            f"demo portals: {len(farm.sites)} on loopback, {len(farm.reports())} generated "
            f"reports among {len(farm.truth())} documents"
            f"{' (with ../shared corpus)' if shared else ''}; one of them blocks crawlers "
            "on purpose: its ALERT below is expected",
            flush=True,
        )
        # Scrapy's reactor runs once per process: the crawl gets a process of its own.
        crawl = subprocess.run(
            [
                sys.executable,
                "-m",
                "ogi.cli",
                "crawl",
                "--fast",
                "--sources",
                str(sources),
                "--archive",
                str(archive),
            ]
        )
        if crawl.returncode not in (0, 1):  # 1: finished with alerts (the blocked demo portal)
            print(f"ogi demo: the crawl failed (exit {crawl.returncode})", file=sys.stderr)
            return crawl.returncode
        stats = build(archive, progress=sys.stderr.isatty())
        print(
            build_summary(stats.as_dict()).replace("ogi health", f"ogi health --archive {archive}"),
            flush=True,
        )
        print(
            f"the demo's archive is {archive}: the other commands take --archive {archive}, "
            f"e.g. ogi search --archive {archive} 复议",
            flush=True,
        )
        if serve:
            from archive.publish import serve as serve_archive
            from archive.publish.serve import PortTaken

            try:
                serve_archive(archive, port=port)  # its last lines: the addresses, how to stop
            except PortTaken as e:
                print(f"ogi demo: the archive is built, but {e}", file=sys.stderr)
                return 2
    finally:
        farm.stop()
    return 0
