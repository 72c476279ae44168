"""The capture recorder: every request the spider makes ends in a capture row — a response
(its body stored once by SHA-256, a WARC record of what came over the wire) or a failure with
its reason (crawler/failures.py). Also: conditional GETs, replay of a resumed run's captures,
and anti-bot challenge detection. What the captures mean (new, changed, removed, moved) is
concluded from these rows when the crawl ends (crawler/changes.py)."""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from scrapy.utils.defer import maybe_deferred_to_future

from archive.captures import now
from crawler.failures import NOT_ERRORS, classify
from crawler.families.base import DOC_EXT

DOC_TYPES = re.compile(
    r"pdf|msword|wordprocessing|officedocument|ms-excel|spreadsheet|wps|"
    r"image/|octet-stream|zip|rar|ofd|multipart/related",
    re.I,
)
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


def body_sha(request) -> str | None:
    """The SHA-256 of a request's body (a form POST), None for a request without one: with the
    URL it names what was asked (the pages of a list API share one URL)."""
    return hashlib.sha256(request.body).hexdigest() if request.body else None


def record_failure(
    spider,
    request,
    kind: str,
    detail: str = "",
    status: int | None = None,
    final_url: str | None = None,
) -> None:
    """A capture row for a request that got no usable response (status None unless given).
    Idempotent within a run, so a resumed crawl that meets the same refusal adds nothing."""
    meta = request.meta
    url = (meta.get("redirect_urls") or [request.url])[0]
    sha = body_sha(request)
    if (url, sha, kind) in spider.recorded or spider.store.has_row(spider.crawl_id, url, kind, sha):
        return
    spider.recorded.add((url, sha, kind))
    portal = meta.get("portal") or spider.portal_of(request.url)
    error = f"{kind}: {detail}" if detail else kind
    spider.writer.submit(
        "add_capture",
        crawl_id=spider.crawl_id,
        portal=portal,
        url=url,
        final_url=final_url or request.url,
        method=request.method,
        status=status,
        request_headers=_headers(request.headers),
        fetched_at=now(),
        kind=meta.get("kind", "other"),
        is_report=0,
        referer=meta.get("referer"),
        link_text=meta.get("link_text"),
        error=error[:1000],
        request_sha256=sha,
    )
    if kind not in NOT_ERRORS:
        spider.count(portal, "errors", kind)


