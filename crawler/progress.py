"""A live progress table (rich) while a crawl runs; on when OGI_PROGRESS is set."""

from __future__ import annotations

from rich.console import Console
from rich.live import Live
from rich.table import Table
from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task


class Progress:
    def __init__(self, crawler):
        self.crawler = crawler
        self.live = None
        self.loop = None
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("OGI_PROGRESS"):
            raise NotConfigured
        return cls(crawler)

    def table(self) -> Table:
        spider = self.crawler.spider
        stats = self.crawler.stats
        t = Table(
            title=f"crawl {spider.crawl_id} — "
            f"{stats.get_value('response_received_count', 0)} responses"
        )
        for col in ("portal", "lists", "details", "attach.", "stored", "errors", "blocked"):
            t.add_column(
                col,
                justify="left" if col == "portal" else "right",
                no_wrap=col == "portal",
                overflow="ellipsis",
            )
        for name in spider.portals:
            f = spider.figures.get(name, {})
            errors = sum(v for k, v in f.items() if k.startswith(("errors", "unreadable")))
            t.add_row(
                name,
                *(str(f.get(k, 0)) for k in ("pages", "detail", "attachment", "stored")),
                str(errors),
                str(f.get("blocked", 0)),
            )
        return t

    def opened(self, spider):
        self.live = Live(self.table(), console=Console(stderr=True), refresh_per_second=4)
        self.live.start()
        self.loop = task.LoopingCall(lambda: self.live.update(self.table()))
        self.loop.start(0.5, now=False)

    def closed(self, spider, reason):
        if self.loop and self.loop.running:
            self.loop.stop()
        if self.live:
            self.live.update(self.table())
            self.live.stop()


class ReactorLag:
    """How long the reactor was held at most (stats: ogi/reactor_max_lag_ms): a tick every
    100 ms, and how late it came. A held reactor holds every download."""

    TICK = 0.1

    def __init__(self, crawler):
        self.stats = crawler.stats
        self.loop = None
        self.last = None
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def tick(self):
        import time

        now = time.monotonic()
        if self.last is not None:
            lag = (now - self.last - self.TICK) * 1000
            self.stats.max_value("ogi/reactor_max_lag_ms", round(max(0.0, lag)))
        self.last = now

    def opened(self, spider):
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(self.TICK, now=True)

    def closed(self, spider, reason):
        if self.loop and self.loop.running:
            self.loop.stop()
