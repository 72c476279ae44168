"""TRS `list2.trsapi`: the first pages of a column static, the rest from a TRS search API.

A real column page (平潭, tests/pages/trs_list2_pingtan_index.htm) configures it so:

    var pageChnlInfo = {quickMode: "动静结合", maxStaticIndex: 5, classsql: "" || "chnlid=1780",
                        recordCount: '107', sortfield: '-docorderpri,-docreltime', prepage: 15}
    require(['list2.trsapi'], function (listModel) { listModel({
        quickMode: pageChnlInfo.quickMode, maxStaticIndex: pageChnlInfo.maxStaticIndex,
        listArgs: {channelid: SiteInfo.searchId, classsql: pageChnlInfo.classsql, …},
        listApi: {url: "/fjdzapp/search"},
        pagebar: {recordCount: pageChnlInfo.recordCount, prepage: pageChnlInfo.prepage||15}})})

The static file holds the first `maxStaticIndex` pages (there, 75 records in blocks of five);
the script asks `listApi` (a form POST: the listArgs, `page`, `prepage`) for the pages after
them; the answer is JSON: {"page", "prepage", "pageCount", "recordCount", "data": [...]}.
`recordCount` is the column's declared size. When the static file holds fewer records than
its pages should, the static pages are asked of the API too: it serves every page.
"""

from __future__ import annotations

import math
from urllib.parse import urljoin

from crawler.families import jsonlist, script
from crawler.families.base import meta

MODULE = "list2.trsapi"
KIND = "list2.trsapi"
API = "trs_list2"  # the meta key of an API request: its settings


def settings(text: str) -> dict | None:
    """What the page's scripts configure: the API, its form, the paging and the count."""
    api = script.evaluate(text, script.object_literal(text, "listApi").get("url", ""))
    form = {}
    for k, expr in script.object_literal(text, "listArgs").items():
        v = script.evaluate(text, expr)
        if v is not None:
            form[k] = v
    return {
        "api": api,
        "form": form,
        "count": script.number(text, "recordCount"),
        "prepage": script.number(text, "prepage") or 15,
        "static": script.number(text, "maxStaticIndex") or 1,
        "mode": script.value(text, "quickMode"),
    }


def _request(adapter, spider, response, s: dict, page: int, last: int):
    form = {**s["form"], "page": str(page), "prepage": str(s["prepage"])}
    return adapter.list_request(
        spider,
        response,
        urljoin(response.url, s["api"]),
        formdata=form,
        meta={API: {**s, "page": page, "last": last}},
    )


def start(adapter, spider, response, static: int):
    """The column page: declare its count, ask the API for the pages the file does not hold."""
    s = settings(response.text)
    if s["count"] is not None:
        adapter.declare(spider, response, KIND, s["count"])
    if not s["api"]:
        spider.count(meta(response).get("portal"), "unreadable", "trs_list2_no_api")
        return
    if s["count"] is None:  # no count stated: ask the API for its first page
        yield _request(adapter, spider, response, s, 1, 1)
        return
    pages = math.ceil(s["count"] / s["prepage"])
    expected = min(s["count"], s["static"] * s["prepage"])
    first = 1 if static < expected else s["static"] + 1
    for page in range(first, pages + 1):
        yield _request(adapter, spider, response, s, page, pages)


def answer(adapter, spider, response):
    """An API page: its records; the pages it declares beyond those asked, asked."""
    s = meta(response)[API]
    data = jsonlist.parse(response.text)
    if not isinstance(data, dict) or data.get("error") is True:
        spider.count(meta(response).get("portal"), "unreadable", "trs_list2_bad_answer")
        return
    adapter.page_read(spider, response)
    got = jsonlist.read(data)
    if got.total is not None:
        adapter.declare(spider, response, KIND, got.total)
    for url, title in got.records:
        yield adapter.record(spider, response, urljoin(response.url, url), title)
    if got.total is not None and s["page"] == s["last"]:
        final = math.ceil(got.total / s["prepage"])
        for more in range(s["last"] + 1, final + 1):
            yield _request(adapter, spider, response, s, more, final)