class CaptureMiddleware:
    """Records every final response (after redirects, decoding and retries) and every
    download failure in the capture store."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.maxsize = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        self.earlier: bool | None = None  # captures of earlier crawls in the archive (_earlier)
        crawler.signals.connect(self.dropped, signal=signals.request_dropped)

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
        if request.url.endswith("/robots.txt") and meta.get("dont_obey_robotstxt"):
            meta.setdefault("kind", "robots")
        if sp.resuming and not meta.get("ogi_checked_run"):
            meta["ogi_checked_run"] = True
            done = store.capture_in_run(sp.crawl_id, request.url, body_sha(request))
            if done:
                return self._replay(request, done)
        if request.method == "GET" and meta.get("kind") != "robots" and self._earlier(sp):
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

    def _earlier(self, sp) -> bool:
        """Does the archive hold a whole capture from an earlier crawl (asked once)? A first
        crawl into an empty archive then asks no store lookup per request for a conditional
        GET it could not make."""
        if self.earlier is None:
            self.earlier = bool(
                sp.store.db.execute(
                    "select 1 from captures where crawl_id != ? and sha256 is not null"
                    " and status = 200 and error is null limit 1",
                    [sp.crawl_id],
                ).fetchone()
            )
        return self.earlier

    def _replay(self, request, cap: dict):
        """A capture made earlier in this same (resumed) run: answer it from the store."""
        self.stats.inc_value("ogi/replayed")
        sha = cap["sha256"]
        headers = [
            (k, v)
            for k, v in json.loads(cap["response_headers"] or "[]")
            if k.lower() not in ("content-encoding", "content-length")
        ]
        if cap["status"] == 304:
            prev = self.spider.store.last_capture(request.url, before_crawl=self.spider.crawl_id)
            sha = prev and prev["sha256"]
            headers = json.loads(prev["response_headers"] or "[]") if prev else headers
        if cap["status"] is None:
            raise IgnoreRequest(f"already failed in this run: {cap['error']}")
        body = self.spider.store.read_blob(sha) if sha else b""
        if cap["error"]:
            request.meta["ogi_error"] = cap["error"]
            if cap["error"].startswith("blocked"):
                request.meta["ogi_blocked"] = True
        return self._response(
            request,
            cap["final_url"] or request.url,
            200 if cap["status"] == 304 else cap["status"],
            headers,
            body,
            "replayed",
        )

    @staticmethod
    def _response(request, url, status, headers, body, flag):
        h = Headers()
        for k, v in headers:
            h.appendlist(k, v)
        cls = responsetypes.from_args(headers=h, url=url, body=body[:5000])
        return cls(
            url=url, status=status or 200, headers=h, body=body, request=request, flags=[flag]
        )

    # -- after the response ---------------------------------------------------------------
    async def process_response(self, request, response, spider=None):
        if "replayed" in response.flags:
            return response
        sp, meta = self.spider, request.meta
        portal, kind = meta.get("portal"), meta.get("kind", "other")
        fetched = now()
        wire = meta.pop("ogi_wire", None)  # the encoded body, when it was decoded
        spool = meta.pop("ogi_spool", None)  # a decoded body left on disk
        body = response.body
        error = self._error(request, response, kind, body, spool)
        if error:
            meta["ogi_error"] = error
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1") or None
        is_report = int(
            not error
            and response.status in (200, 304)
            and (
                kind == "detail"
                or (kind == "attachment" and self._is_document(ctype, response.url))
            )
        )
        start_url = (meta.get("redirect_urls") or [request.url])[0]
        req_headers = _headers(request.headers)
        wire_headers = _headers(wire["headers"] if wire else response.headers)
        warc = {
            "crawl_id": sp.crawl_id,
            "url": response.url,
            "method": request.method,
            "request_headers": req_headers,
            "request_body": request.body,
            "status": response.status,
            "reason": "",
            "response_headers": wire_headers,
            "body": wire["body"] if wire else body,
            "fetched_at": fetched,
            "truncated": "disconnect" if "dataloss" in response.flags else None,
        }
        row = {
            "crawl_id": sp.crawl_id,
            "portal": portal,
            "url": start_url,
            "final_url": response.url,
            "method": request.method,
            "status": response.status,
            "request_headers": req_headers,
            "response_headers": wire_headers,
            "fetched_at": fetched,
            "content_type": ctype,
            "kind": kind,
            "is_report": is_report,
            "referer": meta.get("referer"),
            "link_text": meta.get("link_text"),
            "error": error,
            "request_sha256": body_sha(request),
        }
        # body, WARC and row in the writer thread (crawler/writer.py); the reactor goes on
        sha, new_blob = await maybe_deferred_to_future(
            sp.writer.call(
                "record_response",
                body=None if response.status == 304 else body,
                spool=spool,
                warc=warc,
                row=row,
            )
        )
        sp.count(portal, "pages" if kind == "list" else kind)
        if new_blob:
            sp.count(portal, "stored")
        if error:
            sp.count(
                portal,
                "blocked" if meta.get("ogi_blocked") else "errors",
                None if meta.get("ogi_blocked") else error.split(":")[0],
            )
        if response.status == 304:
            prev = meta.get("ogi_prev")
            sp.count(portal, "not_modified")
            if prev:  # a 304 may omit Content-Type: answer with the stored response's headers
                headers = [
                    (k, v)
                    for k, v in prev["headers"]
                    if k.lower() not in ("content-encoding", "content-length")
                ]
                return self._response(
                    request,
                    response.url,
                    200,
                    headers,
                    sp.store.read_blob(prev["sha256"]),
                    "not-modified",
                )
        return response

    def _error(self, request, response, kind, body, spool) -> str | None:
        """The reason a response is not a usable capture, or None."""
        meta = request.meta
        refusal = meta.get("ogi_refusal")
        if refusal:
            return f"{refusal[0]}: {refusal[1]}"
        if "dataloss" in response.flags:
            declared = response.headers.get(b"Content-Length", b"?").decode("latin-1")
            return f"truncated: connection closed after {len(body)} of {declared} bytes"
        blocked = None if spool else is_challenge(response.status, response.headers, body)
        if blocked:
            meta["ogi_blocked"] = True
            return f"blocked:{blocked}"
        if kind == "robots":  # RFC 9309: 4xx means no rules, 5xx that the host is unreachable
            return f"http_{response.status}" if response.status >= 500 else None
        if response.status >= 400:
            return f"http_{response.status}"
        if spool and kind != "attachment":
            return (
                f"too_large: a {kind} page of {spool['size']} bytes, stored but not read "
                "(over OGI_BODY_IN_MEMORY)"
            )
        return None

    @staticmethod
    def _is_document(ctype: str | None, url: str) -> bool:
        return bool(DOC_TYPES.search(ctype or "") or DOC_EXT.search(urlsplit(url).path))

    def process_exception(self, request, exception, spider=None):
        if isinstance(exception, IgnoreRequest):
            return None
        kind, detail = classify(exception)
        if kind == "too_large":
            limit = request.meta.get("download_maxsize", self.maxsize)
            detail = f"{detail} (DOWNLOAD_MAXSIZE {limit})"
        record_failure(self.spider, request, kind, detail)
        return None

    def dropped(self, request, spider=None):
        """The scheduler dropped a request as a duplicate. Only a redirect can make one that
        way (to a URL this crawl already fetched): it gets a row saying where it went."""
        if request.meta.get("redirect_urls"):
            status = (request.meta.get("redirect_reasons") or ["a redirect"])[-1]
            record_failure(
                self.spider,
                request,
                "redirect_to_seen",
                f"{status} to {request.url}, which this crawl fetched as well",
                final_url=request.meta["redirect_urls"][-1],
            )
