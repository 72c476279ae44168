"""What every family shares: report titles, attachment links (href, iframe, pdf.js, onclick),
and the column bookkeeping of list pages (crawler/families/columns.py): the records a list
page lists, its further list pages, the size its column declares."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from crawler.families.columns import RECORDS, book

REPORT_TITLE = re.compile(
    r"信息公开.{0,12}(年度报告|年报)|(\d{4}|[〇零一二三四五六七八九]{4})\s*年度?.{0,40}(年度报告|年报)"
)
DOC_EXT = re.compile(r"\.(pdf|docx?|wps|xlsx?|et|ofd|jpe?g|png|tiff?|zip|rar|mht|mhtml)$", re.I)
DOWNLOAD = re.compile(r"downfile\.jsp|download\.jsp|/download/|attachment", re.I)
QUOTED = re.compile(r"""['"]([^'"\s]+)['"]""")


def is_report_title(text: str | None) -> bool:
    return bool(text and REPORT_TITLE.search(re.sub(r"\s+", "", text)))


def is_document_url(url: str) -> bool:
    path = urlsplit(url).path
    return bool(DOC_EXT.search(path)) or bool(
        DOWNLOAD.search(url) and not path.endswith((".html", ".htm", ".shtml"))
    )


def viewer_target(url: str) -> str | None:
    """The file shown by a pdf.js-style viewer URL (viewer.html?file=…), if any."""
    parts = urlsplit(url)
    if "viewer" in parts.path.lower():
        f = parse_qs(parts.query).get("file")
        if f:
            return unquote(f[0])
    return None


def link_text(a) -> str:
    text = " ".join(t.strip() for t in a.css("::text").getall() if t.strip())
    return (a.attrib.get("title") or text or "").strip()


def links(response, scope: str = "a"):
    """(absolute url, link text) of the <a> elements under a CSS scope, javascript: skipped."""
    for url, a in _anchors(response, scope):
        yield url, link_text(a)


def _anchors(response, scope: str = "a"):
    """(absolute url, element) of the <a> elements under a CSS scope, javascript: skipped."""
    for a in response.css(scope):
        href = (a.attrib.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        yield urljoin(response.url, href), a


def attachments(response):
    """(absolute url, link text) of every document a detail page offers (the text read only
    for the links that are documents: a page has many more links than attachments)."""
    seen = set()

    def out(url, text_of):
        url = urljoin(response.url, url)
        target = viewer_target(url)
        if target:
            url = urljoin(url, target)
        if url not in seen and (target or is_document_url(url)):
            seen.add(url)
            yield url, text_of()

    for url, a in _anchors(response):
        yield from out(url, lambda a=a: link_text(a))
    for el in response.css("iframe[src], embed[src], object[data], frame[src]"):
        yield from out(
            el.attrib.get("src") or el.attrib.get("data"), lambda el=el: el.attrib.get("title", "")
        )
    for el in response.css("[onclick]"):
        for cand in QUOTED.findall(el.attrib["onclick"]):
            if is_document_url(cand) or viewer_target(cand):
                yield from out(cand, lambda el=el: link_text(el))


def meta(response) -> dict:
    """The response's request meta ({} for a response made without a request)."""
    try:
        return response.meta
    except AttributeError:
        return {}


def column_of(response) -> str:
    """The column a list response belongs to: named by the URL of its first list page."""
    return meta(response).get("column") or response.url.split("#")[0]


def portal_of(response) -> str:
    return meta(response).get("portal") or "?"


class Adapter:
    family = "generic"

    def detect(self, response) -> bool:
        return False

    def parse_list(self, spider, response):
        """Requests for the detail pages and further list pages of a list page."""
        raise NotImplementedError

    @staticmethod
    def follow_report(spider, response, url: str, text: str):
        """A report link: a document goes straight to the store, a page is a detail page."""
        kind = "attachment" if is_document_url(url) else "detail"
        return spider.follow(response, url, kind, text)

    # -- a column: its list pages, the records they list, what it declares ----------------
    def record(self, spider, response, url: str, text: str):
        """A record the column lists: noted for the column, then followed."""
        book(spider).listed(portal_of(response), column_of(response), url.split("#")[0])
        return self.follow_report(spider, response, url, text)

    @staticmethod
    def list_request(spider, response, url: str, text: str = "", formdata=None, meta=None):
        """A further list page (or API page) of the response's column."""
        return spider.follow(
            response,
            url,
            "list",
            text,
            formdata=formdata,
            meta={"column": column_of(response), **(meta or {})},
        )

    @staticmethod
    def declare(spider, response, kind: str, count, unit: str = RECORDS) -> None:
        book(spider).declare(portal_of(response), column_of(response), kind, count, unit)

    @staticmethod
    def page_read(spider, response) -> None:
        """A list page of the column read (an API page: by URL and form, pages share a URL)."""
        try:
            body = response.request.body
        except AttributeError:
            body = b""
        page = response.url + (f" {hashlib.sha256(body).hexdigest()[:16]}" if body else "")
        book(spider).read(portal_of(response), column_of(response), page)
