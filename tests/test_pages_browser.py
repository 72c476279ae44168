"""The report page, the body page and a ranking, read by headless Chromium from `ogi serve`, on
an archive built by the real builder from generated reports (known truth). Screenshots go to
test-artifacts/ (git-ignored)."""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from pathlib import Path

import lxml.html
import pytest

from archive.build import build
from archive.captures import CaptureStore
from archive.publish.pages.report import number
from archive.testing import add_portal, capture_body
from synthetic.render_html import render_html
from synthetic.report import generate_report
from browser import CHROMIUM, ROOT, dump_dom, screenshot, serve_archive

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
ARTIFACTS = ROOT / "test-artifacts"
BODY = "临清市大辛庄街道办事处"
ARITHMETIC = ("row_total", "outcome_total", "balance")


def _failing_report():
    """A generated report that prints an arithmetic error, blank cells and a unit."""
    for seed in range(500, 2000):
        rep = generate_report(
            seed,
            agency=BODY,
            year=2022,
            arithmetic_errors=True,
            blanks=True,
            units=True,
            truncate=None,
            cell_noise=False,
            label_variants=False,
        )
        kinds = {c.split(":")[0].split(".")[1] for c in rep.record["checks"]}
        blanks = [
            1
            for t in rep.record["tables"].values()
            for cols in t.values()
            for v in cols.values()
            if v is None
        ]
        if kinds & set(ARITHMETIC) and blanks and rep.record["units"]:
            return rep
    raise AssertionError("no generated report with all three")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("pages")
    store = CaptureStore(root)
    add_portal(store, "临清市人民政府", "371581", level="县", parent="聊城市人民政府")
    clean = dict(
        arithmetic_errors=False, blanks=False, units=False, truncate=None, cell_noise=False
    )
    reps = [generate_report(600 + y, agency=BODY, year=y, **clean) for y in (2020, 2021)]
    reps += [_failing_report(), generate_report(700, agency="临清市教育局", year=2022, **clean)]
    for i, rep in enumerate(reps):
        body = render_html(rep)
        url = f"http://linqing.test/art/{i}.html"
        capture_body(store, body, url, "临清市人民政府", link_text=rep.title)
    store.close()
    stats = build(root, workers=1, progress=False)
    assert stats.filed == {"report": 4}, stats.as_dict()
    with serve_archive(root) as base:
        yield base, reps


def _shot(url: str, name: str, tmp_path: Path, height: int = 1600) -> None:
    screenshot(url, ARTIFACTS / name, tmp_path, height)


def _report_id(base: str, rep) -> int:
    q = urllib.parse.urlencode({"body": rep.agency, "year": rep.year, "_shape": "array"})
    with urllib.request.urlopen(f"{base}/ogi/reports.json?{q}") as r:
        return json.loads(r.read())[0]["id"]


def test_report_page_shows_the_printed_tables_and_the_failed_identity(site, tmp_path):
    base, reps = site
    rep = reps[2]
    url = f"{base}/ogi/reports/{_report_id(base, rep)}"
    page = lxml.html.fromstring(dump_dom(url, tmp_path))
    _shot(url, "report-page.png", tmp_path, 2400)
    assert rep.title in page.findtext(".//h1")
    cells = {
        (td.get("data-table"), td.get("data-row"), td.get("data-col")): td
        for td in page.xpath("//td[@data-table]")
    }
    truth = {
        (t, r, c): v
        for t, rows in rep.record["tables"].items()
        if rows
        for r, cols in rows.items()
        for c, v in cols.items()
    }
    assert set(truth) <= set(cells)
    blanks = 0
    for key, value in truth.items():
        td = cells[key]
        shown = (td.xpath("string(*[@class='n'])") or "").strip()
        assert shown == number(value), (key, shown, value)
        if value is None:
            assert shown == "" and "0" not in td.text_content()  # a blank is blank, never 0
            blanks += 1
        unit = rep.record["units"].get(".".join(key))
        if unit:
            assert td.xpath("string(span[@class='unit'])") == unit
    assert blanks
    failed = [c for c in rep.record["checks"] if c.split(":")[0].split(".")[1] in ARITHMETIC]
    assert failed
    for check in failed:
        marked = [k for k, td in cells.items() if check in (td.get("data-checks") or "").split()]
        assert marked and all("fail" in cells[k].get("class").split() for k in marked), check
        assert page.xpath(f"//li[@data-check='{check}']"), check  # said in words
    unmarked = [
        k
        for k, td in cells.items()
        if "fail" in td.get("class").split() and not td.get("data-checks")
    ]
    assert not unmarked
    # the original, the raw file, the capture, and the body's other years
    text = page.text_content()
    assert "http://linqing.test/art/2.html" in text and "SHA-256" in text
    assert page.xpath("//a[starts-with(@href, '/-/ogi/raw/')]")
    assert page.xpath("//a[starts-with(@href, '/ogi/captures/')]")
    years = [a.text for a in page.xpath("//table[contains(@class, 'ogi-years')]//a")]
    assert years == ["2020", "2021"]


