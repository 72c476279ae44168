"""广东 gkmlpt: the column's list is JSON from /gkmlpt/api/all/{catid}?page=N&sid=SID, the sid
read from the page (window._CONFIG), the catid from the entry or the start URL's #fragment.

The answer declares the column's size as `classify.post_count` (and, on some sites, `total`
with the page `size`). A page of the API holds 100 articles when the answer does not say: the
site's front end asks API page ceil(n/5) for its displayed page n of 20 (a public crawler's
notes on 肇庆, tests/pages/SOURCES.md). Real columns answer fewer articles than they count —
肇庆's 受理公告 counts 203, its page 1 holds 88 and page 2 answers 404 — and such a column is
reported short, not taken as read.
"""

from __future__ import annotations

import math
import re
from urllib.parse import urlsplit

from crawler.families import jsonlist
from crawler.families.base import Adapter, meta

SID = re.compile(r"""\bSID\s*[:=]\s*['"]?(\w+)|[?&]sid=(\w+)""")
API_PAGE = 100
KIND = "gkmlpt"


class GkmlptAdapter(Adapter):
    family = "gkmlpt"

    def detect(self, response):
        return "/gkmlpt/" in response.url or bool(re.search(r"_CONFIG[^<]*SID", response.text))

    def parse_list(self, spider, response):
        m = meta(response)
        if m.get("gkmlpt_api"):
            yield from self._api(spider, response)
            return
        sid = SID.search(response.text)
        catid = m.get("catid") or spider.portals[m["portal"]].catid
        if not sid or not catid:
            spider.count(m.get("portal"), "unreadable", "gkmlpt_no_sid_or_catid")
            return
        base = "{0.scheme}://{0.netloc}".format(urlsplit(response.url))
        api = {
            "gkmlpt_api": True,
            "api": f"{base}/gkmlpt/api/all/{catid}",
            "sid": sid.group(1) or sid.group(2),
        }
        yield self.list_request(spider, response, f"{api['api']}?page=1&sid={api['sid']}", meta=api)

    def _api(self, spider, response):
        data = jsonlist.parse(response.text)
        if not isinstance(data, dict):
            spider.count(meta(response).get("portal"), "unreadable", "gkmlpt_bad_json")
            return
        self.page_read(spider, response)
        got = jsonlist.read(data)
        classify = data.get("classify") if isinstance(data.get("classify"), dict) else {}
        for count in (got.total, classify.get("post_count")):
            if count is not None:
                self.declare(spider, response, KIND, count)
        for url, title in got.records:
            yield self.record(spider, response, url, title)
        declared = max(
            (c for c in (got.total, jsonlist.to_int(classify.get("post_count"))) if c is not None),
            default=0,
        )
        m = meta(response)
        if "page=1&" in response.url and declared:
            size = got.size or API_PAGE
            for n in range(2, math.ceil(declared / size) + 1):
                yield self.list_request(
                    spider,
                    response,
                    f"{m['api']}?page={n}&sid={m['sid']}",
                    meta={k: m[k] for k in ("gkmlpt_api", "api", "sid")},
                )
