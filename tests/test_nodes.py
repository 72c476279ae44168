"""A crawl on three real Scrapyd nodes (processes on 127.0.0.201…203) equals a one-machine
crawl of the same demo farm; the merge run twice changes nothing; a node killed mid-crawl
(SIGKILL, by pid) has its shard crawled again elsewhere, and the report names it."""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from archive.captures import CaptureStore
from crawler.run import crawl_in_subprocess
from synthetic.farm import Farm, free_port
from synthetic.nodes import start_nodes
from wacz_check import assert_index_as_cdxj_indexer  # tests/wacz_check.py

ROOT = Path(__file__).resolve().parents[1]
OGI = [sys.executable, "-m", "ogi.cli"]
FIELDS = ("portal", "url", "final_url", "method", "status", "sha256", "kind", "is_report", "error")

pytestmark = pytest.mark.timeout(600)


def ogi(*args, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*OGI, *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def captures(archive, crawl_id, fields=FIELDS) -> Counter:
    store = CaptureStore(archive)
    out = Counter(tuple(c[f] for f in fields) for c in store.captures(crawl_id))
    store.close()
    return out


def events(archive, crawl_id) -> Counter:
    store = CaptureStore(archive)
    out = Counter(
        (e["portal"], e["event"], e["url"], e["from_url"], e["old_sha256"], e["new_sha256"])
        for e in store.events(crawl_id)
    )
    store.close()
    return out


def snapshot(archive: Path) -> dict:
    """Everything a merge writes: the tables, the WARCs, the bodies."""
    db = sqlite3.connect(archive / "archive.db")
    out = {
        t: db.execute(f"select * from {t} order by 1").fetchall()
        for t in ("captures", "documents", "change_events", "crawl_runs", "crawl_jobs", "portals")
    }
    db.close()
    out["warc"] = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (archive / "warc").iterdir()
    }
    out["blobs"] = sorted(p.name for p in (archive / "blobs").rglob("*") if p.is_file())
    return out


def check_warc(archive: Path, crawl_id: str) -> None:
    """Every capture with a response points at its response record in the merged WARC."""
    from warcio.archiveiterator import ArchiveIterator

    records = {}
    with open(archive / "warc" / f"{crawl_id}.warc.gz", "rb") as fh:
        it = ArchiveIterator(fh)
        for rec in it:
            if rec.rec_type == "response":
                records[it.get_record_offset()] = rec.rec_headers.get_header("WARC-Target-URI")
    store = CaptureStore(archive)
    caps = [c for c in store.captures(crawl_id) if c["status"] is not None]
    store.close()
    assert len(records) == len(caps)
    for c in caps:
        assert records[c["warc_offset"]] == c["final_url"]


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    nodes = start_nodes(tmp_path_factory.mktemp("scrapyd"))
    yield nodes
    for n in nodes:
        n.stop()


@pytest.fixture(scope="module")
def farm():
    with Farm(reports_per_portal=4, portals_per_family=2, port=free_port()) as farm:
        yield farm


def test_deploy_sends_the_code_once(nodes):
    urls = ",".join(n.url for n in nodes)
    done = ogi("deploy", "--nodes", urls)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("deployed ") == 3
    again = ogi("deploy", "--nodes", urls)
    assert again.returncode == 0 and "deployed " not in again.stdout  # the same code: kept
    import requests

    for n in nodes:
        data = requests.get(n.url + "/listspiders.json", params={"project": "ogi"}).json()
        assert data["spiders"] == ["portals"]


