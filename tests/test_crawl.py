"""Real Scrapy crawls (one child process each) of the demo farm on loopback.

The steps share one farm and one archive and run in file order: a first crawl, a second one
with nothing changed, then one after the farm edited a report and removed another."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from archive.captures import CaptureStore
from crawler.run import crawl_in_subprocess
from synthetic.farm import Farm


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("crawl")
    with Farm(reports_per_portal=5) as farm:
        sources = farm.write_sources(tmp / "demo.yaml")
        yield {"farm": farm, "sources": sources, "archive": tmp / "data", "runs": []}


def crawl(world) -> dict:
    report = crawl_in_subprocess(world["sources"], world["archive"], "--fast")
    assert report["status"] == "finished", report["stderr"][-3000:]
    world["runs"].append(report)
    return report


def report_captures(store: CaptureStore, crawl_id: str) -> dict[str, str]:
    """{final url: sha256} of the reports a crawl saw (a 304 stands for the body stored before)."""
    out = {}
    for c in store.captures(crawl_id):
        if c["is_report"] and c["status"] in (200, 304):
            out[c["final_url"]] = c["sha256"] or store.last_capture(c["final_url"])["sha256"]
    return out


def blob_count(archive: Path) -> int:
    return sum(1 for p in (archive / "blobs").rglob("*") if p.is_file())


def test_first_crawl_captures_exactly_the_published_reports(world):
    farm = world["farm"]
    report = crawl(world)
    world["first_truth"] = farm.truth()
    store = CaptureStore(world["archive"])
    caps = store.captures(report["crawl_id"])
    assert report_captures(store, report["crawl_id"]) == farm.truth()
    # each report URL captured once, bodies on disk and equal to what the farm served
    urls = [c["final_url"] for c in caps if c["is_report"]]
    assert len(urls) == len(set(urls))
    for c in caps:
        if c["sha256"]:
            assert store.has_blob(c["sha256"])
    # robots.txt obeyed, never off loopback (every request made leaves a capture)
    assert farm.requests_to_disallowed() == []
    assert all(ipaddress.ip_address(urlsplit(c["url"]).hostname).is_loopback for c in caps)
    assert {r["path"] for r in farm.log if r["path"] == "/robots.txt"}
    assert all("ogi-archive" in r["ua"] for r in farm.log)
    # a broken link is recorded with its reason; the 503s were retried and captured as 200
    assert any(c["error"] == "http_404" for c in caps)
    assert not any(c["status"] == 503 for c in caps)
    assert any(r["status"] == 503 for r in farm.log)
    # the challenge portal is reported as blocked, and nothing of it is a report
    blocked = report["portals"]["示例受阻门户"]
    assert blocked["blocked"] >= 1 and blocked["documents"] == 0
    assert "first crawl" in blocked["alert"] and "challenge" in blocked["alert"]
    assert all(not c["is_report"] for c in caps if c["portal"] == "示例受阻门户")
    # families: configured ones used, the others detected
    assert report["portals"]["示例HANWEB门户1"]["family_detected"] == "hanweb"
    assert report["portals"]["示例GENERIC门户1"]["family_detected"] == "generic"
    # the WARC holds request and response records
    from warcio.archiveiterator import ArchiveIterator

    with open(world["archive"] / "warc" / f"{report['crawl_id']}.warc.gz", "rb") as fh:
        types = [r.rec_type for r in ArchiveIterator(fh)]
    assert types.count("response") == len([c for c in caps if c["status"]])
    assert types.count("request") == types.count("response")
    # every report is a 'new' event
    events = store.events(report["crawl_id"])
    assert {e["url"] for e in events if e["event"] == "new"} == set(farm.truth())
    assert report["totals"]["details"] + report["totals"]["attachments"] == len(farm.truth())


def test_second_crawl_with_nothing_changed_stores_and_downloads_nothing_new(world):
    farm = world["farm"]
    before_blobs = blob_count(world["archive"])
    log_start = len(farm.log)
    report = crawl(world)
    assert blob_count(world["archive"]) == before_blobs
    assert report["totals"]["stored"] == 0
    store = CaptureStore(world["archive"])
    assert store.events(report["crawl_id"]) == []
    # every report and attachment was asked conditionally and answered 304 (no body sent)
    truth_paths = {urlsplit(u).path for u in farm.truth()}
    hits = [r for r in farm.log[log_start:] if r["path"] in truth_paths]
    assert {r["path"] for r in hits} == truth_paths
    assert all(r["status"] == 304 and r["size"] == 0 for r in hits), hits
    # and the crawl still saw every report (answered from the store)
    assert report_captures(store, report["crawl_id"]) == farm.truth()


def test_edited_and_removed_reports_give_exactly_two_events(world):
    farm = world["farm"]
    edited = farm.edit_report("trs")
    removed = farm.remove_report("generic")
    report = crawl(world)
    store = CaptureStore(world["archive"])
    events = {(e["event"], e["url"]) for e in store.events(report["crawl_id"])}
    assert events == {("changed", edited), ("removed", removed)}
    assert report_captures(store, report["crawl_id"]) == farm.truth()
    # new bodies: the edited report, and the list page that no longer shows the removed one
    assert report["portals"]["示例TRS门户1"]["stored"] == 1
    assert report["portals"]["示例GENERIC门户1"]["stored"] == 1
    assert report["totals"]["stored"] == 2


def test_portal_yielding_zero_reports_is_flagged(world):
    farm = world["farm"]
    site = farm.site("gkmlpt")
    saved = site.catid
    site.catid = "9999"  # the portal moved its column: the configured one is gone
    try:
        report = crawl(world)
    finally:
        site.catid = saved
    fig = report["portals"]["示例GKMLPT门户1"]
    assert fig["documents"] == 0 and "ZERO" in fig["alert"]
    assert "示例GKMLPT门户1" in report["alerts"]
    # a list page failure is not evidence of removal
    store = CaptureStore(world["archive"])
    assert [e for e in store.events(report["crawl_id"]) if e["event"] == "removed"] == []


def test_ogi_crawl_command_one_portal(tmp_path):
    import json
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    with Farm(reports_per_portal=2, blocked=False) as farm:
        sources = farm.write_sources(tmp_path / "demo.yaml")
        trs = farm.site("trs")
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "ogi.cli",
                "crawl",
                "--sources",
                str(sources),
                "--archive",
                str(tmp_path / "data"),
                "--portal",
                trs.name,
                "--fast",
                "--json",
            ],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr[-3000:]
        report = json.loads(out.stdout)
        assert list(report["portals"]) == [trs.name]
        assert {r["host"] for r in farm.log} == {trs.host}
        store = CaptureStore(tmp_path / "data")
        assert report_captures(store, report["crawl_id"]) == trs.truth()
        (run,) = store.runs()
        assert run["status"] == "finished" and json.loads(run["options"])["portals"] == [trs.name]


def test_portal_turned_blocked_is_reported_not_emptied(world):
    farm = world["farm"]
    site = farm.site("generic")
    site.blocked = True  # the portal put a JS challenge in front of everything
    try:
        report = crawl(world)
    finally:
        site.blocked = False
    fig = report["portals"][site.name]
    assert fig["blocked"] >= 1 and fig["documents"] == 0 and "ZERO" in fig["alert"]
    store = CaptureStore(world["archive"])
    assert store.events(report["crawl_id"]) == []  # blocked is not evidence of removal
    assert all(not c["is_report"] for c in store.captures(report["crawl_id"], portal=site.name))


def test_crawl_captures_the_shared_corpus_files(shared_dir, tmp_path):
    with Farm(reports_per_portal=1, shared_dir=shared_dir, blocked=False) as farm:
        sources = farm.write_sources(tmp_path / "demo.yaml")
        report = crawl_in_subprocess(sources, tmp_path / "data", "--fast")
        store = CaptureStore(tmp_path / "data")
        assert report_captures(store, report["crawl_id"]) == farm.truth()
        corpus = {
            p.read_bytes()
            for p in (shared_dir / "corpus").iterdir()
            if p.suffix in (".pdf", ".html")
        }
        stored = {store.read_blob(sha) for sha in farm.truth().values()}
        assert corpus <= stored  # byte for byte


def test_first_crawl_is_packaged_as_a_valid_wacz(world):
    """`wacz validate` accepts the WACZ of the first crawl; its pages are the report pages."""
    import json
    import subprocess
    import sys
    import zipfile

    first = world["runs"][0]
    path = world["archive"] / first["wacz"]
    out = subprocess.run(
        [sys.executable, "-m", "wacz", "validate", "-f", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0 and "is valid" in out.stdout, out.stdout + out.stderr
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        pages = [json.loads(x) for x in z.read("pages/pages.jsonl").splitlines()[1:]]
    assert {
        "datapackage.json",
        "indexes/index.cdx.gz",
        f"archive/{first['crawl_id']}.warc.gz",
        f"logs/{first['crawl_id']}.log",
    } <= names
    assert {p["url"] for p in pages} == set(world["first_truth"])


def test_wacz_index_written_with_the_warc_is_cdxj_indexers(world, tmp_path):
    """The first crawl's WACZ packaged from the index written with its WARC: index.cdx.gz and
    index.idx byte for byte what `wacz create` (cdxj-indexer reading the WARC) writes, and the
    crawl's own WACZ is that one (its archive entry first; `wacz create` puts it third)."""
    import zipfile

    from wacz_check import assert_index_as_cdxj_indexer  # tests/wacz_check.py

    first = world["runs"][0]
    store = CaptureStore(world["archive"])
    lines = assert_index_as_cdxj_indexer(store, first["crawl_id"], tmp_path)
    assert len(lines) == len([c for c in store.captures(first["crawl_id"]) if c["status"]])
    with zipfile.ZipFile(world["archive"] / first["wacz"]) as z:
        assert z.namelist()[0] == f"archive/{first['crawl_id']}.warc.gz"
        assert z.read("indexes/index.idx") == zipfile.ZipFile(tmp_path / "ours.wacz").read(
            "indexes/index.idx"
        )


def test_writes_inline_or_in_the_writer_thread_give_the_same_captures(tmp_path):
    """OGI_WRITER_THREAD only moves the writes off the reactor: same rows, same WARC."""
    from warcio.archiveiterator import ArchiveIterator

    with Farm(reports_per_portal=3, blocked=False) as farm:
        sources = farm.write_sources(tmp_path / "demo.yaml")
        got = {}
        for mode in ("True", "False"):
            archive = tmp_path / mode
            report = crawl_in_subprocess(
                sources, archive, "--fast", "-s", f"OGI_WRITER_THREAD={mode}"
            )
            store = CaptureStore(archive)
            rows = sorted(
                (c["url"], c["status"], c["sha256"], c["error"], c["is_report"])
                for c in store.captures(report["crawl_id"])
            )
            with open(archive / "warc" / f"{report['crawl_id']}.warc.gz", "rb") as fh:
                uris = sorted(
                    r.rec_headers.get_header("WARC-Target-URI")
                    for r in ArchiveIterator(fh)
                    if r.rec_type == "response"
                )
            assert report_captures(store, report["crawl_id"]) == farm.truth()
            got[mode] = (rows, uris, len(store.events(report["crawl_id"])))
    assert got["True"] == got["False"]
