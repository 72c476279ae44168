"""The one spider: walks every configured portal with its family's adapter."""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from urllib.parse import urlsplit

import scrapy
from scrapy.http import TextResponse

from archive.captures import CaptureStore, default_archive
from crawler.capture import record_failure
from crawler.families import ADAPTERS, detect
from crawler.families.base import attachments
from crawler.pictures import table_pictures
from crawler.sources import Portal
from crawler.writer import StoreWriter


def host_allowed(host: str, domains: list[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


class PortalSpider(scrapy.Spider):
    """`ogi crawl` starts it with Python objects (crawler/run.py); Scrapy and Scrapyd start it
    with string arguments:

        scrapy crawl portals -a sources=sources/ [-a portal=NAME,NAME] [-a archive=data]

    On a Scrapyd node the head passes `portals` (packed JSON), `crawl_id`, `shard` and
    `registry` (every host of the registry, packed): the spider then writes a node store of its
    own (crawler/node_store.py) and concludes no events — the head does, once every node's
    captures are merged (crawler/nodes.py)."""

    name = "portals"

    def __init__(
        self,
        portals: list[dict] | str | None = None,
        crawl_id: str | None = None,
        archive: str | None = None,
        resuming: bool | str = False,
        sources: str | None = None,
        portal: str | None = None,
        shard: str | None = None,
        registry: str | None = None,
        **kw,
    ):
        super().__init__(**kw)
        from crawler.node_store import unpack
        from crawler.run import new_crawl_id, select_portals

        if isinstance(portals, str):
            portals = unpack(portals)
        if portals is None:
            names = [n.strip() for n in (portal or "").split(",") if n.strip()]
            portals = [p.as_dict() for p in select_portals(sources or "sources", names)]
        self.portals = {p["name"]: Portal(**p) for p in portals}
        self.crawl_id = crawl_id or new_crawl_id()
        self.resuming = resuming not in (False, "", "0", "false", "False", None)
        self.archive = archive
        self.shard = shard  # a Scrapyd node's part of a crawl (crawler/nodes.py)
        if not hasattr(self, "options"):
            self.options = {
                "sources": sources,
                "portals": portal and portal.split(","),
                "shard": shard,
            }
        self.hosts = {d: p.name for p in self.portals.values() for d in p.allowed_domains}
        self.allowed_domains = sorted(self.hosts)
        # the whole registry's hosts: a redirect to another portal's host is followed on a
        # node as it is on one machine
        self.registry_domains = (
            sorted(set(unpack(registry)) | set(self.hosts)) if registry else self.allowed_domains
        )
        self.figures: dict[str, Counter] = defaultdict(Counter)
        self.recorded: set[tuple[str, str]] = set()  # (url, error kind) failure rows made
        self.robots_unreachable: dict[str, str] = {}  # portal → why (crawler/robots.py)
        self.list_requests: Counter = Counter()  # portal → list pages asked for

    @classmethod
    def update_settings(cls, settings):
        """`scrapy crawl portals -s OGI_CONTACT=URL` (or $OGI_CONTACT): the User-Agent names the
        operator's contact, as `ogi crawl --contact` does."""
        from scrapy.settings import SETTINGS_PRIORITIES

        from crawler.run import user_agent

        super().update_settings(settings)
        contact = settings.get("OGI_CONTACT") or os.environ.get("OGI_CONTACT")
        if contact and settings.getpriority("USER_AGENT") <= SETTINGS_PRIORITIES["project"]:
            settings.set("USER_AGENT", user_agent(contact), priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        from crawler.node_store import job_store

        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        root = spider.archive
        if not root and spider.shard is not None:
            root = job_store(settings, getattr(spider, "_job", None) or spider.crawl_id)
        spider.store = CaptureStore(root or default_archive())
        spider.max_list_pages = settings.getint("OGI_MAX_LIST_PAGES")
        # every write of the crawl, in order, off the reactor (crawler/writer.py)
        spider.writer = StoreWriter(
            spider.store.root, thread=settings.getbool("OGI_WRITER_THREAD", True)
        )
        return spider

    async def start(self):
        for p in self.portals.values():
            for url in p.start_urls:
                frag = re.search(r"#(\d+)$", url)
                yield scrapy.Request(
                    url,
                    callback=self.parse_start,
                    errback=self.failed,
                    meta={
                        "portal": p.name,
                        "kind": "list",
                        "family": p.family,
                        "catid": p.catid or (frag.group(1) if frag else None),
                    },
                )

    # -- helpers used by adapters and middlewares -----------------------------------------
    def host_in_registry(self, host: str) -> bool:
        return host_allowed(host, self.registry_domains)

    def portal_of(self, url: str) -> str | None:
        host = urlsplit(url).hostname or ""
        return self.hosts.get(host) or next(
            (name for d, name in self.hosts.items() if host.endswith("." + d)), None
        )

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
        m = {
            "portal": portal.name,
            "kind": kind,
            "family": response.meta.get("family"),
            "referer": response.url,
            "link_text": (text or "")[:300] or None,
            "catid": response.meta.get("catid"),
            **(meta or {}),
        }
        callback = {"list": self.parse_list, "detail": self.parse_detail}.get(
            kind, self.parse_attachment
        )
        cls = scrapy.FormRequest if formdata is not None else scrapy.Request
        kw = {"formdata": formdata} if formdata is not None else {}
        request = cls(
            url,
            callback=callback,
            errback=self.failed,
            meta=m,
            headers={"Referer": response.url},
            **kw,
        )
        if kind == "list" and self.max_list_pages:
            self.list_requests[portal.name] += 1
            if self.list_requests[portal.name] > self.max_list_pages:
                record_failure(
                    self,
                    request,
                    "page_limit",
                    f"more than OGI_MAX_LIST_PAGES {self.max_list_pages} list pages",
                )
                return None
        return request

    # -- callbacks ------------------------------------------------------------------------
    def _usable(self, response) -> bool:
        ok = (
            response.status == 200
            and not response.meta.get("ogi_error")
            and isinstance(response, TextResponse)
        )
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
