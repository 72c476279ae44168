"""`ogi demo`: the whole system on simulated portals — farm → crawl → build → serve.

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

from synthetic.farm import DEMO_PORT

SHARED = Path(__file__).resolve().parents[2] / "shared"


def register(sub) -> None:
    p = sub.add_parser("demo", help="run the whole demo: demo portals → crawl → build → serve",
                       description=__doc__.splitlines()[0])
    p.add_argument("--archive", default="data/demo", metavar="DIR",
                   help="archive directory for the demo (default data/demo)")
    p.add_argument("--reports", type=int, default=6, help="reports per demo portal (default 6)")
    p.add_argument("--portals-per-family", type=int, default=2)
    p.add_argument("--port", type=int, default=8001, help="datasette port (default 8001)")
    p.add_argument("--farm-port", type=int, default=DEMO_PORT, metavar="PORT",
                   help=f"port of the demo portals (default {DEMO_PORT}; the same every run, "
                        "so a second run finds the same reports at the same URLs)")
    p.add_argument("--no-serve", action="store_true", help="stop after building the archive")
    p.set_defaults(func=run_demo_command)


def run_demo_command(args) -> int:
    return run_demo(args.archive, reports=args.reports, portals_per_family=args.portals_per_family,
                    port=args.port, serve=not args.no_serve, farm_port=args.farm_port)


def run_demo(archive, reports: int = 6, portals_per_family: int = 2, port: int = 8001,
             serve: bool = True, farm_port: int = DEMO_PORT) -> int:
    from archive.build import build
    from archive.cli import build_summary
    from synthetic.farm import Farm

    archive = Path(archive)
    archive.mkdir(parents=True, exist_ok=True)
    shared = SHARED if (SHARED / "corpus").is_dir() else None
    try:
        farm = Farm(reports_per_portal=reports, portals_per_family=portals_per_family,
                    shared_dir=shared, port=farm_port, extras=True, lists=True).start()
    except OSError as e:
        print(f"ogi demo: the demo portals cannot listen on port {farm_port} ({e.strerror}): "
              "is another demo or `ogi demo-portals` running? Stop it, or pass --farm-port",
              file=sys.stderr)
        return 2
    try:
        sources = farm.write_sources(archive / "demo-sources.yaml")
        print(f"demo portals: {len(farm.sites)} on loopback, {len(farm.reports())} generated "
              f"reports among {len(farm.truth())} documents"
              f"{' (with ../shared corpus)' if shared else ''}", flush=True)
        # Scrapy's reactor runs once per process: the crawl gets a process of its own.
        crawl = subprocess.run([sys.executable, "-m", "ogi.cli", "crawl", "--fast",
                                "--sources", str(sources), "--archive", str(archive)])
        if crawl.returncode not in (0, 1):  # 1: finished with alerts (the blocked demo portal)
            print(f"ogi demo: the crawl failed (exit {crawl.returncode})", file=sys.stderr)
            return crawl.returncode
        stats = build(archive, progress=sys.stderr.isatty())
        print(build_summary(stats.as_dict()), flush=True)
        if serve:
            from archive.publish import serve as serve_archive
            serve_archive(archive, port=port)
    finally:
        farm.stop()
    return 0
