"""A number on a report's page, clicked in headless Chromium, opens the original at that spot:
the PDF's page rendered with the cell's box drawn over it, the HTML page's table with the cell
marked. The archive is built by the real builder from generated reports and served by `ogi
serve`; the report whose prose contradicts its table says so on its page, and the body's page
counts it. Screenshots go to test-artifacts/ (git-ignored)."""

from __future__ import annotations

import base64
import io
import json
import re
import urllib.parse
import urllib.request

import pdfplumber
import pytest

from archive.build import build
from archive.captures import CaptureStore
from archive.testing import add_portal, capture_body
from browser import CHROMIUM, ROOT, serve_archive
from parsers.report.values import read_value
from synthetic.render_html import render_html
from synthetic.render_pdf import render_pdf
from synthetic.report import generate_report

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
BODY = "临清市大辛庄街道办事处"
CLEAN = dict(arithmetic_errors=False, blanks=False, units=False, truncate=None, cell_noise=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("prov")
    store = CaptureStore(root)
    add_portal(store, "临清市人民政府", "371581", level="县", parent="聊城市人民政府")
    pdf_rep = next(
        r
        for r in (
            generate_report(s, agency=BODY, year=2022, pages=4, prose_figures="disagree", **CLEAN)
            for s in range(900, 960)
        )
        if r.record["text_checks"]
    )
    html_rep = generate_report(901, agency=BODY, year=2021, pages=4, **CLEAN)
    files = [
        (render_pdf(pdf_rep), "application/pdf", "a.pdf"),
        (render_html(html_rep), "text/html; charset=utf-8", "b.html"),
    ]
    for body, ctype, name in files:
        capture_body(
            store,
            body,
            f"http://linqing.test/art/{name}",
            "临清市人民政府",
            content_type=ctype,
            kind="attachment" if name.endswith("pdf") else "detail",
            link_text="2022年政府信息公开工作年度报告",
        )
    store.close()
    stats = build(root, workers=1, progress=False)
    assert stats.filed == {"report": 2}, stats.as_dict()
    with serve_archive(root) as base:
        yield base, pdf_rep, html_rep, files[0][0]


def _report_id(base: str, rep) -> int:
    q = urllib.parse.urlencode({"body": rep.agency, "year": rep.year, "_shape": "array"})
    with urllib.request.urlopen(f"{base}/ogi/reports.json?{q}") as r:
        return json.loads(r.read())[0]["id"]


def _click_a_number(page, url: str, cell: str) -> None:
    page.call("Page.navigate", url=url)
    page.wait("document.readyState === 'complete' && !!document.querySelector('td[data-table]')")
    table, row, col = cell.split(".")
    link = (
        f'document.querySelector(\'td[data-table="{table}"][data-row="{row}"]'
        f'[data-col="{col}"] a.n\')'
    )
    assert page.js(f"!!{link}"), f"no link on {cell}"
    page.js(f"{link}.click()")
    page.wait(
        "location.pathname.startsWith('/-/ogi/source/') && document.readyState === 'complete'"
    )


def _shot(page, name: str) -> None:
    out = ROOT / "test-artifacts" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(base64.b64decode(page.call("Page.captureScreenshot")["data"]))


def test_clicking_a_pdf_number_opens_its_page_with_the_cell_boxed(site, tmp_path):
    from cdp import browser

    base, rep, _, pdf = site
    cell = "requests.new_received.total"
    value = rep.record["tables"]["requests"]["new_received"]["total"]
    with browser(tmp_path / "profile") as page:
        _click_a_number(page, f"{base}/ogi/reports/{_report_id(base, rep)}", cell)
        page.wait(
            "(() => { const i = document.querySelector('.ogi-page img');"
            " return i && i.complete && i.naturalWidth > 0; })()"
        )
        geo = page.js("""(() => {
            const i = document.querySelector('.ogi-page img').getBoundingClientRect();
            const b = document.querySelector('.ogi-box').getBoundingClientRect();
            return {img: [i.left, i.top, i.width, i.height],
                    box: [b.left, b.top, b.width, b.height],
                    value: document.querySelector('.ogi-value').textContent,
                    pos: document.querySelector('.ogi-pos code').textContent}; })()""")
        _shot(page, "provenance-pdf.png")
    il, it, iw, ih = geo["img"]
    bl, bt, bw, bh = geo["box"]
    assert iw > 300 and 0 < bw < iw / 3 and 0 < bh < ih / 10  # a cell, on a page
    assert il <= bl and bl + bw <= il + iw + 1 and it <= bt and bt + bh <= it + ih + 1
    assert geo["value"] == str(value)
    # the box drawn is the place the number is printed on that page
    pos = json.loads(geo["pos"])
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page_ = doc.pages[pos["page"] - 1]
        assert read_value(page_.within_bbox(pos["box"]).extract_text()).number == value
        # …and it is where the picture shows it: the box's place on the image is the box's
        # place on the page
        assert abs(bl - il - iw * pos["box"][0] / page_.width) <= 2
        assert abs(bt - it - ih * pos["box"][1] / page_.height) <= 2


def test_clicking_an_html_number_opens_the_source_table_with_the_cell_marked(site, tmp_path):
    from cdp import browser

    base, _, rep, _ = site
    cell = "appeals.review.total"
    value = rep.record["tables"]["appeals"]["review"]["total"]
    with browser(tmp_path / "profile") as page:
        _click_a_number(page, f"{base}/ogi/reports/{_report_id(base, rep)}", cell)
        page.wait("!!document.querySelector('table.ogi-src td.ogi-mark')")
        got = page.js("""(() => ({
            marked: [...document.querySelectorAll('td.ogi-mark')].map(td => td.textContent),
            scripts: document.querySelectorAll('script').length,
            table: document.querySelector('table.ogi-src').textContent}))()""")
        _shot(page, "provenance-html.png")
    assert got["marked"] == [str(value)]
    assert got["scripts"] == 0
    assert "行政复议" in got["table"] and "复议后起诉" in got["table"]  # the source's table


def page_text(base: str, rep) -> str:
    with urllib.request.urlopen(f"{base}/ogi/reports/{_report_id(base, rep)}") as r:
        return r.read().decode()


def body_page(base: str, rep) -> str:
    """The page of the body that published `rep`."""
    with urllib.request.urlopen(
        f"{base}/ogi/reports/{_report_id(base, rep)}.json?_shape=array"
    ) as r:
        body_id = json.loads(r.read())[0]["body_id"]
    with urllib.request.urlopen(f"{base}/ogi/bodies/{body_id}") as r:
        return r.read().decode()


def test_prose_against_table_shown_and_counted(site):
    base, rep, _, _ = site
    html = page_text(base, rep)
    for cid in rep.record["text_checks"]:
        assert f'data-check="{cid}"' in html, cid
    q = urllib.parse.urlencode({"_shape": "array"})
    with urllib.request.urlopen(f"{base}/ogi/text_vs_table.json?{q}") as r:
        rows = json.loads(r.read())
    assert sorted(r["check_id"] for r in rows) == sorted(rep.record["text_checks"])
    body = body_page(base, rep)
    assert f"1 份报告共 {len(rep.record['text_checks'])} 处不符" in body


def test_carry_over_against_the_year_before_shown_and_counted(site):
    base, rep, prev, _ = site  # the same body's 2022 (PDF) and 2021 (HTML) reports
    now = rep.record["tables"]["requests"]["carried_over"]
    before = prev.record["tables"]["requests"]["carried_forward"]
    differ = sorted(
        c for c in now if now[c] is not None and before.get(c) is not None and now[c] != before[c]
    )
    assert differ, "the two generated years happen to agree: pick other seeds"
    html = page_text(base, rep)
    shown = sorted(set(re.findall(r'<li data-col="([a-z_]+)">', html)))
    assert shown == differ
    with urllib.request.urlopen(f"{base}/ogi/carryover_mismatch.json?_shape=array") as r:
        assert sorted(m["col"] for m in json.loads(r.read())) == differ
    body = body_page(base, rep)
    assert f"1 个年度不一致（{len(differ)} 列；可比较的年度 1 个）" in body
