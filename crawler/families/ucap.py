"""开普云 (Ucap) portals: a column lives at /{site}/{channel}/pc/list.html, its articles at
/{site}/{channel}/pc/content/content_{id}.html, their files under /doc/ucap/….

The list page is filled by a script from the site's JSON list API, a form POST to /queryList
with `current` (the page), `pageSize`, `webSiteCode` and `channelCode` — the site and channel
of the list page's path; the answer:

    {"data": {"page": 1, "rows": 20, "total": 57,
              "results": [{"id": "…", "source": {"title": "…", "pubDate": "…",
                           "urls": "{\"pc\": \"/site/chan/pc/content/content_….html\"}"}}]}}

(as a public crawler of 江西省住房和城乡建设厅 reads it; tests/pages/SOURCES.md). `total`
is the column's declared size. A page that names its codes, page size or API in its script
(`webSiteCode: …`, `pageSize: …`, `…/queryList`) is read for them first.
"""

from __future__ import annotations

import math
import re
from urllib.parse import urljoin, urlsplit

from crawler.families import jsonlist, script
from crawler.families.base import Adapter, is_report_title, links, meta

LIST = re.compile(r"^/([^/]+)/([^/]+)/pc/list(?:_\d+)?\.html$")
CONTENT = re.compile(r"/pc/content/content_\d+\.html$")
QUERY = re.compile(r"""['"]((?:https?://[^'"\s]+)?/[\w/.-]*queryList)['"]""")
API = "ucap_api"
KIND = "ucap queryList"
PAGE_SIZE = 20


class UcapAdapter(Adapter):
    family = "ucap"

    def detect(self, response):
        path = urlsplit(response.url).path
        return (
            bool(LIST.match(path))
            or "/doc/ucap/" in response.text
            or any(CONTENT.search(u.split("?")[0]) for u, _ in links(response))
        )

    def parse_list(self, spider, response):
        if meta(response).get(API):
            yield from self._answer(spider, response)
            return
        self.page_read(spider, response)
        for url, text in links(response):
            if CONTENT.search(url.split("?")[0]) or is_report_title(text):
                yield self.record(spider, response, url, text)
        text = response.text
        path = LIST.match(urlsplit(response.url).path)
        site = script.value(text, "webSiteCode") or (path.group(1) if path else None)
        channel = script.value(text, "channelCode") or (path.group(2) if path else None)
        if not site or not channel:
            spider.count(meta(response).get("portal"), "unreadable", "ucap_no_site_or_channel")
            return
        api = QUERY.search(text)
        s = {
            "api": urljoin(response.url, api.group(1) if api else "/queryList"),
            "form": {"webSiteCode": site, "channelCode": channel},
            "size": script.number(text, "pageSize") or PAGE_SIZE,
        }
        yield self._page(spider, response, s, 1)

    def _answer(self, spider, response):
        s = meta(response)[API]
        got = jsonlist.read(jsonlist.parse(response.text))
        if got.total is None and not got.items:
            spider.count(meta(response).get("portal"), "unreadable", "ucap_bad_answer")
            return
        self.page_read(spider, response)
        if got.total is not None:
            self.declare(spider, response, KIND, got.total)
        for url, title in got.records:
            yield self.record(spider, response, urljoin(response.url, url), title)
        if s["page"] == 1 and got.total:
            for n in range(2, math.ceil(got.total / s["size"]) + 1):
                yield self._page(spider, response, s, n)

    def _page(self, spider, response, s: dict, n: int):
        form = {**s["form"], "current": str(n), "pageSize": str(s["size"])}
        return self.list_request(
            spider, response, s["api"], formdata=form, meta={API: {**s, "page": n}}
        )
