"""The crawl run's lifecycle and its report, one health line per portal: list pages, detail
pages, attachments and the report documents they add up to; events (new, changed, moved,
removed); errors by kind; robots.txt; each column's declared size against what its list gave
(a column read short is a shortfall, and the list counts as not read to its end); and, once
`ogi build` has run, how many reports the portal yields. A portal that finds no report
document is flagged (on its first crawl too), unless its robots.txt was unreachable — then
nothing was fetched, and the report says why."""

from __future__ import annotations

import gc
import json
import logging

from scrapy import signals

from archive.captures import CaptureStore
from crawler.changes import conclude, incomplete
from crawler.families.columns import book
from crawler.failures import NOT_ERRORS, kind_of

log = logging.getLogger(__name__)
STATUS = {"finished": "finished", "shutdown": "interrupted"}
COUNTED_APART = {"blocked", "robots_denied"} | NOT_ERRORS


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
        spider.store.clean_spool()
        # what is alive now (Scrapy, Twisted, lxml, the registry) lives as long as the crawl:
        # kept out of the garbage collector's full passes, which otherwise walk it again and
        # again (a seventh of the crawl's CPU, bench/crawl.py)
        gc.collect()
        gc.freeze()

    async def closed(self, spider, reason):
        await spider.writer.drain()  # every capture and event written before we count them
        spider.writer.close()
        store: CaptureStore = spider.store
        status = STATUS.get(reason, "stopped" if reason.startswith("closespider") else "failed")
        node = spider.shard is not None  # a Scrapyd node's part: the head concludes
        columns = book(spider, create=False)
        if not node:
            conclude(
                store,
                spider.crawl_id,
                list(spider.portals),
                spider.figures,
                finished=status == "finished",
                columns=columns,
            )
        report = build_report(
            store,
            spider.crawl_id,
            list(spider.portals),
            spider.figures,
            spider.robots_unreachable,
            columns,
        )
        stats = {k: v for k, v in self.crawler.stats.get_stats().items()}
        stats["close_reason"] = reason
        if status == "finished" and self.crawler.settings.getbool("OGI_WACZ") and not node:
            report["wacz"] = self._wacz(store, spider.crawl_id)
        store.finish_run(spider.crawl_id, status, stats, report)
        for name, fig in report["portals"].items():
            if fig.get("alert") and not node:
                log.error("portal %s: %s", name, fig["alert"])
        store.close()
        if node:
            from crawler.node_store import finish

            finish(spider, status)

    @staticmethod
    def _wacz(store, crawl_id) -> str | None:
        from crawler.wacz import write_wacz

        try:
            return str(write_wacz(store, crawl_id).relative_to(store.root))
        except Exception:  # noqa: BLE001 — the crawl stands without its package
            log.exception("could not write the WACZ of %s", crawl_id)
            return None


def reports_by_portal(db) -> dict[str, int]:
    """Reports each portal yields in the archive (after `ogi build`): the `reports` table
    (OGI annual reports only, one per body and year; archive/classify.py decides) by its
    `portal` column. {} before any build."""
    if "reports" not in db.table_names():
        return {}
    return {
        r["portal"]: r["n"]
        for r in db.query(
            "select portal, count(*) as n from reports where portal is not null group by portal"
        )
    }


def _previous(store: CaptureStore, crawl_id: str, portals) -> dict[str, int]:
    """Report documents found per portal by the latest earlier finished crawl of it. Runs are
    read newest first until every one of `portals` is found (years of crawls are not all
    parsed again at each close)."""
    found: dict[str, int] = {}
    wanted = set(portals)
    for run in reversed(store.runs("finished")):
        if wanted <= found.keys():
            break
        if run["id"] == crawl_id or not run["report"]:
            continue
        for name, fig in json.loads(run["report"]).get("portals", {}).items():
            if "documents" in fig:
                found.setdefault(name, fig["documents"])
            else:  # reports written before documents were counted apart
                found.setdefault(name, fig.get("reports", 0) + fig.get("attachments", 0))
    return found


