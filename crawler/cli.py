"""`ogi crawl`, `ogi health`, `ogi sources check`, `ogi demo-portals`."""

from __future__ import annotations

import argparse
import ipaddress
import json
import sys
from urllib.parse import urlsplit

from crawler.console import print_report
from synthetic.farm import DEMO_PORT, DEMO_PORTALS_PER_FAMILY, DEMO_REPORTS

CRAWL_DOC = """\
Crawl the 政府信息公开工作年度报告 columns of the portals in the registry into the archive:
every response is kept as evidence (body by SHA-256, WARC, WACZ), every failure is recorded
with its reason, and the crawl ends with one health line per portal.

Polite by default: robots.txt (RFC 9309), 1 s between requests and 2 at a time per host,
AutoThrottle, Retry-After honoured. Incremental: unchanged reports are answered 304 and not
stored again. Resumable: after a crash or Ctrl-C, run ogi crawl --resume."""

CRAWL_EPILOG = """\
exit status: 0 finished, no alert · 1 finished with alerts (a portal found no report
document), a Scrapyd node failed, or interrupted · 2 bad arguments or registry · 3 no portal
answered at all

examples:
  ogi demo-portals                                # in another shell: the demo portals
  ogi crawl --sources sources/demo-farm.yaml --fast
  ogi crawl --portal 临清市人民政府 --contact https://example.org/ogi-crawler
  OGI_CONTACT=mailto:ops@example.org ogi crawl --resume
  ogi crawl --nodes http://10.0.0.11:6800,http://10.0.0.12:6800 --sources sources/
See docs/crawling.md for the registry format, the report and scheduling."""

DEMO_DOC = """\
Serve the demo portals — simulated government portals of each CMS family (TRS, Hanweb,
gkmlpt, generic) plus one behind an anti-bot challenge — on loopback addresses 127.0.0.2,
127.0.0.3 …, all on one port, publishing generated OGI reports in HTML, PDF and DOCX. Writes
their registry entries to --sources-out; crawl them from another shell with:
    ogi crawl --sources sources/demo-farm.yaml --fast
Runs until Ctrl-C."""


