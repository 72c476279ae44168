"""`ogi crawl`, `ogi sources check`, `ogi demo-portals`."""
from __future__ import annotations

import json
import sys

from rich.console import Console
from rich.table import Table


def register(subparsers) -> None:
    p = subparsers.add_parser("crawl", help="crawl the portals of the registry into the archive")
    p.add_argument("--sources", default="sources", help="a sources YAML file or directory")
    p.add_argument("--portal", action="append", metavar="NAME", help="only this portal (repeat)")
    p.add_argument("--archive", help="archive directory (default $OGI_ARCHIVE or ./data)")
    p.add_argument("--resume", nargs="?", const=True, default=False, metavar="CRAWL_ID",
                   help="resume the last interrupted crawl (or the one named)")
    p.add_argument("--fast", action="store_true",
                   help="no delays or throttling (demo farm, your own sites); robots.txt still obeyed")
    p.add_argument("-s", dest="set", action="append", default=[], metavar="NAME=VALUE",
                   help="a Scrapy setting, e.g. -s USER_AGENT='…'")
    p.add_argument("--json", action="store_true", help="print the crawl report as JSON")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=cmd_crawl)

    s = subparsers.add_parser("sources", help="the portal registry")
    ssub = s.add_subparsers(dest="sources_command", required=True)
    c = ssub.add_parser("check", help="validate sources YAML files")
    c.add_argument("path", nargs="?", default="sources")
    c.set_defaults(func=cmd_sources_check)

    d = subparsers.add_parser("demo-portals", help="serve the demo portal farm on loopback")
    d.add_argument("--port", type=int, default=8641)
    d.add_argument("--reports", type=int, default=6, help="reports per portal")
    d.add_argument("--portals-per-family", type=int, default=1)
    d.add_argument("--sources-out", default="sources/demo-farm.yaml")
    d.add_argument("--shared", help="also publish ../shared corpus files (a directory)")
    d.set_defaults(func=cmd_demo_portals)


def cmd_crawl(args) -> int:
    from crawler.run import CrawlError, run_crawl
    from crawler.sources import SourceError
    over = dict(x.split("=", 1) for x in args.set)
    progress = not args.no_progress and not args.json and sys.stderr.isatty()
    try:
        report = run_crawl(args.sources, args.archive, args.portal, args.resume, args.fast,
                           progress=progress, overrides=over)
    except (CrawlError, SourceError) as e:
        print(f"ogi crawl: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print_report(report)
    return 0 if report.get("status") == "finished" and not report.get("alerts") else 1


def print_report(report: dict, console: Console | None = None) -> None:
    console = console or Console()
    cols = {"pages": "pages", "reports": "reports", "attachments": "attach", "new": "new",
            "changed": "chg", "removed": "rm", "not_modified": "304", "stored": "stored",
            "blocked": "blocked"}
    t = Table(title=f"crawl {report.get('crawl_id')} — {report.get('status')}")
    t.add_column("portal", no_wrap=True)
    for head in cols.values():
        t.add_column(head, justify="right")
    t.add_column("errors")
    for name, f in report.get("portals", {}).items():
        errors = ", ".join(f"{k} {v}" for k, v in sorted(f.get("errors", {}).items())) or "-"
        t.add_row(name, *(str(f.get(c, 0)) for c in cols), errors,
                  style="bold red" if f.get("alert") else None)
    console.print(t)
    for name in report.get("alerts", []):
        console.print(f"[bold red]ALERT[/] {name}: {report['portals'][name]['alert']}")


def cmd_sources_check(args) -> int:
    from crawler.sources import SourceError, load_sources
    try:
        portals = load_sources(args.path)
    except SourceError as e:
        for line in e.problems:
            print(line, file=sys.stderr)
        print(f"{len(e.problems)} problem(s)", file=sys.stderr)
        return 1
    for p in portals:
        print(f"ok  {p.name:24} {p.family or '(detect)':9} {p.start_urls[0]}")
    print(f"{len(portals)} portal(s) OK")
    return 0


def cmd_demo_portals(args) -> int:
    from synthetic.farm import serve
    serve(port=args.port, reports_per_portal=args.reports,
          portals_per_family=args.portals_per_family, sources_out=args.sources_out,
          shared_dir=args.shared)
    return 0
