"""The crawl run's lifecycle and its report: per portal pages, reports, attachments, errors by
kind, blocked, new / changed / removed; a portal that found reports before and none now is
flagged."""
from __future__ import annotations

import json
import logging

from scrapy import signals

from archive.captures import CaptureStore

log = logging.getLogger(__name__)
STATUS = {"finished": "finished", "shutdown": "interrupted"}


class CrawlRun:
    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def opened(self, spider):
        for p in spider.portals.values():
            spider.store.upsert_portal(p.as_dict())
        spider.store.open_run(spider.crawl_id, getattr(spider, "options", {}))

    def closed(self, spider, reason):
        store: CaptureStore = spider.store
        status = STATUS.get(reason, "failed")
        if status == "finished":
            record_unlisted(spider)
        report = build_report(store, spider.crawl_id, list(spider.portals), spider.figures)
        stats = {k: v for k, v in self.crawler.stats.get_stats().items()}
        stats["close_reason"] = reason
        store.finish_run(spider.crawl_id, status, stats, report)
        for name, fig in report["portals"].items():
            if fig.get("alert"):
                log.error("portal %s: %s", name, fig["alert"])
        store.close()


def record_unlisted(spider) -> None:
    """Reports known before that this crawl did not reach: 'removed' (no longer listed).
    Skipped for a portal whose list pages failed or were blocked: absence proves nothing there."""
    store = spider.store
    for name in spider.portals:
        fig = spider.figures.get(name, {})
        if fig.get("list_failed") or fig.get("blocked"):
            continue
        seen = {r["u"] for r in store.db.query(
            "select final_url as u from captures where crawl_id = ? and portal = ? "
            "union select url from captures where crawl_id = ? and portal = ?",
            [spider.crawl_id, name, spider.crawl_id, name])}
        for url, sha in store.live_report_urls(name).items():
            if url not in seen:
                store.record_event(spider.crawl_id, name, url, "removed", old_sha256=sha,
                                   detail="no longer listed")


def _previous_reports(store: CaptureStore, crawl_id: str) -> dict[str, int]:
    """Reports found per portal by the latest earlier finished run that crawled it."""
    found: dict[str, int] = {}
    for run in reversed(store.runs("finished")):
        if run["id"] == crawl_id or not run["report"]:
            continue
        for name, fig in json.loads(run["report"]).get("portals", {}).items():
            found.setdefault(name, fig.get("reports", 0) + fig.get("attachments", 0))
    return found


def build_report(store: CaptureStore, crawl_id: str, portals: list[str], figures=None) -> dict:
    """The report of one crawl, from its captures and events (so a resumed run counts all)."""
    q = store.db.query
    out: dict = {}
    first_id = next(q("select min(id) as m from captures where crawl_id = ?", [crawl_id]))["m"]
    previous = _previous_reports(store, crawl_id)
    for name in portals:
        rows = list(q("select kind, is_report, status, error, count(*) as n from captures "
                      "where crawl_id = ? and portal = ? group by 1, 2, 3, 4", [crawl_id, name]))
        fig = {"pages": 0, "reports": 0, "attachments": 0, "not_modified": 0, "errors": {},
               "blocked": 0, "new": 0, "changed": 0, "removed": 0, "stored": 0}
        for r in rows:
            if r["kind"] == "list" and r["status"] in (200, 304):
                fig["pages"] += r["n"]
            if r["is_report"]:
                fig["reports" if r["kind"] == "detail" else "attachments"] += r["n"]
            if r["status"] == 304:
                fig["not_modified"] += r["n"]
            if r["error"] and r["error"].startswith("blocked"):
                fig["blocked"] += r["n"]
            elif r["error"]:
                key = r["error"].split(":")[0]
                fig["errors"][key] = fig["errors"].get(key, 0) + r["n"]
        for r in q("select event, count(*) as n from change_events where crawl_id = ? and "
                   "portal = ? group by 1", [crawl_id, name]):
            fig[r["event"]] = r["n"]
        if first_id is not None:
            fig["stored"] = next(q(
                "select count(distinct c.sha256) as n from captures c where c.crawl_id = ? and "
                "c.portal = ? and c.sha256 is not null and not exists (select 1 from captures o "
                "where o.sha256 = c.sha256 and o.id < ?)", [crawl_id, name, first_id]))["n"]
        extra = (figures or {}).get(name, {})
        for k in ("robots_denied", "offsite"):
            if extra.get(k):
                fig[k] = extra[k]
        for k, v in extra.items():
            if k.startswith("detected:"):
                fig["family_detected"] = k.split(":", 1)[1]
        before = previous.get(name, 0)
        if fig["reports"] + fig["attachments"] == 0 and before > 0:
            fig["alert"] = (f"ZERO reports found; the previous crawl found {before} — "
                            "the portal may have moved, changed CMS or be blocking us")
        out[name] = fig
    totals: dict = {}
    for fig in out.values():
        for k, v in fig.items():
            if isinstance(v, int):
                totals[k] = totals.get(k, 0) + v
    return {"crawl_id": crawl_id, "portals": out, "totals": totals,
            "alerts": [n for n, f in out.items() if f.get("alert")]}