def test_three_nodes_equal_one_machine_and_a_second_merge_changes_nothing(nodes, farm, tmp_path):
    sources = farm.write_sources(tmp_path / "demo.yaml")
    one = crawl_in_subprocess(sources, tmp_path / "one", "--fast")
    assert one["status"] == "finished"

    urls = ",".join(n.url for n in nodes)
    done = ogi(
        "crawl",
        "--sources",
        sources,
        "--archive",
        tmp_path / "multi",
        "--fast",
        "--nodes",
        urls,
        "--json",
    )
    report = json.loads(done.stdout)
    assert report["status"] == "finished", done.stderr[-3000:]
    multi = tmp_path / "multi"
    # the same captures as one machine: url, final url, sha256 — and status, kind, error …
    assert captures(multi, report["crawl_id"]) == captures(tmp_path / "one", one["crawl_id"])
    assert captures(multi, report["crawl_id"], ("url", "final_url", "sha256")) == captures(
        tmp_path / "one", one["crawl_id"], ("url", "final_url", "sha256")
    )
    # every node crawled a part; every portal of a host on one node
    assert len(report["nodes"]) == 3 and all(n["portals"] for n in report["nodes"].values())
    assert report["failed_nodes"] == []
    store = CaptureStore(multi)
    by_host = {}
    for c in store.captures(report["crawl_id"]):
        by_host.setdefault(c["url"].split("/")[2], set()).add(c["node"])
    assert all(len(v) == 1 for v in by_host.values())
    store.close()
    # the events, concluded on the head, and the per-portal report equal one machine's
    assert events(multi, report["crawl_id"]) == events(tmp_path / "one", one["crawl_id"])
    assert {e[2] for e in events(multi, report["crawl_id"]) if e[1] == "new"} == set(farm.truth())
    assert report["portals"] == one["portals"]
    assert report["totals"] == one["totals"]
    check_warc(multi, report["crawl_id"])
    from crawler.wacz import validate

    assert validate(multi / report["wacz"])[0]
    # the nodes' indexes, written with their WARCs, moved to where each part of the head's
    # WARC starts: what cdxj-indexer reads from the whole file
    (tmp_path / "cmp1").mkdir()
    assert_index_as_cdxj_indexer(CaptureStore(multi), report["crawl_id"], tmp_path / "cmp1")

    # the merge again: nothing changes
    before = snapshot(multi)
    again = ogi("collect", "--archive", multi, "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["merged"] == 0
    assert snapshot(multi) == before
    # a merge killed after it appended the WARC, before its rows were committed: the next
    # collect cuts the WARC back and merges the job once
    db = sqlite3.connect(multi / "archive.db")
    last = db.execute("select id from crawl_jobs order by warc_end desc limit 1").fetchone()[0]
    with db:
        db.execute("delete from captures where node_capture like ?", [f"{last}:%"])
        db.execute("update crawl_jobs set state = 'finished' where id = ?", [last])
        db.execute("update crawl_runs set status = 'running'")
    db.close()
    again = ogi("collect", "--archive", multi, "--json")
    assert json.loads(again.stdout)["merged"] == 1, again.stderr
    after = snapshot(multi)
    assert after["warc"] == before["warc"] and after["blobs"] == before["blobs"]
    assert captures(multi, report["crawl_id"]) == captures(tmp_path / "one", one["crawl_id"])
    assert events(multi, report["crawl_id"]) == events(tmp_path / "one", one["crawl_id"])
    check_warc(multi, report["crawl_id"])
    (tmp_path / "cmp2").mkdir()  # the index cut back with the WARC, and the job's added once
    assert_index_as_cdxj_indexer(CaptureStore(multi), report["crawl_id"], tmp_path / "cmp2")

    # a second crawl on the nodes: the head concludes 'changed' and 'removed' from the
    # merged captures against the archive's history (a node has none)
    edited, removed = farm.edit_report("trs"), farm.remove_report("generic")
    try:
        done = ogi(
            "crawl", "--sources", sources, "--archive", multi, "--fast", "--nodes", urls, "--json"
        )
        second = json.loads(done.stdout)
        assert second["status"] == "finished", done.stderr[-3000:]
        assert {(e[1], e[2]) for e in events(multi, second["crawl_id"])} == {
            ("changed", edited),
            ("removed", removed),
        }
        ref = crawl_in_subprocess(sources, tmp_path / "one", "--fast")
        assert {(e[1], e[2]) for e in events(tmp_path / "one", ref["crawl_id"])} == {
            ("changed", edited),
            ("removed", removed),
        }
    finally:
        farm.stop()  # the farm's reports are edited now: no other test may use it


def node_store_captures(node, want: int) -> tuple | None:
    """(job, captures) of a job still running on this node with at least `want` captures."""
    for db in (node.root / "items").rglob("archive.db"):
        if (db.parent / "manifest.json").exists():
            continue
        try:
            with contextlib.closing(sqlite3.connect(db, timeout=2)) as con:
                n = con.execute("select count(*) from captures").fetchone()[0]
        except sqlite3.Error:
            continue
        if n >= want:
            return db.parent.name, n
    return None


def test_a_node_killed_mid_crawl_has_its_shard_crawled_elsewhere(tmp_path):
    slow = ("-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
    with Farm(reports_per_portal=5, portals_per_family=2, port=free_port(), delay=0.15) as farm:
        sources = farm.write_sources(tmp_path / "demo.yaml")
        one = crawl_in_subprocess(sources, tmp_path / "one", "--fast", *slow)
        assert one["status"] == "finished"
        nodes = start_nodes(tmp_path / "scrapyd", first_host=211)
        try:
            proc = subprocess.Popen(
                [
                    *OGI,
                    "crawl",
                    "--sources",
                    str(sources),
                    "--archive",
                    str(tmp_path / "multi"),
                    "--fast",
                    *slow,
                    "--nodes",
                    ",".join(n.url for n in nodes),
                    "--node-timeout",
                    "3",
                    "--json",
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            victim, deadline = None, time.time() + 180
            while victim is None and time.time() < deadline and proc.poll() is None:
                for n in nodes:
                    if node_store_captures(n, 8):
                        victim = n
                        break
                time.sleep(0.05)
            assert victim is not None, proc.communicate()[1][-3000:]
            job, _ = node_store_captures(victim, 8)
            killed = victim.kill()
            assert killed  # the crawl process, then Scrapyd
            out, err = proc.communicate(timeout=300)
        finally:
            for n in nodes:
                n.stop()
    report = json.loads(out)
    assert report["status"] == "finished", err[-3000:]
    assert report["failed_nodes"] == [victim.url]
    assert "no answer" in report["nodes"][victim.url]["failed"]
    assert report["nodes"][victim.url]["failed_jobs"][0]["job"] == job
    assert proc.returncode == 1  # finished, but a node failed: the operator is told
    multi = tmp_path / "multi"
    assert captures(multi, report["crawl_id"]) == captures(tmp_path / "one", one["crawl_id"])
    assert events(multi, report["crawl_id"]) == events(tmp_path / "one", one["crawl_id"])
    store = CaptureStore(multi)
    # nothing of the killed job was merged; its shard's second attempt ran on a live node
    assert not [
        c for c in store.captures(report["crawl_id"]) if c["node_capture"].startswith(job + ":")
    ]
    retry = job.replace("-a1", "-a2")
    rows = store.db["crawl_jobs"].get(retry)
    assert rows["state"] == "collected" and rows["node"] != victim.url
    store.close()
    check_warc(multi, report["crawl_id"])
    said = (multi / "logs" / f"{report['crawl_id']}.log").read_text()  # the head's log
    assert f"{victim.url}: node failed" in said and "rescheduled on" in said


def test_a_head_killed_mid_crawl_follows_its_jobs_again_on_resume(nodes, tmp_path):
    """The jobs go on on the nodes while the head is down; --resume picks them up."""
    import os
    import signal

    slow = ("-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
    with Farm(
        reports_per_portal=4, portals_per_family=1, blocked=False, port=free_port(), delay=0.1
    ) as farm:
        sources = farm.write_sources(tmp_path / "demo.yaml")
        one = crawl_in_subprocess(sources, tmp_path / "one", "--fast", *slow)
        multi = tmp_path / "multi"
        proc = subprocess.Popen(
            [
                *OGI,
                "crawl",
                "--sources",
                str(sources),
                "--archive",
                str(multi),
                "--fast",
                *slow,
                "--nodes",
                ",".join(n.url for n in nodes),
                "--json",
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 120
        while time.time() < deadline and not any(node_store_captures(n, 3) for n in nodes):
            assert proc.poll() is None
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        done = ogi("crawl", "--archive", multi, "--resume", "--json")
    report = json.loads(done.stdout)
    assert report["status"] == "finished", done.stderr[-3000:]
    assert report["failed_nodes"] == [] and done.returncode == 0
    assert captures(multi, report["crawl_id"]) == captures(tmp_path / "one", one["crawl_id"])
    assert events(multi, report["crawl_id"]) == events(tmp_path / "one", one["crawl_id"])


def test_a_node_without_items_dir_gets_no_shard(nodes, tmp_path):
    """A node whose Scrapyd has nowhere to put the node stores is named and left out."""
    from synthetic.nodes import ScrapydNode

    bad = ScrapydNode(tmp_path / "bad", "127.0.0.209", items=False).start()
    try:
        with Farm(
            reports_per_portal=2, portals_per_family=1, blocked=False, port=free_port()
        ) as farm:
            sources = farm.write_sources(tmp_path / "demo.yaml")
            done = ogi(
                "crawl",
                "--sources",
                sources,
                "--archive",
                tmp_path / "a",
                "--fast",
                "--nodes",
                f"{nodes[0].url},{bad.url}",
                "--json",
            )
    finally:
        bad.stop()
    report = json.loads(done.stdout)
    assert report["status"] == "finished", done.stderr[-3000:]
    assert report["failed_nodes"] == [bad.url]
    assert "items_dir" in report["nodes"][bad.url]["failed"]
    assert report["nodes"][nodes[0].url]["portals"] == 4
    assert done.returncode == 1


def scrapy_crawl(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "portals",
            *map(str, args),
            "-s",
            "DOWNLOAD_DELAY=0",
            "-s",
            "AUTOTHROTTLE_ENABLED=False",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_spider_runs_with_plain_scrapy_crawl(tmp_path):
    """What Scrapyd runs: `scrapy crawl portals -a …` in the project (scrapy.cfg)."""
    from crawler.node_store import pack

    with Farm(reports_per_portal=3, port=free_port()) as farm:
        sources = farm.write_sources(tmp_path / "demo.yaml")
        sites = [s for s in farm.sites if s.family in ("trs", "hanweb")]
        truth = {u: h for s in sites for u, h in s.truth().items()}
        done = scrapy_crawl(
            "-a",
            f"sources={sources}",
            "-a",
            f"archive={tmp_path / 'a'}",
            "-a",
            "portal=" + ",".join(s.name for s in sites),
            "-s",
            "OGI_CONTACT=https://example.org/ops",
        )
        assert done.returncode == 0, done.stderr[-3000:]
        store = CaptureStore(tmp_path / "a")
        (run,) = store.runs()
        assert run["status"] == "finished"
        got = {c["final_url"]: c["sha256"] for c in store.captures(run["id"]) if c["is_report"]}
        assert got == truth
        assert {e["url"] for e in store.events(run["id"])} == set(truth)  # all new
        store.close()
        assert {r["ua"] for r in farm.log} == {
            "ogi-archive/0.1 (+https://example.org/ops; annual OGI report archiver)"
        }

        # a node's job: portals packed, its own store, a manifest, no events
        portals = [
            p
            for p in json.loads(json.dumps(farm.sources()))["portals"]
            if p["name"] == sites[0].name
        ]
        for p in portals:
            p.setdefault("allowed_domains", [p["start_urls"][0].split("/")[2].split(":")[0]])
        done = scrapy_crawl(
            "-a",
            f"portals={pack(portals)}",
            "-a",
            "crawl_id=c1-x",
            "-a",
            "shard=1",
            "-a",
            f"archive={tmp_path / 'node'}",
            "-a",
            f"registry={pack(['127.0.0.2', '127.0.0.3'])}",
        )
        assert done.returncode == 0, done.stderr[-3000:]
    manifest = json.loads((tmp_path / "node" / "manifest.json").read_text())
    assert manifest["status"] == "finished" and manifest["shard"] == "1"
    assert manifest["portals"] == [sites[0].name]
    assert json.loads((tmp_path / "node" / "progress.json").read_text())["details"] > 0
    wal = tmp_path / "node" / "archive.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0  # the file alone is the store
    store = CaptureStore(tmp_path / "node")
    assert store.events() == [] and len(store.captures("c1-x")) > 0
    store.close()


def test_collect_without_an_archive_makes_none(tmp_path):
    done = ogi("collect", "--archive", tmp_path / "nothing")
    assert done.returncode == 2 and "no archive" in done.stderr
    assert not (tmp_path / "nothing").exists()
