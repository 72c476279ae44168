"""Sites of no known family: report links found by their titles; pagination by 下一页 / index_N."""

from __future__ import annotations

import re

from crawler.families.base import Adapter, is_report_title, links

NEXT = re.compile(r"^\s*(下一页|下页|后一页|next)\s*[>»›]*\s*$", re.I)
PAGED = re.compile(r"(index|list)_\d+\.s?html?$")


class GenericAdapter(Adapter):
    family = "generic"

    def detect(self, response):
        return True

    def parse_list(self, spider, response):
        for url, text in links(response):
            if is_report_title(text):
                yield self.record(spider, response, url, text)
            elif NEXT.match(text or "") or PAGED.search(url.split("?")[0]):
                yield self.list_request(spider, response, url, text)
