"""What one request can cost a public `ogi serve` (the tests check only the bounds).

    .venv/bin/python bench/serve.py [--big-mb 200] [--only NAME]

Starts a real `ogi serve` (datasette under uvicorn) on an archive of generated reports with one
large raw capture, then sends each hostile request of CASES in turn and prints, with the load
average: the answer's status, its wall time, the bytes sent, the server's peak resident
memory during the request (VmHWM, reset before each) and the console lines it left.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from served import Served, public_archive  # noqa: E402  (tests/served.py)

_REC = "with recursive c(x) as (select 1 union all select x + 1 from c{}) select x from c"


def cases(big: str | None) -> list[tuple[str, str]]:
    """(name, path): SQL as `?sql=` on /ogi.json unless the path starts with /."""
    out = [
        ("ogi_match 50M chars", "select length(ogi_match(printf('%.*c', 50000000, '复')))"),
        ("ogi_match 10M chars", "select length(ogi_match(printf('%.*c', 10000000, '复')))"),
        ("escape_fts 50M chars", "select length(escape_fts(printf('%.*c', 50000000, '复')))"),
        (
            "ogi_snippet 50M chars",
            "select length(ogi_snippet(printf('%.*c', 50000000, '复'), '议'))",
        ),
        (
            "ogi_hits 5M-char expr",
            "select length(ogi_hits('reports', printf('\"%.*c\"', 5000000, '复')))",
        ),
        ("hex(zeroblob(400M))", "select hex(zeroblob(400000000))"),
        (
            "group_concat 1 GB",
            "select length(group_concat(hex(randomblob(1000000)))) from ("
            + _REC.format(" limit 500")
            + ")",
        ),
        (
            "1000 rows x 1 MB",
            "select x, hex(randomblob(500000)) as b from (" + _REC.format(" limit 1000") + ")",
        ),
        ("endless count(*)", "select count(*) from (" + _REC.format("") + ")"),
        (
            "ogi_match per row",
            "select count(ogi_match('复议' || x)) from (" + _REC.format("") + ")",
        ),
        (
            "ogi_snippet 1M per row",
            "select count(ogi_snippet(printf('%.*c', 1000000, '复') || x,"
            " '议')) from (" + _REC.format(" limit 100000") + ")",
        ),
        (
            "facet every column",
            "/ogi/reports.json?_facet=title&_facet=url&_facet=body&_facet=sha256&_facet_size=max",
        ),
        ("search box 10k chars", "/ogi/reports.json?_search=" + "%E5%A4%8D%E8%AE%AE" * 3000),
        ("path /..", "/.."),
        ("path /ogi..json", "/ogi..json"),
        ("path /ogi/reports/1..2", "/ogi/reports/1..2"),
        ("sort by %ff", "/ogi/reports?_sort=%ff"),
        ("path %E0%A4%A", "/ogi/reports/%E0%A4%A"),
        ("bad SQL", "select nothing from nowhere"),
        ("/-/metadata.json", "/-/metadata.json"),
        ("/-/databases.json", "/-/databases.json"),
        ("/-/threads.json", "/-/threads.json"),
        ("pragma_database_list", "select file from pragma_database_list"),
        ("crawl_runs.options", "/ogi/crawl_runs.json?_shape=array"),
        ("portals.source_file", "/ogi/portals.json?_shape=array"),
    ]
    if big:
        out.append(("raw capture download", f"/-/ogi/raw/{big}.pdf"))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--big-mb", type=int, default=200, help="size of the raw capture (MiB)")
    ap.add_argument("--only", help="only the cases whose name contains this")
    ap.add_argument("--log", action="store_true", help="print the console lines of each case")
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="ogi-bench-serve-") as tmp:
        root = Path(tmp) / "archive"
        info = public_archive(root, big_mb=args.big_mb)
        home = str(Path(tmp).resolve())
        with Served(root) as s:
            print(f"server at rest: {s.rss_mb():.0f} MB resident")
            print(
                f"{'case':<26} {'status':>6} {'seconds':>8} {'bytes':>11} {'peak MB':>8} "
                f"{'log lines':>9}  answer / path published"
            )
            for name, what in cases(info["big"]):
                if args.only and args.only not in name:
                    continue
                path = what if what.startswith("/") else None
                s.reset_peak()
                t = time.perf_counter()
                try:
                    if path:
                        status, _, body, size = s.fetch(path, keep=200_000, timeout=300)
                    else:
                        status, _, body, size = s.sql(what, keep=200_000, timeout=300)
                except OSError as e:
                    status, body, size = 0, str(e).encode(), 0
                took = time.perf_counter() - t
                time.sleep(0.3)
                lines = s.log_lines()
                leak = "PUBLISHES " + home if home.encode() in body else ""
                answer = " ".join(body[:110].decode("utf-8", "replace").split())
                print(
                    f"{name:<26} {status:>6} {took:>8.2f} {size:>11,} {s.peak_mb():>8.0f} "
                    f"{len(lines):>9}  {leak or answer}",
                    flush=True,
                )
                if args.log:
                    print("".join(f"    | {line[:200]}\n" for line in lines), end="")
            print(f"server after: {s.rss_mb():.0f} MB resident")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
