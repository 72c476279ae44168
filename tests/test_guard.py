"""The guard runs one extraction in a child with a time limit and a memory bound.

Behaviour only: how fast it kills and refuses is measured by bench/guard.py."""

import os
import signal
import subprocess
import sys
import time

import pytest

import parsers
from parsers.model import ParseError
from parsers.runner import Task, run_guarded, run_many
from synthetic.render_docx import render_docx
from synthetic.report import generate_report
from synthetic.score import score


def test_good_file_gives_its_record():
    report = generate_report(31)
    res = run_guarded(render_docx(report), name="r.docx", timeout_s=60, memory_mb=1024)
    assert res.ok and score(report.record, res.record).accuracy == 1.0
    assert 0 <= res.peak_rss_mb < 1024  # memory the extraction added; a small file may add ~none


def test_time_limit_kills_the_child_and_its_converter(monkeypatch, tmp_path):
    import tempfile
    from synthetic.render_doc import render_doc

    data = render_doc(generate_report(32))  # LibreOffice needs seconds: more than allowed
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the converter's profile goes here
    res = run_guarded(data, name="slow.doc", timeout_s=1.0, memory_mb=1024)
    assert res.record is None and res.error == "timed out after 1 s" and res.status == "timeout"
    assert _running_in(tmp_path) == [], "LibreOffice outlived the time limit"
    assert list(tmp_path.iterdir()) == []  # and nothing it wrote is left behind


def _running_in(folder) -> list[int]:
    """Live processes whose command line names `folder` (zombies are dead)."""
    live = []
    for _ in range(40):
        live = []
        for pid in (p for p in os.listdir("/proc") if p.isdigit()):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmd = f.read()
                with open(f"/proc/{pid}/stat") as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if str(folder).encode() in cmd and state != "Z":
                live.append(int(pid))
        if not live:
            break
        time.sleep(0.05)
    return live


def test_memory_bound_is_enforced():
    # a valid but enormous HTML page: parsing it needs far more than 300 MB
    row = "<tr>" + "<td>0</td>" * 20 + "</tr>"
    data = ("<html><body><table>" + row * 200_000 + "</table></body></html>").encode()
    res = run_guarded(data, name="big.html", timeout_s=120, memory_mb=300)
    assert res.record is None
    assert "memory" in res.error, res.error
    assert res.peak_rss_mb <= 300


def test_size_limit_refuses_before_reading(tmp_path):
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.4\n" + bytes(2_000_000))
    res = run_guarded(big, max_bytes=1_000_000)
    assert res.error == "file too large: 1.9 MB (limit 1 MB)" and res.peak_rss_mb == 0


# ---- the pool: order, crashes, helpers (a parser replaced in this process is what a forked
# child runs)


def _fake_parse(monkeypatch, fn):
    monkeypatch.setattr(parsers, "parse_bytes", fn)


def test_run_many_in_input_order_or_as_they_finish(monkeypatch):
    def parse(data, name="", content_type="", **kw):
        time.sleep(1.0 if name == "slow" else 0)
        raise ParseError(f"{name} refused")

    _fake_parse(monkeypatch, parse)
    items = [Task(b"x", name="slow", key=1), b"", Task(b"x", name="fast", key=3)]
    ordered = list(run_many(items, workers=2, timeout_s=30, memory_mb=512))
    assert [item for item, _ in ordered] == items
    assert [r.error for _, r in ordered] == ["slow refused", "empty file (0 bytes)", "fast refused"]
    assert {r.status for _, r in ordered} == {"parse_error"}
    finished = [
        r.error for _, r in run_many(items, workers=2, timeout_s=30, memory_mb=512, ordered=False)
    ]
    assert finished == ["empty file (0 bytes)", "fast refused", "slow refused"]


def test_document_text_and_sections_come_back():
    report = generate_report(33)
    [(_, res)] = run_many([render_docx(report)], timeout_s=60, memory_mb=1024, document=True)
    assert res.ok and res.status == "ok" and res.document["ext"] == ".docx"
    assert report.agency in res.document["text"] and res.document["sections"]


def test_sections_are_the_records_one_splitter(shared_dir):
    """The archive stores the extractor's sections: the last one ends at the page's footer."""
    page = shared_dir / "corpus" / "pingtan2020.html"
    [(_, res)] = run_many([page], timeout_s=60, memory_mb=1024, document=True)
    assert res.ok and res.document["sections"] == res.record["sections"]
    last = res.document["sections"][-1]
    assert last["number"] == 6 and last["text"] == "无其他需要报告的事项"


def test_crash_is_one_line(monkeypatch):
    _fake_parse(monkeypatch, lambda *a, **k: os.kill(os.getpid(), signal.SIGSEGV))
    res = run_guarded(b"x", timeout_s=30, memory_mb=512)
    assert (
        res.status == "crashed" and res.error == "parser crashed with SIGSEGV (memory limit 512 MB)"
    )


