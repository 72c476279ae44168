"""The one spider: walks every configured portal with its family's adapter."""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from urllib.parse import urlsplit

import scrapy
from scrapy.http import TextResponse

from archive.captures import CaptureStore
from crawler.capture import record_failure
from crawler.families import ADAPTERS, detect
from crawler.families.base import attachments
from crawler.pictures import table_pictures
from crawler.sources import Portal
from crawler.writer import StoreWriter


def host_allowed(host: str, domains: list[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


class PortalSpider(scrapy.Spider):
    name = "portals"

    def __init__(self, portals: list[dict], crawl_id: str, archive: str, resuming: bool = False,
                 **kw):
        super().__init__(**kw)
        self.portals = {p["name"]: Portal(**p) for p in portals}
        self.crawl_id, self.resuming = crawl_id, resuming
        self.store = CaptureStore(archive)
        self.hosts = {d: p.name for p in self.portals.values() for d in p.allowed_domains}
        self.allowed_domains = sorted(self.hosts)
        self.figures: dict[str, Counter] = defaultdict(Counter)
        self.live = {name: self.store.live_report_urls(name) for name in self.portals}
        self.recorded: set[tuple[str, str]] = set()      # (url, error kind) failure rows made
        self.robots_unreachable: dict[str, str] = {}   # portal → why (crawler/robots.py)
        self.list_requests: Counter = Counter()          # portal → list pages asked for

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_list_pages = crawler.settings.getint("OGI_MAX_LIST_PAGES")
        # every write of the crawl, in order, off the reactor (crawler/writer.py)
        spider.writer = StoreWriter(spider.store.root,
                                    thread=crawler.settings.getbool("OGI_WRITER_THREAD", True))
        return spider

    async def start(self):
        for p in self.portals.values():
            for url in p.start_urls:
                frag = re.search(r"#(\d+)$", url)
                yield scrapy.Request(url, callback=self.parse_start, errback=self.failed, meta={
                    "portal": p.name, "kind": "list", "family": p.family,
                    "catid": p.catid or (frag.group(1) if frag else None)})

    # -- helpers used by adapters and middlewares -----------------------------------------
    def host_in_registry(self, host: str) -> bool:
        return host_allowed(host, self.allowed_domains)

    def portal_of(self, url: str) -> str | None:
        host = urlsplit(url).hostname or ""
        return self.hosts.get(host) or next(
            (name for d, name in self.hosts.items() if host.endswith("." + d)), None)

    def count(self, portal: str | None, key: str, sub: str | None = None) -> None:
        self.figures[portal or "?"][f"{key}:{sub}" if sub else key] += 1
        self.crawler.stats.inc_value(f"ogi/{key}")

    def follow(self, response, url: str, kind: str, text: str = "", formdata=None, meta=None):
        """A request for a link of this portal, or None when it leaves the portal's domains."""
        portal = self.portals[response.meta["portal"]]
        url = url.split("#")[0]
        if urlsplit(url).scheme not in ("http", "https"):
            return None
        if not host_allowed(urlsplit(url).hostname or "", portal.allowed_domains):
            self.count(portal.name, "offsite")
            return None
        m = {"portal": portal.name, "kind": kind, "family": response.meta.get("family"),
             "referer": response.url, "link_text": (text or "")[:300] or None,
             "catid": response.meta.get("catid"), **(meta or {})}
        callback = {"list": self.parse_list, "detail": self.parse_detail}.get(
            kind, self.parse_attachment)
        cls = scrapy.FormRequest if formdata is not None else scrapy.Request
        kw = {"formdata": formdata} if formdata is not None else {}
        request = cls(url, callback=callback, errback=self.failed, meta=m,
                      headers={"Referer": response.url}, **kw)
        if kind == "list" and self.max_list_pages:
            self.list_requests[portal.name] += 1
            if self.list_requests[portal.name] > self.max_list_pages:
                record_failure(self, request, "page_limit",
                               f"more than OGI_MAX_LIST_PAGES {self.max_list_pages} list pages")
                return None
        return request

    # -- callbacks ------------------------------------------------------------------------
    def _usable(self, response) -> bool:
        ok = (response.status == 200 and not response.meta.get("ogi_error")
              and isinstance(response, TextResponse))
        if not ok and response.meta.get("kind") == "list":
            self.count(response.meta["portal"], "list_failed")
        return ok

    def parse_start(self, response):
        if not self._usable(response):
            return
        if not response.meta.get("family"):
            response.meta["family"] = detect(response)
            self.count(response.meta["portal"], "detected", response.meta["family"])
        yield from self.parse_list(response)

    def parse_list(self, response):
        if not self._usable(response):
            return
        adapter = ADAPTERS[response.meta.get("family") or "generic"]
        for req in adapter.parse_list(self, response):
            if req is not None:
                yield req

    def parse_detail(self, response):
        if not self._usable(response):
            return
        for url, text in attachments(response):
            req = self.follow(response, url, "attachment", text)
            if req is not None:
                yield req
        for url in table_pictures(response):  # a table pasted as a picture is read with the page
            req = self.follow(response, url, "image")
            if req is not None:
                yield req

    def parse_attachment(self, response):
        return None

    def failed(self, failure):
        """Every failure already has its capture row (crawler/capture.py); count it here."""
        req = failure.request
        if req.meta.get("kind") == "list":
            self.count(req.meta.get("portal"), "list_failed")

    # -- change tracking (called by the capture middleware; events go through the writer) --
    def track_report(self, portal: str, response, sha: str | None, is_report: int, prev) -> None:
        url, status = response.url, response.status
        live = self.live.setdefault(portal, {})
        if status in (404, 410):
            if url in live:
                self.writer.submit("record_event", self.crawl_id, portal, url, "removed",
                                   old_sha256=live.pop(url), detail=f"http {status}")
                self.count(portal, "removed")
            return
        if not is_report or status == 304:
            return
        if url not in live:
            old = self.store.last_report_sha(url, self.crawl_id)
            self.writer.submit("record_event", self.crawl_id, portal, url, "new", old_sha256=old,
                               new_sha256=sha, detail="reappeared" if old else None)
            self.count(portal, "new")
        elif live[url] != sha:
            self.writer.submit("record_event", self.crawl_id, portal, url, "changed",
                               old_sha256=live[url], new_sha256=sha)
            self.count(portal, "changed")
        live[url] = sha
