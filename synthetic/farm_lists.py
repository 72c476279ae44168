"""Demo portals whose columns are listed by script and API, as real portals list theirs.

- `TrsList2Site`: a TRS column on the `list2.trsapi` module (动静结合): `index.htm` holds the
  first `max_static` pages of `prepage` records in blocks of five, `recordCount` declares the
  column's size, and the rest is served by the TRS search API `POST /fjdzapp/search` — the
  shape of the real 平潭 page and 三明 answers in tests/pages/.
- `UcapSite`: a 开普云 (Ucap) column: `/{site}/{channel}/pc/list.html` filled from the JSON
  list API `POST /queryList` (`current`, `pageSize`, `webSiteCode`, `channelCode`).

(createPageHTML and Hanweb jpage columns are the TRS and Hanweb sites of farm_sites.py.)

Each can be made to misbehave the way real list APIs do, to test that a column read short is
reported: `api_fault = "http_500"` (the API fails), `"empty"` (it answers 200 with no records
after its first page while still declaring the full count).
"""

from __future__ import annotations

import html
import json
import math
from urllib.parse import parse_qs

from synthetic.farm_sites import CT, Doc, Site

# more real counties (GB/T 2260) for the list columns' portals
LIST_PLACES = [("350128", "平潭县", "福州市人民政府"), ("360123", "安义县", "南昌市人民政府")]


def _form(form: bytes) -> dict:
    return {k: v[0] for k, v in parse_qs(form.decode("utf-8", "replace")).items()}


def _json(obj, status: int = 200):
    return status, CT["json"], json.dumps(obj, ensure_ascii=False).encode(), {}


class TrsList2Site(Site):
    """TRS list2.trsapi: static index.htm for the first pages, the search API for the rest."""

    family, label = "trs", "TRS接口"
    root = "/xxgk/zfxxgknb/"
    api, search_id, chnlid = "/fjdzapp/search", "200210", "5621"
    prepage, max_static = 3, 1
    api_fault: str | None = None

    def start_url(self):
        return self.base + self.root + "index.htm"

    def layout(self):
        for d in self.docs:
            ym = f"2022{(d.id % 9) + 1:02d}"
            d.detail = f"{self.root}{ym}/t{ym}{(d.id % 27) + 1:02d}_{d.id}.htm"
            if d.fmt != "html" or d.copy:
                d.attachment = f"{self.root}{ym}/P0{ym}{d.id}{d.id % 7}.{self.attachment_fmt(d)}"

    def attachment_link(self, d: Doc) -> str:
        return f'<a href="./{d.attachment.rsplit("/", 1)[1]}">{html.escape(d.title)}</a>'

    def _item(self, d: Doc) -> str:
        t = html.escape(d.title)
        return (
            f'<li><a href=".{d.detail[len(self.root) - 1 :]}" target="_blank" title="{t}">{t}'
            f'</a><em id="rel_{d.id}"></em><span class="bf-pass">2022-03-05</span></li>'
        )

    def index(self) -> bytes:
        docs = self.live()
        static = docs[: self.max_static * self.prepage]
        blocks = "".join(
            f'<div ms-visible="$showStatic({i + 1})"><ul>'
            + "".join(self._item(d) for d in static[i : i + 5])
            + "</ul></div>"
            for i in range(0, len(static), 5)
        )
        script = (
            "<script>var SiteInfo = {itpSiteId: 21, searchId: " + self.search_id + ", "
            'defaultPgTemp: "pgBar.html"};</script>'
            '<script>var pageChnlInfo={quickMode:"动静结合", maxStaticIndex: '
            f'{self.max_static}, classsql: "" || "chnlid={self.chnlid}", '
            f"recordCount:'{len(docs)}', sortfield:'-docorderpri,-docreltime', "
            f"prepage:{self.prepage}, cache:true}}</script>"
            "<script>require(['list2.trsapi'], function(listModel) { listModel({"
            "quickMode:pageChnlInfo.quickMode, maxStaticIndex: pageChnlInfo.maxStaticIndex,"
            "listArgs: {channelid: SiteInfo.searchId, classsql: pageChnlInfo.classsql,"
            "sortfield: pageChnlInfo.sortfield||'-docorderpri,-docreltime', "
            f"classcol: 'publishyear', classsort: 0}}, listApi: {{url: \"{self.api}\"}}, "
            "pagebar: {recordCount: "
            "pageChnlInfo.recordCount, prepage: pageChnlInfo.prepage||15}})})</script>"
        )
        body = (
            f'<div class="list_base" ms-controller="list"><div ms-visible="showStatic">'
            f"{blocks}</div></div>{script}"
        )
        return self.html("政府信息公开年报", body)

    def search(self, form: dict):
        if (form.get("channelid"), form.get("classsql")) != (
            self.search_id,
            f"chnlid={self.chnlid}",
        ):
            return _json({"error": True, "msg": "bad channel"}, 400)
        if self.api_fault == "http_500":
            return 500, CT["txt"], b"Internal Server Error", {}
        page, per = int(form.get("page") or 1), int(form.get("prepage") or 15)
        docs = self.live()
        rows = [] if self.api_fault == "empty" and page > 1 else docs[(page - 1) * per : page * per]
        return _json(
            {
                "error": False,
                "page": page,
                "prepage": per,
                "pageCount": math.ceil(len(docs) / per),
                "recordCount": len(docs),
                "data": [
                    {
                        "doctitle": d.title,
                        "chnldocurl": self.base + d.detail,
                        "docpuburl": self.base + d.detail,
                        "url": self.base + d.detail,
                        "docreltime": "2022.03.05 00:00:00",
                    }
                    for d in rows
                ],
            }
        )

    def route(self, method, path, query, form):
        if path == self.root + "index.htm":
            return self.index()
        if path == self.api and method == "POST":
            return self.search(_form(form))
        return None