def test_parser_bug_is_an_internal_error(monkeypatch):
    def parse(*a, **k):
        raise KeyError("nope")

    _fake_parse(monkeypatch, parse)
    res = run_guarded(b"x", timeout_s=30, memory_mb=512)
    assert res.status == "error" and res.error.startswith("internal error: KeyError: 'nope' (")


def _helpers(monkeypatch, tmp_path, code, n):
    """The parser starts n helpers in sessions of their own (as parsers.runner.commands
    does), then waits."""
    pids = tmp_path / "pids"

    def parse(*a, **k):
        procs = [
            subprocess.Popen([sys.executable, "-c", code], start_new_session=True) for _ in range(n)
        ]
        pids.write_text(" ".join(str(p.pid) for p in procs))
        time.sleep(3600)

    _fake_parse(monkeypatch, parse)
    return pids


def _gone(pid: int) -> bool:
    for _ in range(40):
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.timeout(120)  # the parser and its helper would sleep for an hour
def test_timeout_kills_helpers_in_their_own_session(monkeypatch, tmp_path):
    pids = _helpers(monkeypatch, tmp_path, "import time; time.sleep(3600)", 1)
    res = run_guarded(b"x", timeout_s=1.5, memory_mb=512)
    assert res.status == "timeout" and res.error == "timed out after 1.5 s"
    assert all(_gone(int(p)) for p in pids.read_text().split())


@pytest.mark.timeout(120)
def test_memory_of_helpers_counts_together(monkeypatch, tmp_path):
    # each helper stays under the address-space limit it inherits; together they do not
    hog = "import time; b = b'x' * (150 * 2**20); time.sleep(3600)"
    pids = _helpers(monkeypatch, tmp_path, hog, 2)
    res = run_guarded(b"x", timeout_s=30, memory_mb=200)
    # killed by the memory watch, not at the time limit
    assert res.status == "memory" and res.error == "out of memory (limit 200 MB)", res.error
    assert res.peak_rss_mb > 200
    assert all(_gone(int(p)) for p in pids.read_text().split())


def test_a_helpers_peak_is_its_own_not_the_callers():
    # a converter started by the child inherits, in its ru_maxrss, the resident size the child
    # had at the fork (the caller's, forked): the peak must not grow with the caller
    from synthetic.render_doc import render_doc

    doc = render_doc(generate_report(31))
    ballast = bytearray(600 * 2**20)
    ballast[:: 2**12] = b"\1" * len(ballast[:: 2**12])
    res = run_guarded(doc, name="r.doc", timeout_s=120, memory_mb=1024)
    del ballast
    assert res.ok and 0 < res.peak_rss_mb < 600  # LibreOffice's own: ~210 MB here


def test_a_helper_between_fork_and_exec_is_not_counted_twice(tmp_path):
    # a child that holds 300 MB forks; until the fork runs a program of its own, its pages
    # are the child's: the watch counts them once, then counts the program's own memory
    from parsers.runner import procs
    from parsers.runner.pool import _Pool, _Run

    base_anon = procs.statm(os.getpid())[1]
    pid = os.fork()
    if pid == 0:  # the "child": 300 MB, then a fork that waits before it execs
        try:
            held = bytearray(300 * 2**20)
            held[:: 2**12] = b"\1" * len(held[:: 2**12])
            r, w = os.pipe()
            if os.fork() == 0:
                os.read(r, 1)  # wait for the word to exec
                os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(60)"])
            (tmp_path / "ready").write_text("1")
            deadline = time.monotonic() + 60
            while not (tmp_path / "go").exists() and time.monotonic() < deadline:
                time.sleep(0.01)  # until the test has watched the fork before its exec
            os.write(w, b"x")
            time.sleep(60)
        finally:
            os._exit(0)
    try:
        while not (tmp_path / "ready").exists():
            time.sleep(0.01)
        pool = _Pool(tmp_path, timeout_s=60, memory_mb=1024, document=False)
        run = _Run(
            0, None, pid, None, time.monotonic(), 0, base_anon, tmp_path / "o", tmp_path / "e"
        )
        run.seen = {}
        grandchild = procs.descendants(pid)
        assert len(grandchild) == 1 and procs.cmdline(grandchild[0]) == pool.cmdline
        before = pool._watch(run)
        assert 300 * 2**20 < before < 450 * 2**20  # the child's 300 MB once, not twice
        (tmp_path / "go").write_text("1")  # now the fork may exec
        deadline = time.monotonic() + 20
        while procs.cmdline(grandchild[0]) == pool.cmdline and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        assert pool._watch(run) > before  # the program it runs now counts
    finally:
        procs.kill(pid)
        procs.kill_seen(run.seen)
        os.waitpid(pid, 0)
