"""Downloader middlewares: the capture recorder (evidence, conditional GET, resume replay,
challenge detection) and retries with exponential backoff."""
from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers, Request
from scrapy.responsetypes import responsetypes
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import task

from archive.captures import now
from crawler.families.base import DOC_EXT

DOC_TYPES = re.compile(r"pdf|msword|wordprocessing|officedocument|ms-excel|spreadsheet|wps|"
                       r"image/|octet-stream|zip", re.I)
CHALLENGE = (b"$_ts", b"__jsl_clearance", b"_$jsl", b"jsl_clearance_s")


def is_challenge(status: int, headers: Headers, body: bytes) -> str | None:
    """Name the anti-bot JS challenge a response is (瑞数 412 + $_ts, 加速乐 521 + jsl), or None."""
    cookies = b" ".join(headers.getlist(b"Set-Cookie"))
    if b"__jsl_clearance" in cookies or (b"__jsluid" in cookies and status == 521):
        return "jsl"
    if status in (202, 403, 412, 521):
        head = body[:20_000]
        if b"$_ts" in head and b"<script" in head.lower():
            return f"ruishu-{status}"
        if any(m in head for m in CHALLENGE[1:]):
            return "jsl"
    return None


def _headers(h: Headers) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, vs in h.items() for v in vs]


