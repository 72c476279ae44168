"""Crawler benchmark against the demo farm (loopback only).

1. machinery: politeness off (no delays, 16 per domain; robots.txt still obeyed): pages/s and
   the crawler process's CPU ms per page (total, and net of a start-up baseline); that crawl's
   WACZ made again from the index written with its WARC and by `wacz create`, side by side;
2. polite: default settings (delay ≈1 s, AutoThrottle, 2 per domain) over many portals at once:
   the wall time, which should be near one portal's, not the sum;
3. writer: the capture store's writes in a thread (crawler/writer.py) against inline on the
   reactor, side by side: small pages only, and small pages crawled beside six 24 MiB documents;
4. memory: six gzip bodies of ~190 KB that expand to 190 MiB each, crawled with the streaming
   decoder (crawler/decode.py) and, side by side, with Scrapy's HttpCompressionMiddleware:
   the crawl process's peak RSS.

    .venv/bin/python bench/crawl.py [--reports 40] [--portals-per-family 2] [--polite-portals 10]
                                    [--skip-polite] [--skip-memory] [--memory-mb 190]
                                    [--skip-writer]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.run import crawl_in_subprocess  # noqa: E402
from synthetic.farm import Farm  # noqa: E402


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed_crawl(sources, archive, *args):
    cpu0, t0 = child_cpu(), time.perf_counter()
    report = crawl_in_subprocess(sources, archive, *args, timeout=3600)
    wall, cpu = time.perf_counter() - t0, child_cpu() - cpu0
    assert report["status"] == "finished", report.get("stderr", "")[-2000:]
    return report, wall, cpu


def scrapy_elapsed(archive, report) -> float:
    """Seconds from the spider's open to its close (start-up excluded)."""
    from archive.captures import CaptureStore

    run = CaptureStore(archive).get_run(report["crawl_id"])
    return float(json.loads(run["stats"])["elapsed_time_seconds"])


def responses(report) -> int:
    return sum(report["totals"].get(k, 0) for k in ("pages", "details", "attachments")) + sum(
        sum(f["errors"].values()) + f["blocked"] for f in report["portals"].values()
    )


def machinery(reports: int, per_family: int, tmp: Path) -> None:
    fast = ("--fast", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "LOG_LEVEL=WARNING")
    t = time.perf_counter()
    with Farm(
        reports_per_portal=reports,
        portals_per_family=per_family,
        blocked=False,
        first_host=2,
        body_pool=8,
    ) as farm:
        print(
            f"farm: {len(farm.sites)} portals, {len(farm.truth())} report URLs "
            f"(built in {time.perf_counter() - t:.1f} s)"
        )
        base = Farm(reports_per_portal=1, portals_per_family=1, blocked=False, first_host=120)
        with base:
            src0 = base.write_sources(tmp / "base.yaml")
            r0, w0, c0 = timed_crawl(src0, tmp / "base", *fast)
        sources = farm.write_sources(tmp / "farm.yaml")
        report, wall, cpu = timed_crawl(sources, tmp / "fast", *fast)
        n, elapsed = responses(report), scrapy_elapsed(tmp / "fast", report)
        n0 = responses(r0)
        assert report["totals"]["details"] + report["totals"]["attachments"] == len(farm.truth())
        print(
            f"politeness off: {n} responses in {elapsed:.2f} s of crawling → {n / elapsed:.0f} "
            f"pages/s ({wall:.2f} s wall with start-up); "
            f"crawler CPU {cpu * 1000 / n:.2f} ms/page "
            f"({(cpu - c0) * 1000 / max(1, n - n0):.2f} ms/page net of start-up, "
            f"start-up {c0:.2f} s CPU; {load()})"
        )
        wacz_both_ways(tmp / "fast", report["crawl_id"], n)
        report2, wall2, cpu2 = timed_crawl(sources, tmp / "fast", *fast)
        print(
            f"re-crawl, nothing changed (conditional GETs): {wall2:.2f} s wall, "
            f"{report2['totals']['not_modified']} × 304, stored {report2['totals']['stored']} "
            f"({load()})"
        )


def wacz_both_ways(archive: Path, crawl_id: str, n: int, rounds: int = 3) -> None:
    """The crawl's WACZ made again in this process, both ways in turn (CPU, best of `rounds`):
    from the index written with its WARC, as the crawl made it, and by `wacz create`, which
    reads the WARC back to index it (the fallback; what every crawl did before)."""
    from archive.captures import CaptureStore
    from crawler.wacz import package, package_reindexed

    store = CaptureStore(archive)
    out = archive / "bench.wacz"
    package(store, crawl_id, out), package_reindexed(store, crawl_id, out)  # imports done
    cpu = {package: [], package_reindexed: []}
    for _ in range(rounds):
        for make, took in cpu.items():
            t = time.process_time()
            make(store, crawl_id, out)
            took.append(time.process_time() - t)
    store.close()
    ours, theirs = min(cpu[package]), min(cpu[package_reindexed])
    warc_mb = store.warc.path(crawl_id).stat().st_size / 2**20
    print(
        f"its WACZ ({warc_mb:.1f} MiB WARC) made again both ways in turn, best of {rounds}: "
        f"from the index written with the WARC {ours * 1000:.0f} ms CPU "
        f"({ours * 1000 / n:.3f} ms/page), by `wacz create` re-indexing it "
        f"{theirs * 1000:.0f} ms ({theirs * 1000 / n:.3f} ms/page), {theirs / ours:.1f}× "
        f"({load()})"
    )


