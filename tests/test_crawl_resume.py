"""A crawl killed with SIGKILL half-way and resumed ends with the same captures as an
uninterrupted one: nothing lost, nothing twice."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from collections import Counter

import pytest

from archive.captures import CaptureStore
from crawler.run import crawl_in_subprocess, spawn_crawl
from synthetic.farm import Farm

from synthetic.faults import DocPortal
from wacz_check import assert_index_as_cdxj_indexer  # tests/wacz_check.py

SLOW = ("--fast", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
FIELDS = ("portal", "url", "final_url", "method", "status", "sha256", "kind", "is_report", "error")


def capture_rows(archive, crawl_id):
    store = CaptureStore(archive)
    return Counter(tuple(c[f] for f in FIELDS) for c in store.captures(crawl_id))


def store_id(archive) -> str:
    return CaptureStore(archive).runs()[0]["id"]


def count_captures(db_path) -> int:
    if not db_path.exists():
        return 0
    try:
        with sqlite3.connect(db_path, timeout=5) as db:
            return db.execute("select count(*) from captures").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


@pytest.mark.parametrize(
    "sig,status", [(signal.SIGKILL, "running"), (signal.SIGINT, "interrupted")]
)
def test_killed_crawl_resumes_to_the_same_captures(tmp_path, sig, status):
    # after SIGINT the scheduler's queues are written (crawler/queues.py): held 2 a queue in
    # memory, so that the older requests went to the files before the stop as well
    args = SLOW + (("-s", "OGI_QUEUE_IN_MEMORY=2") if sig == signal.SIGINT else ())
    with Farm(reports_per_portal=10, delay=0.03) as farm:
        sources = farm.write_sources(tmp_path / "demo.yaml")
        whole = crawl_in_subprocess(sources, tmp_path / "whole", *args)
        assert whole["status"] == "finished"
        expected = capture_rows(tmp_path / "whole", whole["crawl_id"])
        total = sum(expected.values())

        archive = tmp_path / "killed"
        proc = spawn_crawl(sources, archive, *args)
        deadline = time.time() + 120
        while count_captures(archive / "archive.db") < total // 2 and time.time() < deadline:
            assert proc.poll() is None, proc.communicate()[1][-3000:]
            time.sleep(0.02)
        os.kill(proc.pid, sig)
        proc.wait(timeout=60)
        done_before = count_captures(archive / "archive.db")
        assert 0 < done_before < total
        if sig == signal.SIGINT:
            assert (archive / "jobs" / store_id(archive)).is_dir()  # Scrapy's queue kept
        store = CaptureStore(archive)
        (run,) = store.runs()
        assert run["status"] == status  # SIGKILL: never closed; SIGINT: closed as interrupted
        if sig == signal.SIGINT:
            assert json.loads(run["stats"])["ogi/queue_spilled"] > 0
        resumed = crawl_in_subprocess(sources, archive, "--resume")
        assert resumed["status"] == "finished", resumed["stderr"][-3000:]
        assert resumed["crawl_id"] == run["id"]
        got = capture_rows(archive, run["id"])
        assert got == expected
        # events too: every published report is 'new' exactly once
        events = CaptureStore(archive).events(run["id"])
        assert sorted(e["url"] for e in events) == sorted(farm.truth())
        # the index written with the WARC across both runs (after a SIGKILL: cut back with it)
        (tmp_path / "cmp").mkdir()
        assert_index_as_cdxj_indexer(CaptureStore(archive), run["id"], tmp_path / "cmp")


def big_docs(n: int = 6, mb: int = 24) -> DocPortal:
    """Large incompressible PDFs: writing one WARC record takes long enough to kill the crawl
    in the middle of it."""
    return DocPortal(
        {f"/doc/{i}.pdf": b"%PDF-1.4\n" + os.urandom(mb * 2**20) for i in range(n)},
        host="127.0.0.97",
        name="大文件门户",
    )


def test_warc_torn_by_a_kill_is_repaired_on_resume(tmp_path):
    """SIGKILL while a large WARC record is being written leaves a torn gzip member; the
    resume cuts it back and writes lost records again: warcio then reads the whole file."""
    import hashlib

    from warcio.archiveiterator import ArchiveIterator

    from archive.warc import warc_members

    with big_docs() as site:
        sources = tmp_path / "big.yaml"
        site.write_sources(sources)
        for attempt in range(8):  # until the kill lands inside a record (it nearly always does)
            archive = tmp_path / f"a{attempt}"
            proc = spawn_crawl(sources, archive, "--fast", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
            warc, deadline, torn, last = None, time.time() + 120, False, None
            while time.time() < deadline and proc.poll() is None:
                warcs = list((archive / "warc").glob("*.warc.gz")) if archive.exists() else []
                size = warcs[0].stat().st_size if warcs else 0
                # growing past the first large document: a record is being written (a 24 MiB
                # PDF takes some 60 ms, stored without deflate in its gzip member)
                if last is not None and size > last and size > 30 * 2**20:
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=30)
                    warc = warcs[0]
                    torn = warc.stat().st_size not in warc_members(warc).values()
                    break
                last = size
                time.sleep(0.002)
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if torn:
                break
        assert torn, "could not kill the crawl in the middle of a WARC record"
        resumed = crawl_in_subprocess(sources, archive, "--resume")
        assert resumed["status"] == "finished", resumed["log"][-3000:]
        assert resumed["warc_repaired"]["cut_bytes"] > 0
        store = CaptureStore(archive)
        rows = [c for c in store.captures(resumed["crawl_id"]) if c["warc_offset"] is not None]
        with open(warc, "rb") as fh:  # read end to end
            it = ArchiveIterator(fh)
            records = {}
            for rec in it:
                records[it.get_record_offset()] = (
                    rec.rec_type,
                    rec.rec_headers.get_header("WARC-Target-URI"),
                    hashlib.sha256(rec.content_stream().read()),
                )
        responses = [r for r in records.values() if r[0] == "response"]
        assert len(responses) == len(rows)
        by_url = {}
        for _kind, url, digest in responses:
            by_url.setdefault(url, []).append(digest.hexdigest())
        for c in rows:
            assert c["final_url"] in by_url
        for path, body in site.docs.items():  # every document whole, once, in the WARC
            assert by_url[site.base + path] == [hashlib.sha256(body).hexdigest()]
        # the index written with the WARC: the torn pair's line cut with it
        (tmp_path / "cmp").mkdir()
        lines = assert_index_as_cdxj_indexer(store, resumed["crawl_id"], tmp_path / "cmp")
        assert len(lines) == len(rows)
