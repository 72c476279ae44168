"""A polite crawl of many demo portals on one machine, on one Scrapyd node and on three
(real scrapyd processes on loopback), side by side in one run: the wall time of each, what the
head spent merging, and the load average. Default settings: robots.txt, ≈1 s between requests
and 2 at a time per host, AutoThrottle.

    .venv/bin/python bench/nodes.py [--portals-per-family 12] [--reports 4] [--delay 0]

All of it runs on this machine: three "nodes" share its cores, so what three machines would
add in CPU is not measured here — only what the sharding, the jobs, the pulls and the merge
cost, and that politeness holds (every portal of a host on one node).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive.captures import CaptureStore  # noqa: E402
from crawler.deploy import deploy  # noqa: E402
from crawler.nodes import Node, crawl_on_nodes  # noqa: E402
from crawler.run import crawl_in_subprocess  # noqa: E402
from synthetic.farm import Farm, free_port  # noqa: E402
from synthetic.nodes import start_nodes  # noqa: E402


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def merge_seconds(archive: Path, crawl_id: str) -> float:
    """What the head's log says the merges took."""
    total = 0.0
    for line in (archive / "logs" / f"{crawl_id}.log").read_text().splitlines():
        if " merged: " in line:
            total += float(line.rsplit(" in ", 1)[1].split(" s")[0])
    return total


def captures(archive: Path, crawl_id: str) -> set:
    store = CaptureStore(archive)
    out = {(c["url"], c["final_url"], c["sha256"]) for c in store.captures(crawl_id)}
    store.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--portals-per-family",
        type=int,
        default=12,
        help="portals of each of the 4 CMS families (default 12: 48 portals)",
    )
    ap.add_argument("--reports", type=int, default=4, help="reports per portal")
    ap.add_argument(
        "--delay", type=float, default=0.0, help="seconds each farm response waits (a slow portal)"
    )
    a = ap.parse_args()
    rows = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        Farm(
            reports_per_portal=a.reports,
            portals_per_family=a.portals_per_family,
            blocked=False,
            port=free_port(hosts=4 * a.portals_per_family),
            delay=a.delay,
            body_pool=8,
        ) as farm,
    ):
        tmp = Path(tmp)
        sources = farm.write_sources(tmp / "farm.yaml")
        print(
            f"farm: {len(farm.sites)} portals, {len(farm.truth())} report URLs; polite "
            f"settings (the defaults); load average before {load()}"
        )
        t = time.perf_counter()
        one = crawl_in_subprocess(sources, tmp / "one", "-s", "LOG_LEVEL=WARNING", timeout=3600)
        rows.append(
            ("one machine (ogi crawl)", time.perf_counter() - t, one, tmp / "one", load(), 0.0)
        )
        nodes = start_nodes(tmp / "scrapyd", n=3, first_host=221, max_proc=4)
        try:
            deploy([Node(x.url) for x in nodes])  # once, before the clocks start
            for n in (1, 3):
                archive = tmp / f"nodes{n}"
                t = time.perf_counter()
                report = crawl_on_nodes(
                    [x.url for x in nodes[:n]],
                    sources,
                    archive,
                    poll=0.5,
                    overrides={"LOG_LEVEL": "WARNING"},
                )
                wall = time.perf_counter() - t
                rows.append(
                    (
                        f"{n} Scrapyd node{'s' if n > 1 else ''} (ogi crawl --nodes)",
                        wall,
                        report,
                        archive,
                        load(),
                        merge_seconds(archive, report["crawl_id"]),
                    )
                )
        finally:
            for x in nodes:
                x.stop()
        base = captures(rows[0][3], rows[0][2]["crawl_id"])
        print(
            f"{'':36} {'wall':>8} {'captures':>9} {'same as one machine':>20} "
            f"{'merging':>8}  load average after (1/5/15 min)"
        )
        for label, wall, report, archive, after, merged in rows:
            got = captures(archive, report["crawl_id"])
            assert report["status"] == "finished", json.dumps(report)[:2000]
            print(
                f"{label:36} {wall:7.1f}s {len(got):9} {str(got == base):>20} {merged:7.1f}s  "
                f"{after}"
            )
        print(
            f"ratio 1 node / 3 nodes: {rows[1][1] / rows[2][1]:.2f}; one machine / 3 nodes: "
            f"{rows[0][1] / rows[2][1]:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
