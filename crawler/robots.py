"""robots.txt as RFC 9309 says, on Scrapy's RobotsTxtMiddleware (and its Protego parser):

- 2xx: parsed, and its rules obeyed;
- 4xx (and more than 5 redirects): "unavailable", everything allowed;
- 5xx, or unreachable (DNS, refused, reset, timeout, a truncated body): "unreachable", the
  host is completely disallowed for this crawl (§2.3.1.4), the portal's report says
  `robots_unreachable` and the portal is not taken for one gone silent;
- redirects followed up to 5 hops, also to other hosts (§2.3.1.2).

Every request it forbids gets a capture row (`robots_denied`), so nothing goes missing quietly.
"""

from __future__ import annotations

import logging

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from crawler.capture import record_failure

log = logging.getLogger(__name__)
MAX_REDIRECTS = 5


class DisallowAll:
    """The rules of an unreachable robots.txt. Protego parses the rules a robots.txt gives;
    this is the answer when none came (Scrapy's middleware allows all then, RFC 9309 does
    not), and it carries the reason for the capture row."""

    def __init__(self, why: str):
        self.why = why

    def allowed(self, url, user_agent) -> bool:
        return False


class RobotsMiddleware(RobotsTxtMiddleware):
    async def robot_parser(self, request: Request):
        """Scrapy's, with the robots.txt request made ours: recorded as kind 'robots', up to
        5 redirects, which may leave the host."""
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc not in self._parsers:
            self._parsers[netloc] = Deferred()
            robots = Request(
                f"{url.scheme}://{netloc}/robots.txt",
                callback=NO_CALLBACK,
                priority=self.DOWNLOAD_PRIORITY,
                meta={
                    "dont_obey_robotstxt": True,
                    "allow_offsite": True,
                    "redirect_ttl": MAX_REDIRECTS,
                    "kind": "robots",
                    "portal": request.meta.get("portal"),
                },
            )
            try:
                response = await self.crawler.engine.download_async(robots)
                await self._parse_robots(response, netloc, request)
            except Exception as e:  # noqa: BLE001 — any failure is "unreachable"
                self._robots_error(e, netloc)
            self._stats.inc_value("robotstxt/request_count")
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            return await maybe_deferred_to_future(parser)
        return parser

    async def _parse_robots(self, response, netloc, request):
        status, meta = response.status, response.meta
        error = meta.get("ogi_error")
        if 200 <= status < 300 and not error:
            return await super()._parse_robots(response, netloc, request)
        if 300 <= status < 500 and not (error and error.startswith("truncated")):
            rules = None  # unavailable: no rules (more than 5 redirects counts as that)
        else:
            rules = DisallowAll(f"robots.txt unreachable ({error or f'HTTP {status}'})")
            self._unreachable(netloc, request, rules.why)
        self._resolve(netloc, rules)

    def _robots_error(self, exc, netloc):
        why = f"robots.txt unreachable ({type(exc).__name__}: {exc})"
        if isinstance(exc, IgnoreRequest) and "already failed" in str(exc):
            why = f"robots.txt unreachable ({str(exc).split(': ', 1)[-1]})"
        self._unreachable(netloc, None, why)
        self._resolve(netloc, DisallowAll(why))

    def _resolve(self, netloc, rules) -> None:
        waiting = self._parsers[netloc]
        self._parsers[netloc] = rules
        waiting.callback(rules)

    def _unreachable(self, netloc, request, why) -> None:
        spider = self.crawler.spider
        portal = (request.meta.get("portal") if request is not None else None) or spider.portal_of(
            f"http://{netloc}/"
        )
        spider.robots_unreachable.setdefault(portal, why)
        log.warning(
            "%s: %s: every URL of %s is disallowed for this crawl (RFC 9309)", portal, why, netloc
        )

    def process_request_2(self, rp, request):
        if rp is None or request.meta.get("dont_obey_robotstxt"):
            return
        ua = self._robotstxt_useragent or request.headers.get(
            b"User-Agent", self._default_useragent
        )
        if not rp.allowed(request.url, ua):
            self._stats.inc_value("robotstxt/forbidden")
            record_failure(
                self.crawler.spider,
                request,
                "robots_denied",
                rp.why if isinstance(rp, DisallowAll) else "disallowed by robots.txt",
            )
            raise IgnoreRequest("Forbidden by robots.txt")
