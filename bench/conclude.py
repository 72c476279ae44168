"""A crawl's conclusion as the archive's history grows: what the spider does at close over many
portals (crawler/changes.py conclude, then crawler/report.py build_report), timed crawl after
crawl on one growing capture store. No network: each crawl's capture rows are written straight
into the store, as the writer would, for `--portals` portals of `--reports` reports each (a
list page, a detail page and its attachment per report). From one crawl to the next a few
reports change bytes, move to another URL, drop off the list or answer 404, and new ones
appear, so every kind of event is made by the real code.

    .venv/bin/python bench/conclude.py [--portals 1000] [--reports 10] [--crawls 4]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive.captures import CaptureStore, _CAPTURE_COLUMNS, _INSERT_CAPTURE  # noqa: E402
from crawler.changes import conclude  # noqa: E402
from crawler.report import build_report  # noqa: E402


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def portal_rows(crawl_id: str, portal: str, reports: dict[str, str]) -> list[dict]:
    """One crawl's capture rows of a portal: {report url: its version} listed on one page."""
    host = f"http://{portal}.example.gov.cn"
    rows = [dict(url=f"{host}/list.html", kind="list", status=200, sha256=sha(crawl_id + portal))]
    for url, version in reports.items():
        if version == "gone":  # listed, but the page answers 404
            rows.append(dict(url=url, kind="detail", status=404, error="http_404", is_report=1))
            continue
        doc = url.replace(".html", ".pdf")
        rows.append(dict(url=url, kind="detail", status=200, is_report=1, sha256=sha(url)))
        rows.append(
            dict(
                url=doc,
                kind="attachment",
                status=200,
                is_report=1,
                referer=url,
                sha256=sha(version),
            )  # fmt: skip
        )
    for row in rows:
        row.update(crawl_id=crawl_id, portal=portal, final_url=row["url"], method="GET")
    return rows


def next_state(state: dict[str, str], portal: str, rng: random.Random, n: int) -> dict:
    """The portal's reports at its next crawl: ~4 % edited, ~2 % moved to another URL (same
    bytes), ~2 % no longer listed, ~1 % answering 404, and one new report."""
    out = {}
    for url, version in state.items():
        r = rng.random()
        if version == "gone" or r < 0.02:
            continue  # off the list
        if r < 0.03:
            out[url] = "gone"
        elif r < 0.07:
            out[url] = version + "'"
        elif r < 0.09:
            out[url.replace("/info/", "/moved/")] = version
        else:
            out[url] = version
    new = f"http://{portal}.example.gov.cn/info/{n}.html"
    out[new] = new
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--portals", type=int, default=1000)
    ap.add_argument("--reports", type=int, default=10)
    ap.add_argument("--crawls", type=int, default=4)
    args = ap.parse_args()
    rng = random.Random(1)
    names = [f"p{i:05d}" for i in range(args.portals)]
    states = {
        p: {f"http://{p}.example.gov.cn/info/{i}.html": f"{p}-{i}" for i in range(args.reports)}
        for p in names
    }
    print(
        f"{args.portals} portals × {args.reports} reports, {args.crawls} crawls ({load()})",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="ogi-conclude-") as tmp:
        store = CaptureStore(Path(tmp))
        for k in range(args.crawls):
            crawl_id = f"2026010{k + 1}T000000Z-bench"
            store.open_run(crawl_id, {})
            rows = [r for p in names for r in portal_rows(crawl_id, p, states[p])]
            store.db.conn.executemany(
                _INSERT_CAPTURE, [[r.get(c) for c in _CAPTURE_COLUMNS] for r in rows]
            )
            store.db.conn.commit()
            t, cpu = time.perf_counter(), time.process_time()
            conclude(store, crawl_id, names)
            mid = time.perf_counter()
            report = build_report(store, crawl_id, names)
            end, cpu = time.perf_counter(), time.process_time() - cpu
            store.finish_run(crawl_id, "finished", {}, report)
            captures = store.db["captures"].count
            events = store.db["change_events"].count
            tot = report["totals"]
            print(
                f"crawl {k + 1}: {len(rows)} captures ({captures} in the archive, {events} "
                f"events); conclude {mid - t:.2f} s, report {end - mid:.2f} s, "
                f"{(end - t) * 1000 / len(names):.2f} ms a portal, CPU {cpu:.2f} s; "
                f"new {tot.get('new', 0)} changed {tot.get('changed', 0)} moved "
                f"{tot.get('moved', 0)} removed {tot.get('removed', 0)} ({load()})",
                flush=True,
            )
            states = {p: next_state(states[p], p, rng, args.reports + k) for p in names}
        store.close()


if __name__ == "__main__":
    main()
