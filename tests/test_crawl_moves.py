"""Portals move (a new port, scheme or domain): the same bytes at a new URL of the same portal
are the same document — a 'moved' event, one report, never "removed + new"."""

from __future__ import annotations

import sqlite3

from archive.build import build
from archive.captures import CaptureStore
from crawler.run import crawl_in_subprocess
from synthetic.farm import Farm, free_port


def current_reports(archive):
    db = sqlite3.connect(archive / "archive.db")
    try:
        return db.execute("select sha256, current from reports order by sha256").fetchall()
    finally:
        db.close()


def test_portals_served_on_a_new_port_yield_moved_events(tmp_path):
    archive = tmp_path / "data"
    first_port = free_port()
    with Farm(reports_per_portal=2, blocked=False, port=first_port) as farm:
        before = farm.truth()
        sources = farm.write_sources(tmp_path / "demo.yaml")
        crawl_in_subprocess(sources, archive, "--fast")
    build(archive, progress=False)
    reports_before = current_reports(archive)
    second_port = free_port()
    assert second_port != first_port
    with Farm(reports_per_portal=2, blocked=False, port=second_port) as farm:
        after = farm.truth()
        sources = farm.write_sources(tmp_path / "demo.yaml")  # the registry follows the move
        report = crawl_in_subprocess(sources, archive, "--fast")
    assert set(after).isdisjoint(before) and sorted(after.values()) == sorted(before.values())
    store = CaptureStore(archive)
    events = store.events(report["crawl_id"])
    assert {e["event"] for e in events} == {"moved"}
    old_of = {sha: url for url, sha in before.items()}
    assert {(e["from_url"], e["url"]) for e in events} == {
        (old_of[sha], url) for url, sha in after.items()
    }
    assert report["totals"]["moved"] == len(after)
    assert report["totals"]["removed"] == report["totals"]["new"] == 0
    for name in {e["portal"] for e in events}:  # the new URLs are the live ones
        assert set(store.live_report_urls(name)) <= set(after)
    store.close()
    build(archive, progress=False)
    assert current_reports(archive) == reports_before  # one report each, still current
