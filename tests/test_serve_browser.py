"""`ogi serve` for real (uvicorn + datasette in a subprocess), read by headless Chromium."""

from __future__ import annotations

import urllib.parse

import pytest

from archive.testing import add_report, finish, report_text
from browser import CHROMIUM, dump_dom, serve_archive
from synthetic.report import generate_report

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)"
)

AGENCIES = ["临清市大辛庄街道办事处", "东阳市教育局", "平川县人民政府"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("served")
    extra = ["我局收到行政复议申请一件，已依法答复。", "本年度未发生泄密事件。", "工作平稳有序。"]
    for i, (agency, sentence) in enumerate(zip(AGENCIES, extra, strict=True)):
        rep = generate_report(100 + i, agency=agency, year=2021)
        add_report(
            root,
            record=rep.record,
            text=report_text(rep) + "\n" + sentence,
            url=f"http://portal.test/r{i}.html",
            portal="p",
        )
    finish(root)
    with serve_archive(root) as base:
        yield base


def _q(s: str) -> str:
    return urllib.parse.quote(s)


@pytest.mark.parametrize("term,agency", [("泄密", AGENCIES[1]), ("依法答复", AGENCIES[0])])
def test_search_box_in_a_browser(server, tmp_path, term, agency):
    """The reports table's search box (?_search=) finds 2- and 4-character terms."""
    dom = dump_dom(f"{server}/ogi/reports?_search={_q(term)}", tmp_path)
    assert "1 row" in dom, dom[:3000]
    assert agency in dom
    for other in AGENCIES:
        if other != agency:
            assert other not in dom
    assert f'value="{term}"' in dom  # the box shows what the user typed


def test_search_page_in_a_browser(server, tmp_path):
    dom = dump_dom(f"{server}/ogi/search?q={_q('泄密')}", tmp_path)
    assert AGENCIES[1] in dom and "【泄密】" in dom
    dom = dump_dom(f"{server}/ogi/search?q={_q('依法答复')}", tmp_path)
    assert AGENCIES[0] in dom and "【依法答复】" in dom
    dom = dump_dom(f"{server}/ogi/reports?_search={_q('复议')}", tmp_path)
    assert "3 rows" in dom and all(a in dom for a in AGENCIES)


def test_dashboard_draws_charts(server, tmp_path):
    dom = dump_dom(f"{server}/-/dashboards/overview", tmp_path, budget_ms=8000)
    assert "OGI requests at a glance" in dom
    assert dom.count('class="marks"') >= 3 or dom.count("<canvas") >= 3, dom[-3000:]
