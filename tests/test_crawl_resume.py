"""A crawl killed with SIGKILL half-way and resumed ends with the same captures as an
uninterrupted one: nothing lost, nothing twice."""
from __future__ import annotations

import os
import signal
import sqlite3
import time
from collections import Counter

import pytest

from archive.captures import CaptureStore
from crawler.run import crawl_in_subprocess, spawn_crawl
from synthetic.farm import Farm

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


@pytest.mark.parametrize("sig,status", [(signal.SIGKILL, "running"),
                                        (signal.SIGINT, "interrupted")])
def test_killed_crawl_resumes_to_the_same_captures(tmp_path, sig, status):
    with Farm(reports_per_portal=10, delay=0.03) as farm:
        sources = farm.write_sources(tmp_path / "demo.yaml")
        whole = crawl_in_subprocess(sources, tmp_path / "whole", *SLOW)
        assert whole["status"] == "finished"
        expected = capture_rows(tmp_path / "whole", whole["crawl_id"])
        total = sum(expected.values())

        archive = tmp_path / "killed"
        proc = spawn_crawl(sources, archive, *SLOW)
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
        resumed = crawl_in_subprocess(sources, archive, "--resume")
        assert resumed["status"] == "finished", resumed["stderr"][-3000:]
        assert resumed["crawl_id"] == run["id"]
        got = capture_rows(archive, run["id"])
        assert got == expected
        # events too: every published report is 'new' exactly once
        events = CaptureStore(archive).events(run["id"])
        assert sorted(e["url"] for e in events) == sorted(farm.truth())