def first_capture(store: CaptureStore, crawl_id: str) -> int | None:
    """The id of the crawl's first capture row (asked once a report; one step of the
    crawl_id index)."""
    row = next(store.db.query("select min(id) as m from captures where crawl_id = ?", [crawl_id]))
    return row["m"]


def portal_figures(store: CaptureStore, crawl_id: str, name: str, first: int | None) -> dict:
    """Counts of one portal in one crawl, from its captures and events (so a resumed crawl
    counts everything); `first`: first_capture() of the crawl."""
    q = store.db.query
    fig = {
        "pages": 0,
        "details": 0,
        "attachments": 0,
        "documents": 0,
        "not_modified": 0,
        "stored": 0,
        "new": 0,
        "changed": 0,
        "moved": 0,
        "removed": 0,
        "blocked": 0,
        "robots_denied": 0,
        "errors": {},
        "answered": 0,
    }
    for r in q(
        "select kind, is_report, status, error, count(*) as n from captures "
        "where crawl_id = ? and portal = ? group by 1, 2, 3, 4",
        [crawl_id, name],
    ):
        ok = r["status"] in (200, 304) and not r["error"]
        if r["status"] is not None:
            fig["answered"] += r["n"]
        if ok and r["kind"] == "list":
            fig["pages"] += r["n"]
        if r["is_report"]:
            fig["details" if r["kind"] == "detail" else "attachments"] += r["n"]
        if r["status"] == 304:
            fig["not_modified"] += r["n"]
        kind = kind_of(r["error"])
        if kind in ("blocked", "robots_denied"):
            fig[kind] += r["n"]
        elif kind and kind not in NOT_ERRORS:
            fig["errors"][kind] = fig["errors"].get(kind, 0) + r["n"]
    # report documents: every attachment document, and every detail page that offered none
    # (an HTML report); a detail page whose document failed adds nothing
    # (NOT IN: the portal's referers are gathered once into an index; a correlated NOT EXISTS
    # read the crawl's captures again for every detail page, quadratic in the crawl's size)
    fig["documents"] = (
        fig["attachments"]
        + next(
            q(
                "select count(*) as n from captures d where d.crawl_id = ? and d.portal = ? and "
                "d.kind = 'detail' and d.is_report = 1 and d.final_url not in (select a.referer "
                "from captures a where a.crawl_id = ? and a.portal = ? and "
                "a.kind = 'attachment' and a.referer is not null)",
                [crawl_id, name, crawl_id, name],
            )
        )["n"]
    )
    for r in q(
        "select event, count(*) as n from change_events where crawl_id = ? and "
        "portal = ? group by 1",
        [crawl_id, name],
    ):
        fig[r["event"]] = r["n"]
    if first is not None:
        fig["stored"] = next(
            q(
                "select count(distinct c.sha256) as n from captures c where c.crawl_id = ? and "
                "c.portal = ? and c.sha256 is not null and not exists (select 1 from captures o "
                "where o.sha256 = c.sha256 and o.id < ?)",
                [crawl_id, name, first],
            )
        )["n"]
    return fig


def shortfall(fig: dict, columns, name: str) -> None:
    """The portal's columns that declare their size (`lists`: declared and found), and what
    the short ones miss: `shortfall` records, `shortfall_pages` pages (columns that declare
    only a page count)."""
    lists = columns.summary(name) if columns is not None else []
    if not lists:
        return
    fig["lists"] = lists
    for unit, key in (("records", "shortfall"), ("pages", "shortfall_pages")):
        missing = sum(
            e["declared"] - e["found"]
            for e in lists
            if e["unit"] == unit and e["found"] < e["declared"]
        )
        if missing:
            fig[key] = missing