class CaptureMiddleware:
    """Records every final response (after redirects and retries) in the capture store."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def spider(self):
        return self.crawler.spider

    # -- before the request ---------------------------------------------------------------
    def process_request(self, request, spider=None):
        sp = self.spider
        store, meta = sp.store, request.meta
        meta.setdefault("portal", sp.portal_of(request.url))
        if request.url.endswith("/robots.txt"):
            meta.setdefault("kind", "robots")
        if sp.resuming and not meta.get("ogi_checked_run"):
            meta["ogi_checked_run"] = True
            done = store.capture_in_run(sp.crawl_id, request.url)
            if done:
                return self._replay(request, done)
        if request.method == "GET" and meta.get("kind") != "robots":
            prev = store.last_capture(request.url, before_crawl=sp.crawl_id)
            if prev:
                headers = json.loads(prev["response_headers"] or "[]")
                meta["ogi_prev"] = {"sha256": prev["sha256"], "id": prev["id"], "headers": headers}
                h = {k.lower(): v for k, v in headers}
                if h.get("etag"):
                    request.headers["If-None-Match"] = h["etag"]
                if h.get("last-modified"):
                    request.headers["If-Modified-Since"] = h["last-modified"]
        return None

    def _replay(self, request, cap: dict):
        """A capture made earlier in this same (resumed) run: answer it from the store."""
        self.stats.inc_value("ogi/replayed")
        sha = cap["sha256"]
        headers = json.loads(cap["response_headers"] or "[]")
        if cap["status"] == 304:
            prev = self.spider.store.last_capture(request.url, before_crawl=self.spider.crawl_id)
            sha = prev and prev["sha256"]
            headers = json.loads(prev["response_headers"] or "[]") if prev else headers
        if cap["status"] is None:
            raise IgnoreRequest(f"already failed in this run: {cap['error']}")
        response = self._response(request, cap["final_url"] or request.url,
                                  200 if cap["status"] == 304 else cap["status"], headers,
                                  self.spider.store.read_blob(sha) if sha else b"", "replayed")
        if cap["error"] and cap["error"].startswith("blocked"):
            request.meta["ogi_blocked"] = True
        if cap["kind"] in ("detail", "attachment"):  # an event lost in the kill is made good
            self.spider.track_report(cap["portal"], response, sha, cap["is_report"], None)
        return response

    @staticmethod
    def _response(request, url, status, headers, body, flag):
        h = Headers()
        for k, v in headers:
            h.appendlist(k, v)
        cls = responsetypes.from_args(headers=h, url=url, body=body)
        return cls(url=url, status=status or 200, headers=h, body=body, request=request,
                   flags=[flag])

    # -- after the response ---------------------------------------------------------------
    def process_response(self, request, response, spider=None):
        if "replayed" in response.flags:
            return response
        sp, meta = self.spider, request.meta
        portal, kind = meta.get("portal"), meta.get("kind", "other")
        fetched = now()
        body = response.body
        blocked = is_challenge(response.status, response.headers, body)
        error = None
        if blocked:
            error = f"blocked:{blocked}"
            meta["ogi_blocked"] = True
        elif response.status >= 400:
            error = f"http_{response.status}"
        sha = size = None
        new_blob = False
        if response.status != 304:
            sha, new_blob = sp.store.store_body(body)
            size = len(body)
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1") or None
        is_report = int(not error and response.status in (200, 304) and (
            kind == "detail" or (kind == "attachment" and self._is_document(ctype, response.url))))
        start_url = (meta.get("redirect_urls") or [request.url])[0]
        req_headers = _headers(request.headers)
        warc_file, offset = sp.store.write_warc(
            sp.crawl_id, response.url, request.method, req_headers, request.body,
            response.status, "", _headers(response.headers), body, fetched)
        sp.store.add_capture(
            crawl_id=sp.crawl_id, portal=portal, url=start_url, final_url=response.url,
            method=request.method, status=response.status, request_headers=req_headers,
            response_headers=_headers(response.headers), fetched_at=fetched, sha256=sha,
            size=size, content_type=ctype, kind=kind, is_report=is_report,
            referer=meta.get("referer"), link_text=meta.get("link_text"), error=error,
            warc_file=warc_file, warc_offset=offset)
        sp.count(portal, "pages" if kind == "list" else kind)
        if new_blob:
            sp.count(portal, "stored")
        if blocked:
            sp.count(portal, "blocked")
        elif error:
            sp.count(portal, "errors", error)
        if kind in ("detail", "attachment"):
            sp.track_report(portal, response, sha, is_report, meta.get("ogi_prev"))
        if response.status == 304:
            prev = meta.get("ogi_prev")
            sp.count(portal, "not_modified")
            if prev:  # a 304 may omit Content-Type: answer with the stored response's headers
                return self._response(request, response.url, 200, prev["headers"],
                                      sp.store.read_blob(prev["sha256"]), "not-modified")
        return response

    @staticmethod
    def _is_document(ctype: str | None, url: str) -> bool:
        return bool(DOC_TYPES.search(ctype or "") or DOC_EXT.search(urlsplit(url).path))

    def process_exception(self, request, exception, spider=None):
        if isinstance(exception, IgnoreRequest):
            return None
        sp, meta = self.spider, request.meta
        portal, kind = meta.get("portal"), meta.get("kind", "other")
        reason = type(exception).__name__
        sp.store.add_capture(
            crawl_id=sp.crawl_id, portal=portal, url=(meta.get("redirect_urls") or
                                                      [request.url])[0],
            final_url=request.url, method=request.method, status=None,
            request_headers=_headers(request.headers), fetched_at=now(), kind=kind, is_report=0,
            referer=meta.get("referer"), link_text=meta.get("link_text"),
            error=f"{reason}: {exception}"[:500])
        sp.count(portal, "errors", reason)
        return None


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, each one waited for: RETRY_BACKOFF_BASE * 2**(n-1) seconds."""

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    async def _backoff(self, retry):
        """Wait before a retry (a new Request); anything else passes straight through."""
        if isinstance(retry, Request) and self.base > 0:
            from twisted.internet import reactor
            delay = min(self.cap, self.base * 2 ** (retry.meta.get("retry_times", 1) - 1))
            await maybe_deferred_to_future(task.deferLater(reactor, delay, lambda: None))
        return retry

    async def process_response(self, request, response, spider=None):
        return await self._backoff(super().process_response(request, response))

    async def process_exception(self, request, exception, spider=None):
        return await self._backoff(super().process_exception(request, exception))