def register(subparsers) -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    p = subparsers.add_parser(
        "crawl",
        help="crawl the portals of the registry into the archive",
        description=CRAWL_DOC,
        epilog=CRAWL_EPILOG,
        formatter_class=fmt,
    )
    p.add_argument(
        "--sources",
        default="sources",
        metavar="FILE|DIR",
        help="the registry: a sources YAML file, or a directory of them (default: sources/)",
    )
    p.add_argument(
        "--portal", action="append", metavar="NAME", help="crawl only this portal (repeat for more)"
    )
    p.add_argument(
        "--archive", metavar="DIR", help="archive directory (default: $OGI_ARCHIVE, else ./data)"
    )
    p.add_argument(
        "--resume",
        nargs="?",
        const=True,
        default=False,
        metavar="CRAWL_ID",
        help="resume the last interrupted or killed crawl (or the one named)",
    )
    p.add_argument(
        "--fast",
        action="store_true",
        help="no delays or throttling, 8 requests at a time per host: only for the "
        "demo portals and sites you run yourself (robots.txt and Retry-After "
        "still obeyed)",
    )
    p.add_argument(
        "--contact",
        metavar="URL",
        help="your contact URL (http(s) or mailto:) for the User-Agent, so site "
        "operators can reach you (default: $OGI_CONTACT)",
    )
    p.add_argument(
        "-s",
        dest="set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Scrapy setting, e.g. -s DOWNLOAD_TIMEOUT=30 (repeatable)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print the crawl report as JSON instead of the health lines",
    )
    p.add_argument(
        "--no-progress",
        action="store_true",
        help="no live progress table on the terminal while crawling",
    )
    p.add_argument(
        "--nodes",
        metavar="URL[,URL…]",
        help="crawl on these Scrapyd nodes (http://host:6800, user:password@ if "
        "Scrapyd asks): the registry is sharded over them, all portals of one "
        "host on one node, and their captures merged into the archive "
        "(docs/crawling.md, 'Crawling on several machines')",
    )
    p.add_argument(
        "--node-timeout",
        type=float,
        default=60.0,
        metavar="S",
        help="with --nodes: a node that does not answer for S seconds has failed; "
        "its shards go to another node (default: 60)",
    )
    p.set_defaults(func=cmd_crawl)

    dp = subparsers.add_parser(
        "deploy",
        help="deploy the crawler to Scrapyd nodes (what ogi crawl --nodes does first)",
        description="Build the crawler's egg from this checkout and add it to each Scrapyd "
        "node as project 'ogi', unless the node already has this code. Each node "
        "needs ogi-archive installed in Scrapyd's venv (the egg carries no "
        "dependencies).",
    )
    dp.add_argument("--nodes", required=True, metavar="URL[,URL…]", help="Scrapyd URLs")
    dp.add_argument("--force", action="store_true", help="upload even if a node has this code")
    dp.set_defaults(func=cmd_deploy)

    co = subparsers.add_parser(
        "collect",
        help="merge the node stores of a crawl on Scrapyd nodes into the archive",
        description="Merge every finished job of a crawl on Scrapyd nodes (the latest, or "
        "--crawl) that is not merged yet, and conclude the crawl — change events, "
        "report, WACZ — once every shard is in. Idempotent: run twice, the "
        "second changes nothing. It schedules nothing (ogi crawl --resume does).",
    )
    co.add_argument(
        "--archive", metavar="DIR", help="archive directory (default: $OGI_ARCHIVE, else ./data)"
    )
    co.add_argument("--crawl", metavar="CRAWL_ID", help="this crawl instead of the latest")
    co.add_argument(
        "--nodes",
        metavar="URL[,URL…]",
        help="the nodes' URLs with credentials, if Scrapyd asks for them",
    )
    co.add_argument("--json", action="store_true", help="print the result as JSON")
    co.set_defaults(func=cmd_collect)

    h = subparsers.add_parser(
        "health",
        help="the per-portal health of the latest crawl, with the reports each "
        "portal yields once ogi build has run",
    )
    h.add_argument(
        "--archive", metavar="DIR", help="archive directory (default: $OGI_ARCHIVE, else ./data)"
    )
    h.add_argument("--crawl", metavar="CRAWL_ID", help="this crawl instead of the latest")
    h.add_argument("--json", action="store_true", help="print it as JSON")
    h.set_defaults(func=cmd_health)

    s = subparsers.add_parser(
        "sources",
        help="the portal registry",
        description="The portal registry: sources/*.yaml, one entry per portal (docs/crawling.md).",
    )
    ssub = s.add_subparsers(
        dest="sources_command", required=True, metavar="ACTION", help="check: validate the registry"
    )
    c = ssub.add_parser(
        "check",
        help="validate sources YAML files",
        description="Validate the registry: every entry's fields (name, "
        "region code, level, family, start URLs), names unique; "
        "one line per portal, or one per problem on stderr.",
        epilog="exit status: 0 every entry is valid · 1 problems (listed)",
    )
    c.add_argument(
        "path",
        nargs="?",
        default="sources",
        help="a sources YAML file or a directory of them (default: sources/)",
    )
    c.set_defaults(func=cmd_sources_check)

    d = subparsers.add_parser(
        "demo-portals",
        help="serve the demo portals on loopback",
        description=DEMO_DOC,
        formatter_class=fmt,
    )
    d.add_argument(
        "--port",
        type=int,
        default=DEMO_PORT,
        help="the port every demo portal listens on, each on its own loopback "
        f"address (default: {DEMO_PORT})",
    )
    d.add_argument(
        "--reports",
        type=int,
        default=DEMO_REPORTS,
        metavar="N",
        help=f"reports per portal (default: {DEMO_REPORTS})",
    )
    d.add_argument(
        "--portals-per-family",
        type=int,
        default=DEMO_PORTALS_PER_FAMILY,
        metavar="N",
        help=f"portals of each CMS family (default: {DEMO_PORTALS_PER_FAMILY}, as `ogi demo` runs)",
    )
    d.add_argument(
        "--sources-out",
        default="sources/demo-farm.yaml",
        metavar="FILE",
        help="where to write the portals' registry entries (default: sources/demo-farm.yaml)",
    )
    d.add_argument(
        "--shared",
        metavar="DIR",
        help="also publish the real reports of this ../shared directory's corpus",
    )
    d.add_argument(
        "--faults",
        type=float,
        default=0.0,
        metavar="RATE",
        help="answer this share of requests (0–1) with a random fault: 5xx, 429, "
        "reset, truncated body, stall, gzip bomb (default: 0)",
    )
    d.add_argument(
        "--fault-seed",
        type=int,
        default=1,
        metavar="N",
        help="seed of the faults: the same seed, the same faults (default: 1)",
    )
    d.set_defaults(func=cmd_demo_portals)


