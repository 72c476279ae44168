"""The scheduler's disk queue (SCHEDULER_DISK_QUEUE): Scrapy's pickled LIFO file, written only
when a queue grows long or the crawl closes.

With a JOBDIR, Scrapy pickles every request into a file on push and reads it back on pop, and
its DownloaderAwarePriorityQueue makes a directory and a file per host whenever the host's
queue refills, removing both when it empties: in a crawl where hosts' queues empty all the
time, about a tenth of the crawl's CPU (py-spy, docs/crawling.md). The file only matters once
the crawl stops: after a clean stop (Ctrl-C, SIGTERM) the resume reads it; after a kill it may
be torn and crawler/run.py discards it. So here the newest requests of each queue stay in
memory, up to OGI_QUEUE_IN_MEMORY; past that the oldest go to Scrapy's own PickleLifoDiskQueue
at the same path, and on close every request left goes there. All queues of a crawl together
hold at most OGI_QUEUE_IN_MEMORY_TOTAL in memory (beyond it, a queue pushed to keeps only its
newest): a crawl of thousands of hosts stays bounded too. The files are the ones Scrapy
writes, in the same order: a crawl interrupted before this change resumes after it. Scrapy has
no queue that holds requests in memory and writes them at close (its memory queues are never
written), hence this class; it keeps its queues bounded, as the disk queue's purpose is.
"""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import Request
from scrapy.squeues import PickleLifoDiskQueue

logger = logging.getLogger(__name__)


class SpillingLifoQueue:
    """One LIFO stack: the bottom in Scrapy's PickleLifoDiskQueue file at `key` (made only
    when needed), the top (the newest requests) in memory."""

    def __init__(self, crawler, key: str):
        self.crawler, self.key = crawler, key
        self.limit = max(1, crawler.settings.getint("OGI_QUEUE_IN_MEMORY", 32))
        self.total = max(1, crawler.settings.getint("OGI_QUEUE_IN_MEMORY_TOTAL", 4096))
        self.held = _held(crawler)  # [requests in memory in all of the crawl's queues]
        self.top: list = []  # oldest first
        self.unpicklable: set[int] = set()  # ids of requests in `top` the file refused
        # a file at `key` is what an interrupted crawl left (an empty queue leaves none)
        self.disk = RequestFile(crawler, key) if Path(key).exists() else None

    @classmethod
    def from_crawler(cls, crawler, key: str, *args, **kwargs):
        return cls(crawler, key)

    def push(self, request) -> None:
        self.top.append(request)
        self.held[0] += 1
        if len(self.top) > self.limit:
            self._spill(len(self.top) - self.limit // 2)
        elif self.held[0] > self.total:
            self._spill(len(self.top) - 1)

    def pop(self):
        if self.top:
            request = self.top.pop()
            self.held[0] -= 1
            self.unpicklable.discard(id(request))
            return request
        if self.disk is None:
            return None
        request = self.disk.pop()
        if not self.disk:
            self.disk.close()  # removes the empty file
            self.disk = None
        return request

    def peek(self):
        if self.top:
            return self.top[-1]
        return self.disk.peek() if self.disk is not None else None

    def close(self) -> None:
        self._spill(len(self.top))
        if self.disk is not None:
            self.disk.close()  # writes the size, or removes the file if empty
            self.disk = None

    def __len__(self) -> int:
        return len(self.top) + (len(self.disk) if self.disk is not None else 0)

    def _spill(self, n: int) -> None:
        """The n oldest requests in memory to the file, oldest first (the stack's order)."""
        if not n:
            return
        if self.disk is None:
            self.disk = RequestFile(self.crawler, self.key)
        kept = []
        for request in self.top[:n]:
            if id(request) in self.unpicklable:  # refused before: counted once, as Scrapy does
                kept.append(request)
                continue
            try:
                self.disk.push(request)
            except ValueError as e:  # not picklable: Scrapy keeps such a request in memory
                self._unserializable(request, e)
                self.unpicklable.add(id(request))
                kept.append(request)
        self.top[:n] = kept
        self.held[0] -= n - len(kept)
        self.crawler.stats.inc_value("ogi/queue_spilled", n - len(kept))

    def _unserializable(self, request, error) -> None:
        stats = self.crawler.stats
        if not stats.get_value("scheduler/unserializable"):
            logger.warning("Unable to serialize request %s: %s", request, error)
        stats.inc_value("scheduler/unserializable")


def _held(crawler) -> list[int]:
    """The count of requests the crawl's queues hold in memory, one shared by all of them."""
    held = getattr(crawler, "_ogi_queue_held", None)
    if held is None:
        held = crawler._ogi_queue_held = [0]
    return held


class RequestFile(PickleLifoDiskQueue):
    """Scrapy's PickleLifoDiskQueue, the same bytes, with a request's dict made here: Scrapy's
    `Request.to_dict` names the callbacks by inspect.getmembers over the whole spider, each of
    its properties evaluated (64 of the ~80 µs a request cost through the file with our
    spider). The dict is Scrapy 2.19's (tests/test_crawl_queue.py compares them); a callback
    that is not a spider's method under its own name goes Scrapy's way."""

    def push(self, request) -> None:
        d = self.as_dict(request)
        if d is None:
            super().push(request)
        else:
            super(PickleLifoDiskQueue, self).push(d)  # Scrapy's pickling into its file

    def as_dict(self, request) -> dict | None:
        cb, eb = request.callback, request.errback
        if not (self._own(cb) and self._own(eb)):
            return None
        d = {
            "url": request.url,
            "callback": cb and cb.__name__,
            "errback": eb and eb.__name__,
            "headers": dict(request.headers),
        }
        for attr in request.attributes:
            d.setdefault(attr, getattr(request, attr))
        if type(request) is not Request:
            d["_class"] = f"{type(request).__module__}.{type(request).__name__}"
        return d

    def _own(self, method) -> bool:
        """None, or a method of the spider found under its own name."""
        return method is None or (
            getattr(method, "__self__", None) is self.spider
            and getattr(self.spider, method.__name__, None) == method
        )
