"""The records of a JSON list answer, in the shapes government list APIs use.

    TRS search (list2.trsapi)  {"page": 2, "prepage": 100, "pageCount": 2, "recordCount": 101,
                                "data": [{"doctitle": …, "chnldocurl": …, "docpuburl": …}]}
    广东 gkmlpt                {"classify": {"post_count": 203}, "articles": [{"title", "url"}]}
    开普云 (Ucap) queryList    {"data": {"page": 1, "rows": 20, "total": 2, "results": [
                                  {"id": …, "source": {"title": …,
                                                       "urls": "{\"pc\": \"/s/c/pc/…\"}"}}]}}
    common                     {"data": {"list" | "records" | "rows": […],
                                         "total" | "totalCount": N}}

`read(answer)` gives the (url, title) of each record (TRS: `chnldocurl`, the document's URL
in the column, which the static pages link, before `docpuburl`), the total the answer
declares and its page size, whichever of these names it uses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

LISTS = (
    "list",
    "records",
    "rows",
    "results",
    "articles",
    "items",
    "data",
    "datas",
    "content",
    "docs",
)
TOTALS = (
    "total",
    "totalCount",
    "recordCount",
    "totalRecord",
    "totalRecords",
    "totalElements",
    "totalNum",
    "totalSize",
    "count",
)
SIZES = ("size", "pageSize", "prepage", "perPage", "perpage", "limit", "rows")
URLS = (
    "chnldocurl",
    "url",
    "link",
    "href",
    "docpuburl",
    "post_url",
    "pcUrl",
    "detailUrl",
    "linkUrl",
    "linkurl",
    "contentUrl",
    "docurl",
)
TITLES = ("title", "doctitle", "name", "subject", "docTitle")


@dataclass
class Page:
    records: list[tuple[str, str]] = field(default_factory=list)  # (url, title)
    total: int | None = None
    size: int | None = None
    items: int = 0  # list entries, with or without a URL


def to_int(v) -> int | None:
    if isinstance(v, bool):
        return None
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def _items(obj: dict) -> list | None:
    for k in LISTS:
        v = obj.get(k)
        if isinstance(v, list) and (not v or all(isinstance(x, dict) for x in v)):
            return v
    return None


def _url(item: dict) -> str | None:
    for k in URLS:
        v = item.get(k)
        if isinstance(v, str) and v.strip():
            return v.strip()
    urls = item.get("urls")
    if isinstance(urls, str):
        try:
            urls = json.loads(urls)
        except ValueError:
            urls = None
    if isinstance(urls, dict):
        for k in ("pc", "web", "h5"):
            if isinstance(urls.get(k), str) and urls[k].strip():
                return urls[k].strip()
    return None


def _record(item: dict) -> tuple[str, str] | None:
    for obj in (item, item.get("source"), item.get("_source")):
        if isinstance(obj, dict):
            url = _url(obj)
            if url:
                title = next((obj[k] for k in TITLES if isinstance(obj.get(k), str)), "")
                return url, title.strip()
    return None


def read(answer) -> Page:
    """The records, declared total and page size of a parsed JSON list answer."""
    page = Page()
    if isinstance(answer, list):
        answer = {"data": answer}
    if not isinstance(answer, dict):
        return page
    holders = [answer]
    for k in ("data", "result", "page", "pager", "pageInfo", "body"):
        if isinstance(answer.get(k), dict):
            holders.append(answer[k])
    items = None
    for h in reversed(holders):  # the innermost list wins ("data": {"list": […]})
        items = _items(h)
        if items is not None:
            break
    for h in reversed(holders):
        for k in TOTALS:
            n = to_int(h.get(k))
            if n is not None and page.total is None:
                page.total = n
        for k in SIZES:
            n = to_int(h.get(k))
            if n and page.size is None:
                page.size = n
    classify = answer.get("classify")
    if page.total is None and isinstance(classify, dict):  # gkmlpt: the column's post count
        page.total = to_int(classify.get("post_count"))
    for item in items or []:
        page.items += 1
        rec = _record(item)
        if rec:
            page.records.append(rec)
    return page


def parse(text: str):
    """The JSON of an answer, or None when it is not JSON."""
    try:
        return json.loads(text)
    except ValueError:
        return None