def _urls(text: str | None) -> list[str]:
    return [u.strip() for u in (text or "").split(",") if u.strip()]


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def cmd_crawl(args) -> int:
    from crawler.nodes import crawl_on_nodes, resumes_nodes
    from crawler.run import CrawlError, run_crawl
    from crawler.sources import SourceError

    over = dict(x.split("=", 1) for x in args.set)
    progress = not args.no_progress and not args.json and sys.stderr.isatty()
    nodes = _urls(args.nodes)
    try:
        if nodes or resumes_nodes(args.archive, args.resume):
            report = crawl_on_nodes(
                nodes,
                args.sources,
                args.archive,
                args.portal,
                args.resume,
                args.fast,
                overrides=over,
                contact=args.contact,
                node_timeout=args.node_timeout,
                out=None if args.json or args.no_progress else _say,
            )
        else:
            report = run_crawl(
                args.sources,
                args.archive,
                args.portal,
                args.resume,
                args.fast,
                progress=progress,
                overrides=over,
                contact=args.contact,
            )
    except (CrawlError, SourceError) as e:
        print(f"ogi crawl: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print_report(report)
    if report.get("portals") and not report.get("reached"):
        print(nothing_reached(report, args.sources), file=sys.stderr)
        return 3
    ok = report.get("status") == "finished" and not report.get("alerts")
    return 0 if ok and not report.get("failed_nodes") else 1


def cmd_deploy(args) -> int:
    from crawler.deploy import DeployError, deploy
    from crawler.nodes import Node, NodeError

    try:
        versions = deploy([Node(u) for u in _urls(args.nodes)], force=args.force, say=print)
    except (DeployError, NodeError) as e:
        print(f"ogi deploy: {e}", file=sys.stderr)
        return 2
    for node, version in versions.items():
        print(f"{node}: project ogi, version {version}")
    return 0


def cmd_collect(args) -> int:
    from crawler.nodes import collect
    from crawler.run import CrawlError

    try:
        report = collect(
            args.archive, args.crawl, _urls(args.nodes), out=None if args.json else _say
        )
    except CrawlError as e:
        print(f"ogi collect: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    elif report.get("pending"):
        print(
            f"crawl {report['crawl_id']}: {report['merged']} job(s) merged now; still on the "
            f"nodes: {', '.join(report['pending'])}"
        )
    else:
        print_report(report)
        print(f"{report.get('merged', 0)} job(s) merged now")
    return 0 if report.get("status") == "finished" and not report.get("pending") else 1


def nothing_reached(report: dict, sources) -> str:
    """What to do when no portal of the registry answered."""
    from crawler.sources import load_sources

    errors: dict = {}
    for fig in report["portals"].values():
        for k, v in fig.get("errors", {}).items():
            errors[k] = errors.get(k, 0) + v
    why = ", ".join(f"{k} {v}" for k, v in sorted(errors.items())) or "no answer"
    lines = [
        f"ogi crawl: no portal answered — {len(report['portals'])} portal(s) of {sources} "
        f"tried ({why})."
    ]
    try:
        hosts = {urlsplit(u).hostname or "" for p in load_sources(sources) for u in p.start_urls}
    except Exception:  # noqa: BLE001 — the hint is a courtesy
        hosts = set()
    if any(_loopback(h) for h in hosts):
        lines += [
            "  The registry points at the demo portals on this machine, which are not "
            "running. Start them in another shell:",
            "      ogi demo-portals",
            "  then: ogi crawl --sources sources/demo-farm.yaml --fast",
            "  (or `ogi demo` runs demo portals, crawl, build and serve in one go).",
        ]
    lines.append(
        "  To crawl real portals, point --sources at your registry (a YAML file or "
        "directory; `ogi sources check` validates it, docs/crawling.md describes it)."
    )
    return "\n".join(lines)


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def cmd_health(args) -> int:
    from archive.captures import CaptureStore
    from archive.schema import ArchiveMissing, require_archive
    from crawler.report import health

    try:
        root = require_archive(args.archive)
    except ArchiveMissing as e:
        print(f"ogi health: {e}", file=sys.stderr)
        return 2
    store = CaptureStore(root)
    report = health(store, args.crawl)
    store.close()
    if not report:
        print(f"ogi health: no crawl in {root}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print_report(report)
    return 1 if report.get("alerts") else 0


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

    try:
        serve(
            port=args.port,
            reports_per_portal=args.reports,
            portals_per_family=args.portals_per_family,
            sources_out=args.sources_out,
            shared_dir=args.shared,
            faults=args.faults,
            fault_seed=args.fault_seed,
        )
    except OSError as e:
        print(
            f"ogi demo-portals: cannot listen on port {args.port}: {e.strerror} — are the "
            "demo portals already running? Stop them, or pass --port",
            file=sys.stderr,
        )
        return 2
    return 0
