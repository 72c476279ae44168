"""大汉 Hanweb JCMS: /col/colN/index.html; the list comes from
POST /module/web/jpage/dataproxy.jsp?startrecord=…&endrecord=…&perpage=… as XML records;
details /art/Y/M/D/art_COL_ID.html; attachments through downfile.jsp redirects."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlsplit

from parsel import Selector

from crawler.families.base import Adapter, link_text

RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
COL = re.compile(r"/col/col(\d+)/")
PROXY = "/module/web/jpage/dataproxy.jsp"
GROUP = 3   # pages fetched per request, as the jpage script does


def records(text: str):
    for frag in RECORD.findall(text):
        for a in Selector(text=frag).css("a[href]"):
            yield a.attrib["href"], link_text(a)


class HanwebAdapter(Adapter):
    family = "hanweb"

    def detect(self, response):
        return bool(COL.search(response.url)) or "dataproxy.jsp" in response.text

    def parse_list(self, spider, response):
        if response.meta.get("kind") == "list" and response.meta.get("hanweb_start"):
            yield from self._records(spider, response)
            total = re.search(r"<totalrecord>(\d+)</totalrecord>", response.text)
            per = int(response.meta["perpage"])
            for start in range(1 + per * GROUP, int(total.group(1)) + 1 if total else 0,
                               per * GROUP):
                yield self._proxy(spider, response, response.meta["form"], start, per)
            return
        if response.meta.get("hanweb_batch"):
            yield from self._records(spider, response)
            return
        # the column page: records inline, then the data proxy from record 1
        yield from self._records(spider, response)
        form = self._form(response)
        if form:
            per = re.search(r"perPage\s*:\s*['\"]?(\d+)", response.text)
            yield self._proxy(spider, response, form, 1, int(per.group(1)) if per else 15,
                              first=True)

    def _records(self, spider, response):
        for href, text in records(response.text):
            yield self.follow_report(spider, response, urljoin(response.url, href), text)

    @staticmethod
    def _form(response):
        m = re.search(r"dataproxy\.jsp\?([^\"'<\]]+)", response.text)
        q = {k: v[0] for k, v in parse_qs(m.group(1).replace("&amp;", "&")).items()} if m else {}
        col = COL.search(response.url)
        if not q.get("columnid") and not col:
            return None
        return {"col": "1", "appid": q.get("appid", "1"), "webid": q.get("webid", "1"),
                "path": q.get("path", "/"), "columnid": q.get("columnid") or col.group(1),
                "sourceContentType": "1", "unitid": q.get("unitid", ""),
                "webname": q.get("webname", ""), "permissiontype": q.get("permissiontype", "0")}

    @staticmethod
    def _proxy(spider, response, form, start, per, first=False):
        base = "{0.scheme}://{0.netloc}".format(urlsplit(response.url))
        url = (f"{base}{PROXY}?startrecord={start}&endrecord={start + per * GROUP - 1}"
               f"&perpage={per}")
        meta = {"form": form, "perpage": per, "hanweb_start" if first else "hanweb_batch": True}
        return spider.follow(response, url, "list", "", formdata=form, meta=meta)
