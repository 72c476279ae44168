"""Is a captured document an OGI annual report? The rule is parsers/report/kind.py (shared with
`ogi extract`), given the document's extraction record, its text and the link text the crawl
found it under; here, the names the publication shows for each kind, and report titles cleaned
of the site name a page's <title> appends.
"""

from __future__ import annotations

import re

from parsers.report.kind import KINDS, REPORT, Verdict, heading
from parsers.report.kind import classify as classify_record

__all__ = ["KINDS", "KIND_NAMES", "REPORT", "Verdict", "classify", "clean_title", "heading"]

KIND_NAMES = {  # as the publication shows them
    "report": "年度报告",
    "landing_page": "报告的发布页（正文在附件）",
    "blank_form": "空白报告格式",
    "interpretation": "解读、图解",
    "notice": "通知、公告",
    "guide": "公开指南、目录",
    "application_form": "申请表",
    "website_report": "政府网站工作年度报表",
    "rule_of_law_report": "法治政府建设报告",
    "archive": "压缩包（其中的文件另列）",
    "other": "其他文件",
    "unreadable": "无法解析的文件",
}


def classify(
    record: dict | None, text: str = "", capture: dict | None = None, error: str | None = None
) -> Verdict:
    """The kind of a captured document (record None: the parser failed with `error`)."""
    return classify_record(record, text, (capture or {}).get("link_text"), error)


_SITE_TAIL = re.compile(
    r"[\s_\-—–|｜·:：>]*[\u4e00-\u9fff（）()]{2,30}?"
    r"(人民政府|政府|网站|门户|办公室|办事处|委员会|局)(门户网站|网站|门户)?$"
)


def clean_title(title: str | None) -> str | None:
    """A report title without the site name a page's <title> appends to it
    (…年度报告_青石县人民政府, …年度报告青石县人民政府 → …年度报告)."""
    if not title:
        return title
    t = title.strip()
    for end in ("年度报告", "年报"):
        i = t.rfind(end)
        if i > 0 and i + len(end) < len(t) and _SITE_TAIL.fullmatch(t[i + len(end) :]):
            return t[: i + len(end)]
    return t
