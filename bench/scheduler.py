"""The scheduler with a JOBDIR, alone: CPU µs per request (enqueue and dequeue, the dupe filter
included) with Scrapy's pickled disk queue and with ours (crawler/queues.py), side by side,
alternating. Scrapy's Scheduler, DownloaderAwarePriorityQueue and engine are the real ones;
the crawler's settings and spider are ours. The crawl without a JOBDIR (not resumable) is the
floor. No network: the downloader's slots stay idle, so
hosts are served in turn.

    .venv/bin/python bench/scheduler.py [--hosts 24] [--batch 20] [--rounds 40] [--repeat 3]

--batch: requests pushed per host at a time (the links of a list page) before the queues are
drained; a batch over OGI_QUEUE_IN_MEMORY (32) sends the oldest to the file.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scrapy.utils.reactor import install_reactor  # noqa: E402

install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")

import scrapy  # noqa: E402
from scrapy.core.engine import ExecutionEngine  # noqa: E402
from scrapy.core.scheduler import Scheduler  # noqa: E402
from scrapy.utils.test import get_crawler  # noqa: E402

from crawler import settings as defaults  # noqa: E402
from crawler.spiders.portals import PortalSpider  # noqa: E402

QUEUES = {
    "scrapy PickleLifoDiskQueue": "scrapy.squeues.PickleLifoDiskQueue",
    "ours SpillingLifoQueue": "crawler.queues.SpillingLifoQueue",
    "no JOBDIR (Scrapy's memory queue, not resumable)": None,
}


def scheduler(disk_queue: str | None, jobdir: str):
    settings = {k: getattr(defaults, k) for k in dir(defaults) if k.isupper()}
    settings.update(JOBDIR=disk_queue and jobdir, LOG_LEVEL="WARNING")
    if disk_queue:
        settings["SCHEDULER_DISK_QUEUE"] = disk_queue
    crawler = get_crawler(PortalSpider, settings)
    crawler.spider = spider = PortalSpider(portals=[], archive=jobdir, crawl_id="bench")
    spider.crawler = crawler
    crawler.engine = ExecutionEngine(crawler, lambda _: None)
    sched = Scheduler.from_crawler(crawler)
    sched.open(spider)
    return sched, spider


def requests(spider, hosts: int, batch: int, rounds: int) -> list[list[scrapy.Request]]:
    """Per round, `batch` detail-page requests for each host, as the spider makes them."""
    out = []
    for r in range(rounds):
        wave = []
        for h in range(hosts):
            referer = f"http://127.0.1.{h}/xxgk/list_{r}.html"
            for i in range(batch):
                wave.append(
                    scrapy.Request(
                        f"http://127.0.1.{h}/xxgk/{r}/t{i}.html",
                        callback=spider.parse_detail,
                        errback=spider.failed,
                        headers={"Referer": referer},
                        meta={
                            "portal": f"门户{h}",
                            "kind": "detail",
                            "family": "generic",
                            "referer": referer,
                            "link_text": f"2023年政府信息公开工作年度报告 {r}-{i}",
                            "catid": None,
                            "column": f"http://127.0.1.{h}/xxgk/",
                        },
                    )
                )
        out.append(wave)
    return out


def one_run(disk_queue: str | None, hosts: int, batch: int, rounds: int) -> tuple[float, int]:
    jobdir = tempfile.mkdtemp(prefix="ogi-queue-bench-")
    try:
        sched, spider = scheduler(disk_queue, jobdir)
        waves = requests(spider, hosts, batch, rounds)
        n = 0
        t0 = time.process_time()
        for wave in waves:
            for req in wave:
                sched.enqueue_request(req)
            while sched.next_request() is not None:
                n += 1
        cpu = time.process_time() - t0
        sched.close("finished")
        return cpu * 1e6 / n, n
    finally:
        shutil.rmtree(jobdir, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, default=24)
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    got: dict[str, list[float]] = {k: [] for k in QUEUES}
    for _ in range(a.repeat):
        for name, cls in QUEUES.items():
            us, n = one_run(cls, a.hosts, a.batch, a.rounds)
            got[name].append(us)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{a.hosts} hosts, batches of {a.batch}, {n} requests a run (load average {load}):")
    for name, runs in got.items():
        print(f"  {name}: " + ", ".join(f"{x:.1f}" for x in runs) + " µs CPU per request")
    base, ours, _ = (min(v) for v in got.values())
    print(f"  best against best: {base / ours:.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
