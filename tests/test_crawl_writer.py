"""The capture writer (crawler/writer.py): writes in order, committed in groups, each result
handed back only after its group's commit — so a crawl killed with SIGKILL has lost nothing it
was told was written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.captures import CaptureStore

ROOT = Path(__file__).resolve().parents[1]

# A process that writes captures through a StoreWriter as fast as it can, and appends one line
# per acknowledged write (its number and the sha256 it was given back) to ACKS.
CHILD = r"""
import os, sys
from twisted.internet import asyncioreactor
asyncioreactor.install()
from twisted.internet import reactor
from crawler.writer import StoreWriter

archive, acks = sys.argv[1], os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_APPEND)
writer = StoreWriter(archive)

def write(i):
    body = f"<html>page {i}</html>".encode() + os.urandom(2000 if i % 3 else 200_000)
    warc = {"crawl_id": "c1", "url": f"http://w.test/{i}", "method": "GET",
            "request_headers": [("Accept", "*/*")], "request_body": b"", "status": 200,
            "reason": "OK", "response_headers": [("Content-Type", "text/html")], "body": body,
            "fetched_at": "2024-01-01T00:00:00.000000Z"}
    row = {"crawl_id": "c1", "portal": "p", "url": f"http://w.test/{i}",
           "final_url": f"http://w.test/{i}", "method": "GET", "status": 200, "kind": "detail",
           "is_report": 1, "fetched_at": "2024-01-01T00:00:00.000000Z"}
    d = writer.call("record_response", body=body, spool=None, warc=warc, row=row)
    d.addCallback(lambda r: os.write(acks, f"{i} {r[0]}\n".encode()))
    if i < 100_000:
        reactor.callLater(0, write, i + 1)

reactor.callWhenRunning(write, 0)
reactor.run()
"""


def test_results_in_order_and_a_failure_is_its_own(tmp_path):
    """Many writes queued at once (so they share commits): each gets its own result, in the
    order asked; one that fails fails alone; every row is there afterwards."""
    script = r"""
import sys, json
from twisted.internet import asyncioreactor
asyncioreactor.install()
from twisted.internet import reactor, defer
from crawler.writer import StoreWriter

writer = StoreWriter(sys.argv[1])
got = []

def run():
    ds = []
    for i in range(300):
        if i == 150:   # not a sha256: store_file refuses it
            d = writer.call("store_file", "/nonexistent", "bad", 1)
        else:
            d = writer.call("add_capture", crawl_id="c1", url=f"http://w.test/{i}", status=200)
        d.addCallbacks(lambda r, i=i: got.append([i, r]),
                       lambda f, i=i: got.append([i, f.type.__name__]))
        ds.append(d)
    defer.DeferredList(ds).addBoth(lambda _: (writer.close(), reactor.stop()))

reactor.callWhenRunning(run)
reactor.run()
print(json.dumps(got))
"""
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout)
    assert [i for i, _ in got] == list(range(300))
    assert got[150][1] == "ValueError"
    ids = [r for i, r in got if i != 150]
    assert ids == sorted(ids) and len(set(ids)) == 299
    rows = CaptureStore(tmp_path).captures("c1")
    assert [r["id"] for r in rows] == ids
    assert [r["url"] for r in rows] == [f"http://w.test/{i}" for i in range(300) if i != 150]


def test_sigkill_loses_nothing_acknowledged(tmp_path):
    archive, acks = tmp_path / "a", tmp_path / "acks.txt"
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(archive), str(acks)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        assert proc.poll() is None, proc.stderr.read()[-3000:]
        if acks.exists() and acks.read_bytes().count(b"\n") >= 300:
            break
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stderr.close()
    acked = dict(line.split() for line in acks.read_text().splitlines())
    assert len(acked) >= 300

    store = CaptureStore(archive)  # opening it recovers the WAL as a restart would
    rows = {r["url"].rsplit("/", 1)[1]: r for r in store.captures("c1")}
    for i, sha in acked.items():
        row = rows.get(i)
        assert row is not None, f"write {i} was acknowledged but its row is lost"
        assert row["sha256"] == sha
        assert store.blob_path(sha).is_file()
        assert store.db["documents"].get(sha)["size"] == store.blob_path(sha).stat().st_size
    # every committed row points at a whole WARC record of its URL
    warc = archive / "warc" / "c1.warc.gz"
    with open(warc, "rb") as fh:
        for row in rows.values():
            fh.seek(row["warc_offset"])
            rec = next(iter(ArchiveIterator(fh)))
            assert rec.rec_type == "response"
            assert rec.rec_headers.get_header("WARC-Target-URI") == row["url"]
            assert len(rec.content_stream().read()) == row["size"]
