"""Events are concluded from the crawl's captures when it ends (crawler/changes.py): a report
that was removed and comes back unchanged is 'new' again, though the portal answers its
conditional GET with a 304."""

from __future__ import annotations

from archive.captures import CaptureStore
from crawler.run import crawl_in_subprocess
from synthetic.farm import Farm, free_port


def test_a_removed_report_back_unchanged_is_new_again(tmp_path):
    with Farm(reports_per_portal=3, blocked=False, port=free_port()) as farm:
        sources = farm.write_sources(tmp_path / "demo.yaml")
        archive = tmp_path / "data"
        first = crawl_in_subprocess(sources, archive, "--fast")
        url = farm.remove_report("generic")
        second = crawl_in_subprocess(sources, archive, "--fast")
        site = farm.site("generic")
        with farm.lock:
            next(d for d in site.docs if site.base + d.detail == url).removed = False
        third = crawl_in_subprocess(sources, archive, "--fast")
    store = CaptureStore(archive)
    assert {(e["event"], e["url"]) for e in store.events(second["crawl_id"])} == {("removed", url)}
    (back,) = store.events(third["crawl_id"])
    assert (back["event"], back["url"], back["detail"]) == ("new", url, "reappeared")
    cap = next(c for c in store.captures(third["crawl_id"]) if c["final_url"] == url)
    assert cap["status"] == 304 and cap["sha256"] is None  # asked conditionally: not sent
    assert back["new_sha256"] == back["old_sha256"] == store.last_capture(url)["sha256"]
    assert url in store.live_report_urls(farm.site("generic").name)
    assert first["status"] == "finished"
