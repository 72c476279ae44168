"""TRS WCM: index.html, index_1.html …; page count from createPageHTML(n, …) / countPage;
details ./YYYYMM/tYYYYMMDD_ID.html; attachments ./P0….pdf."""
from __future__ import annotations

import re
from urllib.parse import urljoin

from crawler.families.base import Adapter, is_report_title, links

DETAIL = re.compile(r"/t\d{8}_\d+\.s?html?$")
PAGES = re.compile(r"createPageHTML\(\s*['\"]?(\d+)|countPage\s*=\s*['\"]?(\d+)")
INDEX = re.compile(r"(index)(_\d+)?\.(s?html?)$")


class TrsAdapter(Adapter):
    family = "trs"

    def detect(self, response):
        return bool(PAGES.search(response.text)) or any(
            DETAIL.search(u) for u, _ in links(response))

    def parse_list(self, spider, response):
        for url, text in links(response):
            if DETAIL.search(url.split("?")[0]) or is_report_title(text):
                yield self.follow_report(spider, response, url, text)
        m = PAGES.search(response.text)
        idx = INDEX.search(response.url.split("?")[0])
        if m and (idx is None or idx.group(2) is None):  # pages are listed from the first one
            ext = idx.group(3) if idx else "html"
            for n in range(1, int(m.group(1) or m.group(2))):
                yield spider.follow(response, urljoin(response.url, f"index_{n}.{ext}"), "list")
