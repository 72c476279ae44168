"""Fault soak: crawl the demo farm in fault mode for N rounds, with crawls SIGKILLed and resumed,
then compare the archive with the farm's fault-free truth (every report URL, every sha256).

The farm answers `--rate` of its requests with a fault drawn from synthetic/faults.py (503, 429
with Retry-After, TCP reset, a truncated body, a stall past the timeout, a gzip bomb), decided
by the seed, the URL and the attempt; faults never change what a URL publishes, so whatever the
rounds get wrong must be missing, never wrong. Prints one line per round and the comparison.

    .venv/bin/python bench/soak.py [--rounds 5] [--kills 2] [--rate 0.1] [--seed 1]
                                   [--reports 6] [--portals-per-family 1]
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive.captures import CaptureStore  # noqa: E402
from crawler.run import crawl_in_subprocess, spawn_crawl  # noqa: E402
from synthetic.farm import Farm, free_port  # noqa: E402

# faults must fail in the crawl, not in the test's patience: stalls outlast the timeout, bombs
# the size limit
SETTINGS = (
    "--fast",
    "-s",
    "DOWNLOAD_TIMEOUT=2",
    "-s",
    "DOWNLOAD_MAXSIZE=32000000",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=2",
)


def captures_of_new_run(db_path: Path, runs_before: int) -> int:
    """Captures of the crawl started after `runs_before` runs (0 until it has opened)."""
    if not db_path.exists():
        return 0
    try:
        with sqlite3.connect(db_path, timeout=5) as db:
            runs = [r[0] for r in db.execute("select id from crawl_runs order by started_at")]
            if len(runs) <= runs_before:
                return 0
            return db.execute(
                "select count(*) from captures where crawl_id = ?", [runs[-1]]
            ).fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def killed_round(sources: Path, archive: Path, at: int, timeout: float = 300) -> dict:
    """Start a crawl, SIGKILL it once it made `at` captures, resume it; its report."""
    runs_before = len(CaptureStore(archive).runs())
    proc = spawn_crawl(sources, archive, *SETTINGS)
    deadline = time.time() + timeout
    killed = False
    while time.time() < deadline and proc.poll() is None:
        if captures_of_new_run(archive / "archive.db", runs_before) >= at:
            os.kill(proc.pid, signal.SIGKILL)
            killed = True
            break
        time.sleep(0.01)
    proc.communicate(timeout=60)
    if not killed:  # it finished first: no resume to do
        return {"killed": False, **_latest_report(archive)}
    report = crawl_in_subprocess(sources, archive, "--resume", timeout=timeout)
    report["killed"] = True
    return report


def _latest_report(archive: Path) -> dict:
    import json

    store = CaptureStore(archive)
    run = store.runs()[-1]
    store.close()
    return {**json.loads(run["report"] or "{}"), "status": run["status"]}


def compare(store: CaptureStore, truth: dict[str, str]) -> dict:
    """The archive against the truth: report URLs with a whole body, their sha256, and the
    change events (faults must cause none but 'new')."""
    got = {}
    rows = store.db.query("select distinct final_url from captures where is_report = 1")
    for r in rows:
        last = store.last_capture(r["final_url"])
        if last:
            got[r["final_url"]] = last["sha256"]
    live = {}
    for name in {p["name"] for p in store.db.query("select name from portals")}:
        live.update(store.live_report_urls(name))
    events = Counter(e["event"] for e in store.events())
    return {
        "urls": len(truth),
        "captured": len(set(got) & set(truth)),
        "sha_equal": sum(1 for u, s in truth.items() if got.get(u) == s),
        "extra": sorted(set(got) - set(truth)),
        "live_equal": live == truth,
        "events": dict(events),
        "equal": got == truth and live == truth and set(events) <= {"new"},
    }


def soak(
    rounds: int = 5,
    kills: int = 2,
    rate: float = 0.1,
    seed: int = 1,
    reports: int = 6,
    portals_per_family: int = 1,
    tmp: Path | None = None,
    out=print,
) -> dict:
    own = tmp is None
    tmpdir = tempfile.TemporaryDirectory() if own else None
    tmp = Path(tmpdir.name) if own else tmp
    kill_rounds = set(range(2, 2 + 2 * kills, 2)) if kills else set()
    archive = tmp / "soak"
    result: dict = {"rounds": [], "kills": 0}
    try:
        with Farm(
            reports_per_portal=reports,
            portals_per_family=portals_per_family,
            blocked=False,
            port=free_port(),
            faults=rate,
            fault_seed=seed,
            stall=3.0,
            bomb_mb=64,
            delay=0.01,
        ) as farm:
            truth = farm.truth()
            sources = farm.write_sources(tmp / "soak.yaml")
            out(
                f"soak: {len(farm.sites)} portals, {len(truth)} report URLs, faults {rate:.0%} "
                f"(seed {seed}), {rounds} rounds, kills in rounds "
                f"{', '.join(map(str, sorted(kill_rounds))) or 'none'}; load average "
                f"{os.getloadavg()[0]:.2f}"
            )
            first_captures = 0
            for n in range(1, rounds + 1):
                t0, served, faults0 = time.perf_counter(), len(farm.log), farm.faults_injected()
                if n in kill_rounds:
                    report = killed_round(sources, archive, max(5, first_captures * 2 // 5))
                    result["kills"] += bool(report["killed"])
                else:
                    report = crawl_in_subprocess(sources, archive, *SETTINGS)
                first_captures = first_captures or sum(
                    1 for _ in CaptureStore(archive).captures(report["crawl_id"])
                )
                faults = farm.faults_injected() - faults0
                store = CaptureStore(archive)
                now = compare(store, truth)
                store.close()
                errors: Counter = Counter()
                for fig in report.get("portals", {}).values():
                    errors.update(fig.get("errors", {}))
                line = {
                    "round": n,
                    "wall_s": round(time.perf_counter() - t0, 1),
                    "requests": len(farm.log) - served,
                    "faults": dict(faults),
                    "errors": dict(errors),
                    "status": report.get("status"),
                    "killed": report.get("killed", False),
                    "warc_repaired": report.get("warc_repaired"),
                    "captured": now["captured"],
                    "sha_equal": now["sha_equal"],
                }
                result["rounds"].append(line)
                out(
                    f"round {n}: {line['requests']} requests, {sum(faults.values())} faulty "
                    f"({', '.join(f'{k} {v}' for k, v in sorted(faults.items())) or '-'}); "
                    f"{'killed and resumed, ' if line['killed'] else ''}{line['status']} in "
                    f"{line['wall_s']} s; recorded errors "
                    f"{', '.join(f'{k} {v}' for k, v in sorted(errors.items())) or '-'}; "
                    f"archive has {now['captured']}/{len(truth)} report URLs"
                )
            store = CaptureStore(archive)
            final = compare(store, truth)
            store.close()
            total = farm.faults_injected()
            result.update(
                final,
                requests=len(farm.log),
                faults=dict(total),
                fault_share=round(sum(total.values()) / max(1, len(farm.log)), 3),
            )
    finally:
        if own:
            tmpdir.cleanup()
    out(
        f"final: {result['captured']}/{result['urls']} report URLs captured, "
        f"{result['sha_equal']}/{result['urls']} sha256 equal to the fault-free truth, "
        f"{len(result['extra'])} extra; events {result['events']}; "
        f"{result['requests']} requests, {result['fault_share']:.1%} faulty, "
        f"{result['kills']} kills → {'EQUAL' if result['equal'] else 'DIFFERENT'}"
    )
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--kills", type=int, default=2, help="rounds SIGKILLed and resumed")
    ap.add_argument("--rate", type=float, default=0.1, help="share of faulty responses")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reports", type=int, default=6, help="reports per portal")
    ap.add_argument("--portals-per-family", type=int, default=1)
    a = ap.parse_args()
    result = soak(a.rounds, a.kills, a.rate, a.seed, a.reports, a.portals_per_family)
    return 0 if result["equal"] else 1


if __name__ == "__main__":
    sys.exit(main())
