"""TRS WCM: details ./YYYYMM/tYYYYMMDD_ID.html, attachments ./P0….pdf; two list scripts.

`createPageHTML` pages the column over static files, in three forms seen on real portals:

    createPageHTML(21, 0, "index", "html")                  index.html, index_1.html … index_20.html
    createPageHTML(16, 0, "index", "shtml", "black2", 250)  the same, and 250 records declared
    createPageHTML('paging', 25, 1, 'index', 'html', 500)   index.html, index_2.html … index_25.html

(the arguments may be variables: `createPageHTML(countPage, currentPage, "index", "htm")`).
The `list2.trsapi` module (crawler/families/trs_list2.py) serves the first pages from the
static file and the rest from a TRS search API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from crawler.families import script, trs_list2
from crawler.families.base import Adapter, is_report_title, links, meta
from crawler.families.columns import PAGES, RECORDS

DETAIL = re.compile(r"/t\d{8}_\d+\.s?html?$")
CALL = re.compile(r"createPageHTML\s*\(([^()]*)\)")
INDEX = re.compile(r"(index)(_\d+)?\.(s?html?)$")


@dataclass
class Paging:
    pages: int
    current: int | None  # None: not stated
    prefix: str
    suffix: str
    first: int  # the number of the first page: 0, or 1 for the 'paging' form
    records: int | None  # the record count, when the call states it

    def urls(self) -> list[str]:
        """The file names of the pages after the first."""
        numbers = range(1, self.pages) if self.first == 0 else range(2, self.pages + 1)
        return [f"{self.prefix}_{n}.{self.suffix}" for n in numbers]


def _args(inner: str) -> list[str]:
    return [a.strip() for a in re.findall(r"""'[^']*'|"[^"]*"|[^,]+""", inner) if a.strip()]


def _int(v) -> int | None:
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def paging(text: str, url: str) -> Paging | None:
    """The column's paging as its createPageHTML call (or `countPage` variable) states it."""
    for m in CALL.finditer(text):
        vals = [script.evaluate(text, a) for a in _args(m.group(1))]
        if not vals or vals[0] is None:
            continue  # the function's own definition, or unreadable
        first = 0
        if _int(vals[0]) is None:  # ('paging', pages, current, prefix, suffix, count)
            vals, first = vals[1:], 1
        pages = _int(vals[0])
        if pages is None:
            continue
        rest = vals + [None] * 4
        count = next((_int(v) for v in vals[4:] if _int(v) is not None), None)
        return Paging(
            pages, _int(rest[1]), rest[2] or "index", rest[3] or _suffix(url), first, count
        )
    pages = script.number(text, "countPage")
    if pages:
        return Paging(pages, script.number(text, "currentPage"), "index", _suffix(url), 0, None)
    return None


def _suffix(url: str) -> str:
    idx = INDEX.search(url.split("?")[0])
    return idx.group(3) if idx else "html"


class TrsAdapter(Adapter):
    family = "trs"

    def detect(self, response):
        text = response.text
        return bool(CALL.search(text) or "countPage" in text or trs_list2.MODULE in text) or any(
            DETAIL.search(u) for u, _ in links(response)
        )

    def parse_list(self, spider, response):
        if meta(response).get(trs_list2.API):
            yield from trs_list2.answer(self, spider, response)
            return
        self.page_read(spider, response)
        static = 0
        for url, text in links(response):
            if DETAIL.search(url.split("?")[0]) or is_report_title(text):
                static += 1
                yield self.record(spider, response, url, text)
        if trs_list2.MODULE in response.text:
            yield from trs_list2.start(self, spider, response, static)
            return
        p = paging(response.text, response.url)
        if p is None or meta(response).get("column"):  # later pages do not list the pages
            return
        self.declare(spider, response, "createPageHTML", p.pages, PAGES)
        if p.records is not None:
            self.declare(spider, response, "createPageHTML", p.records, RECORDS)
        idx = INDEX.search(response.url.split("?")[0])
        on_first = (
            p.current == p.first if p.current is not None else (idx is None or idx.group(2) is None)
        )
        if on_first:
            for name in p.urls():
                yield self.list_request(spider, response, urljoin(response.url, name))
