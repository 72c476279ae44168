"""广东 gkmlpt: the column's list is JSON from /gkmlpt/api/all/{catid}?page=N&sid=SID, the sid
read from the page (window._CONFIG), the catid from the entry or the start URL's #fragment."""
from __future__ import annotations

import json
import math
import re
from urllib.parse import urlsplit

from crawler.families.base import Adapter

SID = re.compile(r"""\bSID\s*[:=]\s*['"]?(\w+)|[?&]sid=(\w+)""")


class GkmlptAdapter(Adapter):
    family = "gkmlpt"

    def detect(self, response):
        return "/gkmlpt/" in response.url or bool(re.search(r"_CONFIG[^<]*SID", response.text))

    def parse_list(self, spider, response):
        if response.meta.get("gkmlpt_api"):
            yield from self._api(spider, response)
            return
        sid = SID.search(response.text)
        catid = response.meta.get("catid") or spider.portals[response.meta["portal"]].catid
        if not sid or not catid:
            spider.count(response.meta["portal"], "unreadable", "gkmlpt_no_sid_or_catid")
            return
        base = "{0.scheme}://{0.netloc}".format(urlsplit(response.url))
        meta = {"gkmlpt_api": True, "api": f"{base}/gkmlpt/api/all/{catid}",
                "sid": sid.group(1) or sid.group(2)}
        yield spider.follow(response, f"{meta['api']}?page=1&sid={meta['sid']}", "list", meta=meta)

    def _api(self, spider, response):
        try:
            data = json.loads(response.text)
        except ValueError:
            spider.count(response.meta["portal"], "unreadable", "gkmlpt_bad_json")
            return
        for art in data.get("articles") or []:
            if art.get("url"):
                yield self.follow_report(spider, response, art["url"], art.get("title", ""))
        m = response.meta
        if "page=1&" in response.url and data.get("size"):
            for n in range(2, math.ceil(int(data.get("total", 0)) / int(data["size"])) + 1):
                yield spider.follow(response, f"{m['api']}?page={n}&sid={m['sid']}", "list",
                                    meta={k: m[k] for k in ("gkmlpt_api", "api", "sid")})
