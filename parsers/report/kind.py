"""Is a document an OGI annual report? Decided from its extraction record (title, year, tables),
its text and, for a captured document, the link text it was found under — never from a
portal's URL layout or a file's name. The archive files documents by this rule
(archive/classify.py); `ogi extract` says of a file that is not a report that it is not.

A report is a document that prints the template's statistics (at least one number in one of the
three tables), or one titled as an OGI annual report whose text is a report (a report from
before the 2019 template: no standard tables, several of the report's sections in prose).
Everything else captured is kept as evidence under a kind:

    landing_page        a page titled as the report that only points to it (an attachment, a viewer)
    blank_form          the template with its tables empty (报告格式, 模板), or any empty tables
    interpretation      解读, 图解, 一图读懂 of a report
    notice              通知, 公告, 函: e.g. on compiling the reports
    guide               公开指南, 目录
    application_form    申请表
    website_report      政府网站工作年度报表
    rule_of_law_report  法治政府建设年度报告
    archive             a ZIP or RAR of attachments (its members are documents of their own)
    other               anything else
    unreadable          the parser could not read it (the reason is kept)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

REPORT = "report"
KINDS = [
    "landing_page",
    "blank_form",
    "interpretation",
    "notice",
    "guide",
    "application_form",
    "website_report",
    "rule_of_law_report",
    "archive",
    "other",
    "unreadable",
]

REPORT_TITLE = re.compile(r"信息公开.{0,12}(年度报告|年报)|政务公开.{0,8}年度报告")
# (kind, title words) in the order they are tried; the first that matches decides
TITLE_KINDS = [
    ("interpretation", re.compile(r"解读|图解|一图读懂|图说|答记者问|问答|新闻发布")),
    ("application_form", re.compile(r"申请表|申请书|申请单")),
    ("blank_form", re.compile(r"格式|模板|样表|样式|范本|参考文本|填报说明|编制说明")),
    ("website_report", re.compile(r"网站.{0,12}报表|政务新媒体.{0,12}报表")),
    ("rule_of_law_report", re.compile(r"法治政府建设|依法行政.{0,6}报告")),
]
# title words of documents that are not reports unless they print the report's tables
NOTICE = re.compile(r"通知|公告|通告|公示|的函|意见|方案|办法|规定|决定|批复|纪要")
GUIDE = re.compile(r"指南|目录|流程|须知")
SECTION_WORDS = [
    "总体情况",
    "主动公开",
    "收到和处理",
    "依申请公开",
    "行政复议",
    "行政诉讼",
    "存在的主要问题",
    "改进情况",
    "其他需要报告",
]
MIN_REPORT_CHARS = 600  # a report's prose, without tables, is at least this long


@dataclass
class Verdict:
    kind: str  # "report" or one of KINDS
    reason: str  # in words, for the archive's readers

    @property
    def is_report(self) -> bool:
        return self.kind == REPORT


def _values(record: dict) -> tuple[bool, bool]:
    """(any table printed, any number printed in a table)."""
    tables = [t for t in (record.get("tables") or {}).values() if t]
    numbers = any(
        v is not None for t in tables for cols in t.values() for v in (cols or {}).values()
    )
    return bool(tables), numbers


def _hanzi(text: str) -> int:
    return len(re.findall(r"[\u4e00-\u9fff]", text or ""))


def heading(record: dict | None, text: str = "") -> str | None:
    """The document's title: the record's, else its first line when that reads as a title."""
    if record and record.get("title"):
        return record["title"]
    for line in (text or "").splitlines():
        line = line.strip()
        if line:
            return line if 4 <= len(line) <= 60 and _hanzi(line) >= 4 else None
    return None


def classify(
    record: dict | None, text: str = "", link_text: str | None = None, error: str | None = None
) -> Verdict:
    """The kind of a parsed document (record None: the parser failed with `error`), from its
    record, its text and (when known) the link text it was found under."""
    if record is None:
        return Verdict("unreadable", f"无法解析：{error or '未知原因'}")
    if "members" in record:
        n = sum(1 for m in record["members"] if m.get("sha256"))
        return Verdict("archive", f"压缩包：{n} 个文件另行保存并解析")
    title = re.sub(r"\s+", "", heading(record, text) or "")
    link = re.sub(r"\s+", "", link_text or "")
    named = title + " " + link
    has_tables, has_numbers = _values(record)
    for kind, words in TITLE_KINDS:
        hit = words.search(title) or (not REPORT_TITLE.search(title) and words.search(link))
        if hit and not (kind == "blank_form" and has_numbers):
            return Verdict(kind, f"标题含“{hit.group()}”")
    if has_numbers:
        return Verdict(REPORT, "印有年度报告统计表的数字")
    if has_tables:
        return Verdict("blank_form", "统计表全部空白")
    reportish = REPORT_TITLE.search(named)
    for kind, words in (("notice", NOTICE), ("guide", GUIDE)):
        hit = words.search(title) or (not reportish and words.search(link))
        if hit:
            return Verdict(kind, f"标题含“{hit.group()}”，无统计表")
    if reportish:
        sections = [w for w in SECTION_WORDS if w in (text or "")]
        if _hanzi(text) - _hanzi(title) >= MIN_REPORT_CHARS and len(sections) >= 3:
            return Verdict(REPORT, "年度报告正文（无标准统计表）")
        return Verdict("landing_page", "以年度报告为题，但只有链接或附件，无报告正文")
    return Verdict("other", "不是年度报告：无统计表，标题不是年度报告")
