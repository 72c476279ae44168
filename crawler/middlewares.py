"""Scrapy's retry, redirect and depth middlewares, each made to account for what it drops:

- RetryMiddleware: exponential backoff; `Retry-After` honoured up to RETRY_AFTER_MAX, for the
  whole host (its download slot waits too); a truncated body is retried like a reset.
- RedirectGuard: a redirect back into its own chain, past REDIRECT_MAX_TIMES, or to a host
  outside the registry is not followed: the 3xx response is recorded with the reason.
- DepthLimit: a request cut by DEPTH_LIMIT gets a capture row, and the portal's crawl is then
  incomplete (no "removed" can be concluded from it).

The capture recorder itself is crawler/capture.py.
"""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware as ScrapyRetry
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.spidermiddlewares.depth import DepthMiddleware
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import task

from crawler.capture import is_challenge, record_failure  # noqa: F401  (is_challenge: API)


def retry_after(value: bytes | None, now: float | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delay-seconds or an HTTP-date), or None.
    Scrapy's RetryMiddleware does not read Retry-After; the date is the standard library's
    (urllib3 has one, but it caps the wait at 6 h and comes only with the nodes extra)."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when - (now if now is not None else time.time()))


def hold_host(crawler, request, seconds: float) -> None:
    """Keep the download slot of request's host from starting anything for `seconds`.
    Scrapy's slot waits while `latercall` is set (its own delay mechanism); we set it."""
    downloader = crawler.engine.downloader
    slot = downloader.slots.get(downloader.get_slot_key(request))
    if slot is None or seconds <= 0:
        return
    if slot.latercall:
        slot.latercall.cancel()
    slot.latercall = call_later(seconds, downloader._latercall, slot)


class _Sleep:
    async def sleep(self, seconds: float) -> None:
        from twisted.internet import reactor

        await maybe_deferred_to_future(task.deferLater(reactor, seconds, lambda: None))


class RetryMiddleware(ScrapyRetry, _Sleep):
    """Scrapy's retries, each waited for: max(RETRY_BACKOFF_BASE * 2**(n-1), Retry-After),
    at most RETRY_BACKOFF_MAX for the backoff; a Retry-After above RETRY_AFTER_MAX is not
    waited for (the response is recorded with that reason, the next crawl tries again)."""

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)
        self.after_max = settings.getfloat("RETRY_AFTER_MAX", 300.0)

    async def process_response(self, request, response, spider=None):
        if "replayed" in response.flags or request.meta.get("dont_retry"):
            return response
        if "dataloss" in response.flags:
            return await self._wait(self._retry(request, "truncated body") or response, 0)
        if response.status not in self.retry_http_codes:
            return response
        wait = retry_after(response.headers.get(b"Retry-After"))
        if wait is not None and wait > self.after_max:
            request.meta["ogi_refusal"] = (
                f"http_{response.status}",
                f"Retry-After {wait:.0f} s is over RETRY_AFTER_MAX {self.after_max:.0f} s",
            )
            return response
        retry = self._retry(request, f"HTTP {response.status}")
        if retry is None:
            return response
        if wait:
            hold_host(self.crawler, request, wait)
        return await self._wait(retry, wait or 0)

    async def process_exception(self, request, exception, spider=None):
        return await self._wait(super().process_exception(request, exception), 0)

    async def _wait(self, result, at_least: float):
        """Wait before a retry (a new Request); anything else passes straight through."""
        if isinstance(result, Request):
            n = result.meta.get("retry_times", 1)
            delay = max(at_least, min(self.cap, self.base * 2 ** (n - 1)) if self.base else 0)
            if delay > 0:
                await self.sleep(delay)
        return result


class RedirectGuard(RedirectMiddleware):
    """Scrapy's redirects, except loops, chains over REDIRECT_MAX_TIMES, and targets off the
    registry's hosts: those stop at the 3xx response, recorded with the reason (robots.txt
    redirects may leave the host, as RFC 9309 allows, up to 5 hops)."""

    def process_response(self, request, response, spider=None):
        if "replayed" in response.flags:
            return response
        try:
            return super().process_response(request, response)
        except _Stop as stop:
            request.meta["ogi_refusal"] = (stop.kind, stop.detail)
            return response

    def _redirect(self, redirected, request, reason):
        chain = [*request.meta.get("redirect_urls", []), request.url]
        target = redirected.url.split("#")[0]
        if target in (u.split("#")[0] for u in chain):
            raise _Stop(
                "redirect_loop",
                f"{request.url} → {target} (after {len(chain)} "
                f"request{'s' if len(chain) > 1 else ''})",
            )
        host = urlsplit(target).hostname or ""
        spider = self.crawler.spider
        if request.meta.get("kind") != "robots" and not spider.host_in_registry(host):
            raise _Stop("offsite_redirect", f"to {target}, a host outside the registry")
        try:
            return super()._redirect(redirected, request, reason)
        except IgnoreRequest:
            raise _Stop(
                "redirect_loop", f"more than {len(chain) - 1} redirects, last to {target}"
            ) from None


class _Stop(Exception):
    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind, self.detail = kind, detail


class DepthLimit(DepthMiddleware):
    """DEPTH_LIMIT, with a capture row for every request it cuts."""

    def get_processed_request(self, request, response):
        out = super().get_processed_request(request, response)
        if out is None and response is not None:
            spider = self.crawler.spider
            record_failure(
                spider,
                request,
                "depth_limit",
                f"depth {request.meta.get('depth')} > DEPTH_LIMIT {self.maxdepth}",
            )
        return out
