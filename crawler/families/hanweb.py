"""大汉 Hanweb JCMS: /col/colN/index.html lists its column with the jpage script; details
/art/Y/M/D/art_COL_ID.html; attachments through downfile.jsp redirects.

The column page carries the first records (an XML datastore of `<record><![CDATA[<li>…]]>`,
or, in older pages, a JS array `InitData…`) and configures jpage:

    $('#49468').jpage({totalRecord:1418, groupSize:3, perPage:25,
                       proxyUrl:'/module/jslib/jquery/jpage/dataproxy.jsp',
                       ajaxParam:{col:1, appid:'1', webid:60, columnid:30067, unitid:'49468'}})

`totalRecord` is the column's declared size. jpage asks the data proxy for one group of pages
at a time: POST proxyUrl?startrecord=S&endrecord=S+perPage×groupSize−1&perpage=perPage with
ajaxParam as the form (or the parameters of the datastore's `<nextgroup>` link); the answer is
XML records with `<totalrecord>`.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlsplit

from parsel import Selector

from crawler.families import script
from crawler.families.base import Adapter, link_text, meta

RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
INIT_DATA = re.compile(r"InitData\w*\s*=\s*\[(.*?)\]\s*;", re.S)
COL = re.compile(r"/col/col(\d+)/")
NEXTGROUP = re.compile(r"""href=['"]?([^'" >]*dataproxy\.jsp\?[^'" >]*)""")
PROXY = "/module/web/jpage/dataproxy.jsp"
BATCH = "hanweb_batch"  # the meta key of a data-proxy request: its settings
KIND = "jpage"


def records(text: str):
    """(href, title) of the records of a datastore, a proxy answer or an InitData array."""
    frags = RECORD.findall(text)
    for array in INIT_DATA.findall(text):
        for q in script.QUOTED.finditer(array):
            frags.append(q.group(2).replace("\\'", "'").replace('\\"', '"').replace("\\/", "/"))
    for frag in frags:
        for a in Selector(text=frag).css("a[href]"):
            yield a.attrib["href"], link_text(a)


def settings(response) -> dict | None:
    """The jpage settings of a column page, or None when it has none."""
    text = response.text
    link = NEXTGROUP.search(text)
    query = (
        {k: v[0] for k, v in parse_qs(link.group(1).split("?", 1)[1].replace("&amp;", "&")).items()}
        if link
        else {}
    )
    form = {k: v for k, v in query.items() if k != "page"}
    for k, expr in script.object_literal(text, "ajaxParam").items():
        v = script.evaluate(text, expr)
        if v is not None:
            form[k] = v
    col = COL.search(response.url)
    if not form.get("columnid") and col:
        form["columnid"] = col.group(1)
    if not form.get("columnid"):
        return None
    form = {
        "col": "1",
        "appid": "1",
        "webid": "1",
        "path": "/",
        "sourceContentType": "1",
        "unitid": "",
        "webname": "",
        "permissiontype": "0",
        **form,
    }
    proxy = (
        script.value(text, "proxyUrl") or (urlsplit(link.group(1)).path if link else None) or PROXY
    )
    return {
        "proxy": proxy,
        "form": form,
        "total": script.number(text, "totalRecord"),
        "per": script.number(text, "perPage") or 15,
        "group": script.number(text, "groupSize") or 3,
    }


class HanwebAdapter(Adapter):
    family = "hanweb"

    def detect(self, response):
        return bool(COL.search(response.url)) or "dataproxy.jsp" in response.text

    def parse_list(self, spider, response):
        if meta(response).get(BATCH):
            yield from self._answer(spider, response)
            return
        self.page_read(spider, response)
        inline = 0
        for href, text in records(response.text):
            inline += 1
            yield self.record(spider, response, urljoin(response.url, href), text)
        s = settings(response)
        if s is None:
            return
        step = s["per"] * s["group"]
        if s["total"] is None:  # no count stated: the proxy's answer tells
            yield self._proxy(spider, response, s, 1, 1)
            return
        self.declare(spider, response, KIND, s["total"])
        first = 1 if inline < min(s["total"], step) else 1 + step
        starts = list(range(first, s["total"] + 1, step))
        for start in starts:
            yield self._proxy(spider, response, s, start, starts[-1])

    def _answer(self, spider, response):
        s = meta(response)[BATCH]
        self.page_read(spider, response)
        for href, text in records(response.text):
            yield self.record(spider, response, urljoin(response.url, href), text)
        total = re.search(r"<totalrecord>\s*(\d+)\s*</totalrecord>", response.text, re.I)
        if not total:
            return
        self.declare(spider, response, KIND, total.group(1))
        if s["start"] == s["last"]:  # the last batch asked: are there more?
            step = s["per"] * s["group"]
            starts = list(range(s["last"] + step, int(total.group(1)) + 1, step))
            for start in starts:
                yield self._proxy(spider, response, s, start, starts[-1])

    def _proxy(self, spider, response, s: dict, start: int, last: int):
        end = start + s["per"] * s["group"] - 1
        url = urljoin(response.url, s["proxy"].split("?")[0])
        return self.list_request(
            spider,
            response,
            f"{url}?startrecord={start}&endrecord={end}&perpage={s['per']}",
            formdata=s["form"],
            meta={BATCH: {**s, "start": start, "last": last}},
        )
