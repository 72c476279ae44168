"""Run one crawl in this process (Twisted's reactor cannot restart: one crawl per process).

python -m crawler.run --sources sources/ --archive data [--portal NAME] [--fast] [--resume]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

from archive.captures import CaptureStore, default_archive
from crawler import settings as defaults
from crawler.sources import load_sources


class CrawlError(RuntimeError):
    pass


def new_crawl_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)


def resumable_run(store: CaptureStore, crawl_id: str | None = None) -> dict:
    if crawl_id:
        run = store.get_run(crawl_id)
        if not run:
            raise CrawlError(f"no crawl {crawl_id} in {store.root}")
        return run
    runs = [r for r in store.runs() if r["status"] in ("running", "interrupted")]
    if not runs:
        raise CrawlError(f"no interrupted crawl to resume in {store.root}")
    return runs[-1]


def user_agent(contact: str | None = None, given: str | None = None) -> str:
    """The User-Agent: `given` as is, else ours with the operator's contact URL. ASCII only:
    HTTP header values are ASCII (RFC 9110 §5.5)."""
    if given:
        ua = given
    elif contact:
        if not re.match(r"^(https?://|mailto:)\S+$", contact):
            raise CrawlError(f"--contact must be an http(s) or mailto: URL, got {contact!r}")
        ua = defaults.UA_TEMPLATE.format(contact=contact)
    else:
        ua = defaults.UA_NO_CONTACT
    if not ua.isascii() or not ua.isprintable():
        raise CrawlError(
            f"the User-Agent must be printable ASCII (an HTTP header value): {ua!r}"
            " — use a punycode or %-encoded contact URL"
        )
    return ua


def select_portals(sources: str | Path, names: list[str] | None = None) -> list:
    """The registry's portals: all, or those named (an unknown name is an error)."""
    entries = load_sources(sources)
    if names:
        unknown = set(names) - {p.name for p in entries}
        if unknown:
            raise CrawlError(f"no portal named {', '.join(sorted(unknown))} in {sources}")
        entries = [p for p in entries if p.name in names]
    return entries


def log_path(archive: str | Path, crawl_id: str) -> Path:
    """The crawl's log file: Scrapy's settings, stats and messages go there, not to the
    terminal."""
    return Path(archive) / "logs" / f"{crawl_id}.log"


