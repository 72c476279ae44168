"""What is a report (archive/classify.py): decided from the record, the text and the capture's link
text; real reports (../shared) are reports, the documents columns mix in are not."""

from __future__ import annotations

from pathlib import Path

import pytest

import parsers
from archive.classify import classify, clean_title
from archive.testing import report_text
from synthetic.report import generate_report


def _rec(title=None, tables=None, year=2023, agency=None):
    return {
        "title": title,
        "agency": agency,
        "year": year,
        "template": "2021",
        "tables": tables or {"active": None, "requests": None, "appeals": None},
    }


def test_a_report_prints_the_tables():
    rep = generate_report(3)
    assert classify(rep.record, report_text(rep)).kind == "report"
    # whatever the page's title, a document printing the tables' numbers is a report
    assert classify({**rep.record, "title": "年报"}, "").kind == "report"


def test_blank_tables_are_a_form_not_a_report():
    rep = generate_report(3)
    blank = {
        t: {r: {c: None for c in cols} for r, cols in rows.items()} if rows else rows
        for t, rows in rep.record["tables"].items()
    }
    v = classify(_rec("政府信息公开工作年度报告", blank, year=None), "")
    assert v.kind == "blank_form" and not v.is_report
    assert classify(_rec("2023年度政府信息公开工作年度报告格式"), "").kind == "blank_form"


@pytest.mark.parametrize(
    "title,kind",
    [
        ("关于《临清市人民政府2023年政府信息公开工作年度报告》的解读", "interpretation"),
        ("图解：临清市2023年政府信息公开工作年度报告", "interpretation"),
        ("一图读懂2023年政府信息公开工作年度报告", "interpretation"),
        ("政府信息公开申请表", "application_form"),
        ("临清市人民政府门户网站2023年工作年度报表", "website_report"),
        ("临清市人民政府2023年法治政府建设年度报告", "rule_of_law_report"),
        ("关于做好2023年度政府信息公开工作年度报告编制发布工作的通知", "notice"),
        ("临清市人民政府信息公开指南", "guide"),
        ("临清市2023年政府信息公开工作年度报告", "landing_page"),
        ("2023年工作总结", "other"),
    ],
)
def test_other_documents_by_title(title, kind):
    v = classify(_rec(title), f"{title}\n附件：{title}.pdf")
    assert v.kind == kind and v.reason


def test_link_text_speaks_when_the_document_has_no_title():
    capture = {"link_text": "政府信息公开工作年度报告解读", "content_type": "application/pdf"}
    assert classify(_rec(None), "一、主要内容", capture).kind == "interpretation"
    # but a report's own title is not overruled by the link it was found under
    capture = {"link_text": "年度报告（附件下载）申请表", "content_type": "text/html"}
    rep = generate_report(4)
    assert classify(rep.record, report_text(rep), capture).kind == "report"


def test_a_report_before_the_2019_template_is_a_report():
    rep = generate_report(5, year=2017)
    text = report_text(rep)  # the narrative: sections in prose, no tables
    title = "临清市人民政府2017年政府信息公开工作年度报告"
    v = classify(_rec(title, year=2017), title + "\n" + text)
    assert v.kind == "report"
    # the same title over a few lines pointing elsewhere is a landing page
    assert classify(_rec(title, year=2017), title + "\n附件下载").kind == "landing_page"


def test_a_failed_parse_is_unreadable():
    v = classify(None, "", {"link_text": "2023年政府信息公开工作年度报告"}, error="encrypted PDF")
    assert v.kind == "unreadable" and "encrypted PDF" in v.reason


@pytest.mark.parametrize(
    "title,clean",
    [
        (
            "青石县2024年政府信息公开工作年度报告青石县人民政府",
            "青石县2024年政府信息公开工作年度报告",
        ),
        (
            "青石县2024年政府信息公开工作年度报告_青石县人民政府门户网站",
            "青石县2024年政府信息公开工作年度报告",
        ),
        (
            "青石县2024年政府信息公开工作年度报告 - 青石县教育局",
            "青石县2024年政府信息公开工作年度报告",
        ),
        (
            "青石县2024年政府信息公开工作年度报告（修订）",
            "青石县2024年政府信息公开工作年度报告（修订）",
        ),
        (
            "关于青石县2024年政府信息公开工作年度报告的解读",
            "关于青石县2024年政府信息公开工作年度报告的解读",
        ),
        (None, None),
    ],
)
def test_titles_lose_the_site_name(title, clean):
    assert clean_title(title) == clean


def test_the_real_reports_are_reports(shared_dir):
    files = sorted((shared_dir / "seeds").glob("*.txt")) + sorted(
        p for p in (shared_dir / "corpus").glob("*.*") if p.suffix in (".pdf", ".html")
    )
    assert files
    for path in files:
        record = parsers.extract_file(path)
        text = Path(path).read_bytes().decode("utf-8", "ignore") if path.suffix == ".txt" else ""
        v = classify(record, text, {"link_text": record.get("title")})
        assert v.kind == "report", (path.name, v)