def build_report(
    store: CaptureStore,
    crawl_id: str,
    portals: list[str],
    figures=None,
    robots_unreachable=None,
    columns=None,
) -> dict:
    """The report of one crawl (`columns`: what each column declared and gave)."""
    previous = _previous(store, crawl_id, portals)
    yields = reports_by_portal(store.db)
    first = first_capture(store, crawl_id)
    out: dict = {}
    for name in portals:
        fig = portal_figures(store, crawl_id, name, first)
        extra = (figures or {}).get(name, {})
        if extra.get("offsite"):
            fig["offsite"] = extra["offsite"]
        for k in extra:
            if k.startswith("detected:"):
                fig["family_detected"] = k.split(":", 1)[1]
            elif k.startswith("unreadable:"):
                kind = k.split(":", 1)[1]
                fig["errors"][kind] = fig["errors"].get(kind, 0) + extra[k]
        shortfall(fig, columns, name)
        why = incomplete(store, crawl_id, name, figures, columns)
        if why:
            fig["incomplete"] = why
        robots = (robots_unreachable or {}).get(name)
        if robots:
            fig["robots_unreachable"] = robots
        if name in yields:
            fig["reports"] = yields[name]
        _judge(fig, name in previous, previous.get(name, 0))
        out[name] = fig
    totals: dict = {}
    for fig in out.values():
        for k, v in fig.items():
            if isinstance(v, int) and k != "answered":
                totals[k] = totals.get(k, 0) + v
    return {
        "crawl_id": crawl_id,
        "portals": out,
        "totals": totals,
        "reached": sum(1 for f in out.values() if f["answered"]),
        "alerts": [n for n, f in out.items() if f.get("alert")],
    }


def _judge(fig: dict, crawled_before: bool, found_before: int) -> None:
    """The portal's alert (or note): no report document found is news, whatever the past; a
    robots.txt that answered 5xx is not the portal going silent, a portal that never answered
    is."""
    if fig["documents"]:
        return
    if fig.get("robots_unreachable") and fig["answered"]:
        fig["note"] = (
            f"{fig['robots_unreachable']}: nothing fetched, as RFC 9309 requires; "
            "not taken for a portal gone silent"
        )
        return
    if not fig["answered"]:
        why = ", ".join(f"{k} {v}" for k, v in sorted(fig["errors"].items())) or "no request"
        what = f"no answer from the portal ({why})"
    elif fig["blocked"]:
        what = f"blocked by an anti-bot challenge ({fig['blocked']} responses)"
    else:
        what = None
    if fig.get("reports"):
        fig["alert"] = (
            f"ZERO report documents found; the archive holds {fig['reports']} "
            f"reports from this portal{f' — {what}' if what else ''} — it may have "
            "moved, changed CMS or be blocking us"
        )
    elif found_before:
        fig["alert"] = (
            f"ZERO report documents found; the previous crawl found {found_before}"
            f"{f' — {what}' if what else ''} — the portal may have moved, changed "
            "CMS or be blocking us"
        )
    elif not crawled_before:
        fig["alert"] = (
            f"no report document found on its first crawl"
            f"{f' — {what}' if what else ''} — check the start URL and the family, "
            "or whether the portal blocks us"
        )
    else:
        fig["alert"] = (
            f"no report document found, in this crawl or any before{f' — {what}' if what else ''}"
        )


def health(store: CaptureStore, crawl_id: str | None = None) -> dict:
    """The latest (or named) crawl's report, with the reports each portal yields now."""
    runs = [r for r in store.runs() if r["report"]]
    run = (
        next((r for r in runs if r["id"] == crawl_id), None)
        if crawl_id
        else (runs[-1] if runs else None)
    )
    if run is None:
        return {}
    report = json.loads(run["report"])
    report["status"] = run["status"]
    yields = reports_by_portal(store.db)
    for name, fig in report.get("portals", {}).items():
        if yields or "reports" in fig:
            fig["reports"] = yields.get(name, 0)
    return report
