"""Scrapy's Downloader, with its per-host concurrency limit made to hold.

Scrapy 2.19 starts a download as an asyncio task; the task adds the request to the slot's
`transferring` set only when it first runs, after `_process_queue` has looped on. That loop
checks `free_transfer_slots()` against a set that has not grown yet, so it starts every queued
request of the host at once: 10 at a time against a limit of 8, measured on loopback
(tests/test_crawl_limits.py). Here a request counts as transferring the moment it leaves the
queue. The rest of `_process_queue` is Scrapy's, unchanged.
"""

from __future__ import annotations

from time import monotonic

from scrapy.core.downloader import Downloader as ScrapyDownloader
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro


class Downloader(ScrapyDownloader):
    def _process_queue(self, slot) -> None:
        if slot.latercall:
            return  # held until slot.latercall fires (a delay, or a Retry-After)
        now = monotonic()
        delay = slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            slot.transferring.add(request)  # now, not when the task starts
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:  # no burst when a delay is set
                self._process_queue(slot)
                break
