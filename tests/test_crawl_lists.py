"""Real Scrapy crawls of farm columns listed by script and API: TRS createPageHTML, TRS
list2.trsapi with its search API, Hanweb jpage with its data proxy, 广东 gkmlpt and 开普云
queryList JSON APIs. Read whole, each column gives every report the farm publishes and as
many records as it declares; when its API breaks or its pages stop early, the portal's health
line says by how much it was read short, with the declared and found counts, and no report is
concluded removed. The steps share one farm and one archive and run in file order."""

from __future__ import annotations

import io
import os
import signal
import time

import pytest
from rich.console import Console

from archive.captures import CaptureStore
from crawler.console import print_report
from crawler.report import health
from crawler.run import crawl_in_subprocess, spawn_crawl
from synthetic.farm import Farm
from synthetic.farm_lists import TrsList2Site, UcapSite
from synthetic.farm_sites import GkmlptSite, HanwebSite, TrsSite
from test_crawl import report_captures  # tests/test_crawl.py

KINDS = {
    TrsSite: "createPageHTML",
    TrsList2Site: "list2.trsapi",
    HanwebSite: "jpage",
    GkmlptSite: "gkmlpt",
    UcapSite: "ucap queryList",
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lists")
    with Farm(
        reports_per_portal=8, blocked=False, families=[TrsSite, HanwebSite, GkmlptSite], lists=True
    ) as farm:
        yield {
            "farm": farm,
            "sources": farm.write_sources(tmp / "lists.yaml"),
            "archive": tmp / "data",
        }


def crawl(world) -> dict:
    report = crawl_in_subprocess(world["sources"], world["archive"], "--fast")
    assert report["status"] == "finished", report["stderr"][-3000:]
    return report


def site(world, cls):
    return next(s for s in world["farm"].sites if type(s) is cls)


def printed(report: dict) -> str:
    buf = io.StringIO()
    print_report(report, Console(file=buf, width=400, highlight=False))
    return buf.getvalue()


def test_every_column_is_read_whole(world):
    farm = world["farm"]
    report = crawl(world)
    store = CaptureStore(world["archive"])
    assert report_captures(store, report["crawl_id"]) == farm.truth()
    for s in farm.sites:
        fig = report["portals"][s.name]
        (entry,) = [e for e in fig["lists"] if e["unit"] == "records"] or fig["lists"]
        assert entry["kind"] == KINDS[type(s)], fig["lists"]
        assert entry["column"] == s.start_url().split("#")[0]
        assert entry["found"] >= entry["declared"], entry
        assert "shortfall" not in fig and "shortfall_pages" not in fig and "incomplete" not in fig
        if entry["unit"] == "records":
            assert entry["declared"] == len(s.live())
    # the records only the APIs list were read through them: the TRS list2 static file holds
    # its one static page (3 records), its search API was asked for pages 2 and 3 only; 开普云
    # queryList for pages 1 to 3 (3 a page)
    asked = [(r["site"], r["path"], r["method"]) for r in farm.log]
    list2, ucap = site(world, TrsList2Site), site(world, UcapSite)
    assert asked.count((list2.name, "/fjdzapp/search", "POST")) == 2
    assert asked.count((ucap.name, "/queryList", "POST")) == 3
    assert set(list2.truth()) <= set(report_captures(store, report["crawl_id"]))


def test_the_api_posts_are_indexed_as_cdxj_indexer_reads_them(world, tmp_path):
    """The WACZ index written with the WARC keys each API POST by its body (__wb_method=post
    and the form or JSON body in the urlkey), byte for byte as cdxj-indexer does."""
    from wacz_check import assert_index_as_cdxj_indexer  # tests/wacz_check.py

    store = CaptureStore(world["archive"])
    (run,) = store.runs()
    lines = assert_index_as_cdxj_indexer(store, run["id"], tmp_path)
    posts = [x for x in lines if '"method": "POST"' in x]
    captured = [c for c in store.captures(run["id"]) if c["method"] == "POST" and c["status"]]
    assert len(posts) == len(captured) >= 5 and all(
        "__wb_method=post" in x.split(" ", 1)[0] for x in posts
    )


def test_a_report_gone_from_a_column_read_whole_is_removed(world):
    farm = world["farm"]
    gone = site(world, TrsList2Site).docs[-1]  # listed by the API's last page
    gone.removed = True
    report = crawl(world)
    store = CaptureStore(world["archive"])
    url = site(world, TrsList2Site).base + gone.detail
    events = {(e["event"], e["url"]) for e in store.events(report["crawl_id"])}
    assert ("removed", url) in events
    fig = report["portals"][site(world, TrsList2Site).name]
    assert fig["lists"][0]["declared"] == fig["lists"][0]["found"] == 7
    assert report_captures(store, report["crawl_id"]) == farm.truth()


def test_columns_read_short_report_their_shortfall_and_remove_nothing(world):
    trs, list2, ucap = site(world, TrsSite), site(world, TrsList2Site), site(world, UcapSite)
    trs.broken.add(trs.root + "index_2.html")  # the pages stop early: 404
    list2.api_fault = "http_500"  # the search API fails
    ucap.api_fault = "empty"  # the API answers 200 and lists nothing more
    try:
        report = crawl(world)
    finally:
        trs.broken.discard(trs.root + "index_2.html")
        list2.api_fault = ucap.api_fault = None
    store = CaptureStore(world["archive"])
    assert [e for e in store.events(report["crawl_id"]) if e["event"] == "removed"] == []
    figs = report["portals"]
    short = {
        name: [
            (e["kind"], e["unit"], e["declared"], e["found"])
            for e in fig["lists"]
            if e["found"] < e["declared"]
        ]
        for name, fig in figs.items()
    }
    assert short[trs.name] == [("createPageHTML", "pages", 3, 2)]
    assert short[list2.name] == [("list2.trsapi", "records", 7, 3)]
    assert short[ucap.name] == [("ucap queryList", "records", 8, 3)]
    assert short[site(world, HanwebSite).name] == [] == short[site(world, GkmlptSite).name]
    assert figs[trs.name]["shortfall_pages"] == 1
    assert figs[list2.name]["shortfall"] == 4 and figs[ucap.name]["shortfall"] == 5
    assert report["totals"]["shortfall"] == 9
    for s in (trs, list2, ucap):
        assert "read short" in figs[s.name]["incomplete"]
    # no HTTP error tells of the 开普云 column: only its declared count does
    assert figs[ucap.name]["errors"] == {}
    text = printed(report)
    assert (
        f"list short by 5 records: {ucap.start_url()} (ucap queryList): 8 declared, 3 found"
    ) in text
    assert (
        f"list short by 4 records: {list2.start_url()} (list2.trsapi): 7 declared, 3 found"
    ) in text
    assert f"list short by 1 page: {trs.start_url()} (createPageHTML): 3 declared, 2 found" in text
    # `ogi health` prints the same from the stored report
    assert printed(health(store)).count("list short by") == 3


def test_the_columns_read_whole_again_give_their_reports_back(world):
    report = crawl(world)
    store = CaptureStore(world["archive"])
    assert report_captures(store, report["crawl_id"]) == world["farm"].truth()
    assert not any(f.get("shortfall") or f.get("incomplete") for f in report["portals"].values())
    assert [e for e in store.events(report["crawl_id"]) if e["event"] == "removed"] == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_a_resumed_crawl_keeps_what_the_columns_declared_and_gave(tmp_path, sig):
    """Interrupted (Scrapy's queue kept: the column book goes on from the JOBDIR) or killed
    (the lists are walked again from the store), the resumed crawl reads every column whole."""
    with Farm(
        reports_per_portal=8, blocked=False, families=[HanwebSite], lists=True, delay=0.03
    ) as farm:
        sources = farm.write_sources(tmp_path / "lists.yaml")
        archive = tmp_path / "data"
        proc = spawn_crawl(sources, archive, "--fast", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
        deadline = time.time() + 120
        while len([r for r in farm.log if r["method"] == "POST"]) < 4 and time.time() < deadline:
            assert proc.poll() is None, proc.communicate()[1][-3000:]
            time.sleep(0.02)
        os.kill(proc.pid, sig)
        proc.wait(timeout=60)
        resumed = crawl_in_subprocess(sources, archive, "--resume")
        assert resumed["status"] == "finished", resumed["stderr"][-3000:]
        store = CaptureStore(archive)
        assert report_captures(store, resumed["crawl_id"]) == farm.truth()
        for s in farm.sites:
            fig = resumed["portals"][s.name]
            assert [(e["declared"], e["found"]) for e in fig["lists"]] == [(8, 8)], fig["lists"]
            assert "shortfall" not in fig and "incomplete" not in fig