class UcapSite(Site):
    """开普云 Ucap: /{site}/{channel}/pc/list.html, its list from POST /queryList (JSON)."""

    family, label = "ucap", "UCAP"
    site_code, channel, page_size = "xxgkpt", "zfxxgknb", 3
    api_fault: str | None = None

    def start_url(self):
        return f"{self.base}/{self.site_code}/{self.channel}/pc/list.html"

    def layout(self):
        for d in self.docs:
            d.detail = (
                f"/{self.site_code}/{self.channel}/pc/content/"
                f"content_{2062796646723690000 + d.id}.html"
            )
            if d.fmt != "html" or d.copy:
                d.attachment = (
                    f"/doc/ucap/1749973237782081536/document/202203{d.id % 9 + 1:02d}/"
                    f"u{d.id}{d.seed % 97}.{self.attachment_fmt(d)}"
                )

    def list_page(self):
        body = (
            '<div class="list-box"><ul id="list"></ul><div id="page"></div></div>'
            f"<script>var listConfig = {{pageSize: {self.page_size}}};</script>"
            '<script src="/static/js/list.js"></script>'
        )
        return self.html("政府信息公开年报", body)

    def query(self, form: dict):
        if (form.get("webSiteCode"), form.get("channelCode")) != (self.site_code, self.channel):
            return _json({"code": 400, "msg": "no such channel"}, 400)
        if self.api_fault == "http_500":
            return 500, CT["txt"], b"Internal Server Error", {}
        page, size = int(form.get("current") or 1), int(form.get("pageSize") or 20)
        docs = self.live()
        rows = (
            [] if self.api_fault == "empty" and page > 1 else docs[(page - 1) * size : page * size]
        )
        results = [
            {
                "id": str(2062796646723690000 + d.id),
                "source": {
                    "id": str(2062796646723690000 + d.id),
                    "title": d.title,
                    "pubDate": "2022-03-05 10:00",
                    "urls": json.dumps({"pc": d.detail}),
                    "articleFiles": json.dumps(
                        [{"fileName": d.title + ".pdf", "url": d.attachment}]
                        if d.attachment
                        else [],
                        ensure_ascii=False,
                    ),
                },
            }
            for d in rows
        ]
        return _json(
            {
                "code": 200,
                "data": {"page": page, "rows": size, "total": len(docs), "results": results},
            }
        )

    def route(self, method, path, query, form):
        if path == f"/{self.site_code}/{self.channel}/pc/list.html":
            return self.list_page()
        if path == "/queryList" and method == "POST":
            return self.query(_form(form))
        return None


LIST_SITES = [TrsList2Site, UcapSite]