def polite(per_family: int, reports: int, tmp: Path) -> None:
    with Farm(
        reports_per_portal=reports,
        portals_per_family=per_family,
        blocked=False,
        first_host=130,
        body_pool=8,
    ) as farm:
        sources = farm.write_sources(tmp / "polite.yaml")
        report, wall, cpu = timed_crawl(sources, tmp / "polite", "-s", "LOG_LEVEL=WARNING")
        n = responses(report)
        per_portal = n / len(farm.sites)
        hosts = {}
        for r in farm.log:
            hosts.setdefault(r["host"], []).append(r)
        print(
            f"polite: {len(farm.sites)} portals in parallel, {n} responses "
            f"(≈{per_portal:.0f} per portal), wall {wall:.1f} s; "
            f"sequentially at ≈1 s per request that would be ≈{n:.0f} s ({load()})"
        )
        assert report["totals"]["details"] + report["totals"]["attachments"] == len(farm.truth())


def writer(tmp: Path, reports: int = 40) -> None:
    import yaml

    from synthetic.faults import DocPortal

    fast = ("--fast", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16")
    big = {f"/doc/{i}.pdf": b"%PDF-1.4\n" + os.urandom(24 * 2**20) for i in range(6)}
    print(f"writer, thread and inline side by side ({load()}):")
    with (
        Farm(
            reports_per_portal=reports,
            portals_per_family=2,
            blocked=False,
            first_host=40,
            body_pool=8,
        ) as farm,
        DocPortal(big, host="127.0.0.60") as docs,
    ):
        small = farm.write_sources(tmp / "w-small.yaml")
        both = tmp / "w-both.yaml"
        entries = yaml.safe_load(small.read_text(encoding="utf-8"))["portals"]
        both.write_text(
            yaml.safe_dump({"portals": entries + [docs.entry()]}, allow_unicode=True),
            encoding="utf-8",
        )
        for label, sources in (("small pages", small), ("with six 24 MiB documents", both)):
            for mode in ("True", "False"):
                archive = tmp / f"w-{sources.stem}-{mode}"
                report, wall, cpu = timed_crawl(
                    sources, archive, *fast, "-s", f"OGI_WRITER_THREAD={mode}"
                )
                n, elapsed = responses(report), scrapy_elapsed(archive, report)
                from archive.captures import CaptureStore

                stats = json.loads(CaptureStore(archive).get_run(report["crawl_id"])["stats"])
                print(
                    f"  {label:27} {'thread' if mode == 'True' else 'inline':6}: {n} responses "
                    f"in {elapsed:.2f} s ({n / elapsed:.0f}/s), CPU {cpu * 1000 / n:.2f} ms "
                    f"per response, reactor held at most "
                    f"{stats.get('ogi/reactor_max_lag_ms', 0)} ms, peak RSS "
                    f"{report['peak_rss_mb']:.0f} MB"
                )


def scrapy_decoding() -> str:
    """Our downloader middlewares with Scrapy's in-memory decoding in place of ours."""
    from crawler import settings

    scrapy_mw = "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware"
    return json.dumps(
        {**settings.DOWNLOADER_MIDDLEWARES, "crawler.decode.DecodeMiddleware": None, scrapy_mw: 590}
    )


def memory(mb: int, tmp: Path) -> None:
    from synthetic.faults import BombPortal

    with BombPortal(n=6, mb=mb) as portal:
        portal.write_sources(tmp / "bombs.yaml")
        rows = []
        for label, extra in (
            ("streaming decoder (crawler/decode.py)", ()),
            (
                "Scrapy's HttpCompressionMiddleware",
                ("-s", f"DOWNLOADER_MIDDLEWARES={scrapy_decoding()}"),
            ),
        ):
            t = time.perf_counter()
            report = crawl_in_subprocess(
                tmp / "bombs.yaml", tmp / f"mem{len(rows)}", "--fast", *extra, timeout=1800
            )
            rows.append(
                (
                    label,
                    report["peak_rss_mb"],
                    time.perf_counter() - t,
                    report["totals"]["attachments"],
                )
            )
    print(
        f"memory: six gzip bodies of {len(portal_body(mb)) // 1024} KB expanding to {mb} MiB "
        f"each ({load()}):"
    )
    for label, peak, wall, stored in rows:
        print(f"  {label:40} peak RSS {peak:7.0f} MB, {wall:5.1f} s, {stored} stored")
    print(f"  ratio: {rows[1][1] / rows[0][1]:.1f}× the memory with Scrapy's decoding")


def portal_body(mb: int) -> bytes:
    from synthetic.faults import bomb_body

    return bomb_body(mb)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=40, help="reports per portal (fast run)")
    ap.add_argument("--portals-per-family", type=int, default=2)
    ap.add_argument("--polite-portals", type=int, default=10, help="portals per family (polite)")
    ap.add_argument("--polite-reports", type=int, default=4)
    ap.add_argument("--skip-polite", action="store_true")
    ap.add_argument("--skip-machinery", action="store_true")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--skip-writer", action="store_true")
    ap.add_argument("--memory-mb", type=int, default=190, help="MiB each body expands to")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not a.skip_machinery:
            machinery(a.reports, a.portals_per_family, Path(tmp))
        if not a.skip_polite:
            polite(a.polite_portals, a.polite_reports, Path(tmp))
        if not a.skip_writer:
            writer(Path(tmp))
        if not a.skip_memory:
            memory(a.memory_mb, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