def run_crawl(
    sources: str | Path = "sources",
    archive: str | Path | None = None,
    portals: list[str] | None = None,
    resume: bool | str = False,
    fast: bool = False,
    progress: bool = False,
    overrides: dict | None = None,
    contact: str | None = None,
) -> dict:
    """Crawl the portals of a sources file or directory; returns the crawl report."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    archive = Path(archive) if archive else default_archive()
    overrides = dict(overrides or {})
    store = CaptureStore(archive)
    repaired = None
    if resume:  # the crawl goes on as it was started: its sources, portals and settings
        run = resumable_run(store, resume if isinstance(resume, str) else None)
        crawl_id, opts = run["id"], json.loads(run["options"] or "{}")
        if "nodes" in opts:
            raise CrawlError(
                f"crawl {crawl_id} ran on Scrapyd nodes: ogi crawl --resume "
                "follows it there (crawler/nodes.py)"
            )
        sources, portals = opts.get("sources", sources), opts.get("portals", portals)
        fast = opts.get("fast", fast)
        overrides = {**opts.get("settings", {}), **overrides}
        contact = contact or opts.get("contact")
        unclean = run["status"] == "running"
        if unclean:  # killed: its WARC may end in a torn record
            repaired = store.repair_warc(crawl_id)
    else:
        crawl_id, unclean = new_crawl_id(), False
    given = dict(overrides)
    ua = user_agent(
        contact or overrides.pop("OGI_CONTACT", None) or os.environ.get("OGI_CONTACT"),
        overrides.pop("USER_AGENT", None),
    )
    entries = select_portals(sources, portals)
    jobdir = archive / "jobs" / crawl_id
    if unclean and jobdir.exists():
        # killed mid-write, Scrapy's queue may be torn; the capture store replays what was done
        shutil.rmtree(jobdir)
    store.close()

    s = Settings()
    s.setmodule(defaults, priority="project")
    if fast:
        s.update(defaults.FAST, priority="cmdline")
    logfile = log_path(archive, crawl_id)
    logfile.parent.mkdir(exist_ok=True)
    s.update(
        {
            "JOBDIR": str(jobdir),
            "OGI_PROGRESS": progress,
            "USER_AGENT": ua,
            "LOG_FILE": str(logfile),
            **overrides,
        },
        priority="cmdline",
    )
    process = CrawlerProcess(s)
    if repaired and (repaired["cut_bytes"] or repaired["rewritten"]):
        import logging

        logging.getLogger(__name__).warning(
            "WARC of %s repaired after a kill: %d torn bytes cut, %d records written again",
            crawl_id,
            repaired["cut_bytes"],
            repaired["rewritten"],
        )
    options = {
        "sources": str(sources),
        "portals": portals,
        "fast": fast,
        "settings": given,
        "contact": contact,
    }
    spider_cls = __import__("crawler.spiders.portals", fromlist=["PortalSpider"]).PortalSpider
    process.crawl(
        spider_cls,
        portals=[p.as_dict() for p in entries],
        crawl_id=crawl_id,
        archive=str(archive),
        resuming=bool(resume),
        options=options,
    )
    process.start()
    store = CaptureStore(archive)
    run = store.get_run(crawl_id)
    store.close()
    if run and run["status"] == "finished" and jobdir.exists():
        shutil.rmtree(jobdir)
    report = json.loads(run["report"] or "{}") if run else {}
    report["status"] = run["status"] if run else "failed"
    report.setdefault("crawl_id", crawl_id)
    if repaired:
        report["warc_repaired"] = repaired
    return report


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m crawler.run")
    ap.add_argument("--sources", default="sources")
    ap.add_argument("--archive")
    ap.add_argument("--portal", action="append")
    ap.add_argument("--resume", nargs="?", const=True, default=False)
    ap.add_argument("--fast", action="store_true")
    ap.add_argument("--contact")
    ap.add_argument("-s", dest="set", action="append", default=[], metavar="NAME=VALUE")
    a = ap.parse_args(argv)
    over = dict(x.split("=", 1) for x in a.set)
    report = run_crawl(
        a.sources, a.archive, a.portal, a.resume, a.fast, overrides=over, contact=a.contact
    )
    report["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0 if report.get("status") == "finished" else 1


def peak_rss_mb() -> float:
    """This process's own peak resident memory (VmHWM). Not getrusage's ru_maxrss: Linux
    carries into it the memory of the parent that forked this process before its exec."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def spawn_crawl(sources, archive, *args: str, python: str = sys.executable, **popen):
    """Start `python -m crawler.run …` as a child process (a fresh reactor per crawl)."""
    import subprocess

    root = Path(__file__).resolve().parents[1]
    cmd = [python, "-m", "crawler.run", "--sources", str(sources), "--archive", str(archive), *args]
    return subprocess.Popen(
        cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen
    )


def crawl_in_subprocess(sources, archive, *args: str, timeout: float = 300, **popen) -> dict:
    """Run one crawl in a child process; returns its report (raises on failure), with
    'peak_rss_mb' (the child's own peak memory, as it measured it), 'stderr' and 'log'."""
    proc = spawn_crawl(sources, archive, *args, **popen)
    out, err = _finish(proc, timeout)
    try:
        report = json.loads(out)
    except ValueError:
        raise CrawlError(f"crawl failed (rc {proc.returncode}):\n{err[-4000:]}") from None
    logfile = log_path(archive, report["crawl_id"])
    report["stderr"] = err
    report["log"] = logfile.read_text(errors="replace") if logfile.exists() else ""
    return report


def _finish(proc, timeout: float) -> tuple[str, str]:
    """Read a child's output; kill it past the timeout."""
    import subprocess

    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise


if __name__ == "__main__":
    sys.exit(main())