def test_body_page_lists_its_years(site, tmp_path):
    base, reps = site
    report_url = f"{base}/ogi/reports/{_report_id(base, reps[0])}"
    page = lxml.html.fromstring(dump_dom(report_url, tmp_path))
    body_href = page.xpath(f"//a[text()='{BODY}']/@href")[0]
    url = base + body_href
    page = lxml.html.fromstring(dump_dom(url, tmp_path))
    _shot(url, "body-page.png", tmp_path, 900)
    assert page.findtext(".//h1") == BODY
    rows = page.xpath("//tr[@data-year]")
    assert [r.get("data-year") for r in rows] == ["2020", "2021", "2022"]
    for row, rep in zip(rows, reps[:3], strict=True):
        received = rep.record["tables"]["requests"]["new_received"]["total"]
        assert number(received) in [td.text_content().strip() for td in row.xpath("td")]
        assert row.xpath(".//a[starts-with(@href, '/ogi/reports/')]")
    assert len(page.xpath("//figure[@data-series]")) == 4
    assert "山东省" in page.text_content() and "乡镇街道" in page.text_content()


def test_ranking_and_first_screen(site, tmp_path):
    base, reps = site
    url = f"{base}/ogi/rank_bodies?min_requests=1&rank_by=withheld"
    page = lxml.html.fromstring(dump_dom(url, tmp_path))
    _shot(url, "ranking.png", tmp_path, 900)
    bodies = {
        td.text_content().strip()
        for td in page.xpath("//td[contains(concat(' ', @class, ' '), ' col-body ')]")
    }
    assert bodies == {BODY, "临清市教育局"}
    numbers = [
        td.text_content().strip()
        for td in page.xpath("//td[contains(concat(' ', @class, ' '), ' col-processed ')]")
    ]
    assert page.xpath("//td[contains(@class, 'col-body_id')]/a[starts-with(@href, '/ogi/bodies/')]")
    assert numbers and all(re.fullmatch(r"\d+", n) for n in numbers), numbers  # not 98.0
    # the reports table: title, body, year, region and status first; column help folded
    url = f"{base}/ogi/reports"
    page = lxml.html.fromstring(dump_dom(url, tmp_path))
    _shot(url, "reports-table.png", tmp_path, 900)
    heads = [th.get("data-column") for th in page.xpath("//table[@class='rows-and-columns']//th")]
    assert heads[:8] == [
        "id",
        "title",
        "body",
        "year",
        "province",
        "city",
        "county",
        "check_status",
    ]
    assert page.xpath("//details[@class='column-help']//dl[@class='column-descriptions']")
    home = lxml.html.fromstring(dump_dom(base + "/", tmp_path))
    _shot(base + "/", "home.png", tmp_path, 800)
    cards = [a.get("href") for a in home.xpath("//div[@class='ogi-lead']/a")]
    assert cards[:2] == ["/ogi/reports", "/ogi/bodies"]
