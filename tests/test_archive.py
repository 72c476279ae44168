"""The archive on a fixture built to contain known cases, queried through datasette's own client."""

from __future__ import annotations

import copy
import re
import json
import sqlite3

import pytest

from archive import search
from archive.captures import CaptureStore
from archive.publish import make_datasette, snapshot
from archive.regions import split_region
from archive.testing import add_portal, add_report, finish, report_text
from synthetic.report import generate_report

pytestmark = pytest.mark.anyio

CLEAN = dict(arithmetic_errors=False, truncate=None, blanks=False, units=False, cell_noise=False)
A, B, C = "临清市大辛庄街道办事处", "东阳市教育局", "平川县人民政府"


def _rep(seed, agency, year, **opts):
    rep = generate_report(seed, agency=agency, year=year, **{**CLEAN, **opts})
    return rep, copy.deepcopy(rep.record)


def _set_total(record, row, value):
    """Set requests[row].total and keep the row's own arithmetic true (other_org absorbs)."""
    req = record["tables"]["requests"]
    cols = req[row]
    old = cols["total"]
    cols["total"] = value
    cols["other_org"] = (cols.get("other_org") or 0) + value - old


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("arch")
    store = CaptureStore(root)
    add_portal(store, "临清市人民政府", "371581")
    add_portal(store, "东阳市人民政府", "330783", level="county")
    add_portal(store, "平川县人民政府", "620403")
    cases = {}

    # A 2020 and A 2021: carried_over(2021) != carried_forward(2020) in the total column
    rep, rec = _rep(1, A, 2020)
    text = report_text(rep) + "\n本年度收到行政复议申请，涉及泄密问题的申请不予公开。"
    cases["a2020"] = add_report(
        root,
        record=rec,
        text=text,
        url="http://linqing.test/a2020.html",
        portal="临清市人民政府",
        store=store,
        fetched_at="2021-04-01T00:00:00Z",
    )
    forward = rec["tables"]["requests"]["carried_forward"]
    prev_forward = forward["total"]
    rep, rec = _rep(2, A, 2021)
    rec["tables"]["requests"]["carried_over"] = dict(forward)
    _set_total(rec, "carried_over", prev_forward + 7)
    cases["a2021"] = add_report(
        root,
        record=rec,
        text=report_text(rep),
        url="http://linqing.test/a2021.html",
        portal="临清市人民政府",
        store=store,
        fetched_at="2022-04-01T00:00:00Z",
    )
    cases["a_forward"] = prev_forward

    # B 2020 and B 2021: carried over matches in every column (no mismatch expected)
    rep, rec_b20 = _rep(3, B, 2020)
    add_report(
        root,
        record=rec_b20,
        text=report_text(rep),
        url="http://dongyang.test/b2020.html",
        portal="东阳市人民政府",
        store=store,
    )
    rep, rec = _rep(4, B, 2021)
    rec["tables"]["requests"]["carried_over"] = dict(
        rec_b20["tables"]["requests"]["carried_forward"]
    )
    add_report(
        root,
        record=rec,
        text=report_text(rep),
        url="http://dongyang.test/b2021.html",
        portal="东阳市人民政府",
        store=store,
    )

    # C 2022: huge withholding, and its arithmetic fails (checks from the generator)
    rep, rec = _rep(5, C, 2022, arithmetic_errors=True)
    assert rec["checks"], "generator should inject arithmetic errors"
    rec["tables"]["requests"]["withheld_state_secret"]["total"] = 5000
    cases["c2022"] = add_report(
        root,
        record=rec,
        text=report_text(rep) + "\n行政复议纠错。",
        url="http://pingchuan.test/c2022.html",
        portal="平川县人民政府",
        store=store,
    )
    cases["c_checks"] = rec["checks"]

    # changed: the 2020 report of B was edited (new body), and one report removed
    rep, rec = _rep(6, B, 2019)
    rec["tables"]["requests"]["carried_forward"] = dict(
        rec_b20["tables"]["requests"]["carried_over"]
    )
    url = "http://dongyang.test/b2019.html"
    old = add_report(
        root,
        record=rec,
        text=report_text(rep),
        url=url,
        portal="东阳市人民政府",
        store=store,
        crawl_id="c1",
        fetched_at="2021-01-01T00:00:00Z",
    )
    rec2 = copy.deepcopy(rec)
    rec2["title"] = rec["title"] + "（修订）"
    new = add_report(
        root,
        record=rec2,
        text=report_text(rep) + "（修订）",
        url=url,
        portal="东阳市人民政府",
        store=store,
        crawl_id="c2",
        fetched_at="2021-02-01T00:00:00Z",
    )
    assert old == new  # one report, two editions
    old_sha, new_sha = (
        r[0]
        for r in store.db.execute(
            "select sha256 from report_editions where report_id = ? order by id", [new]
        )
    )
    store.record_event(
        "c2", "东阳市人民政府", url, "changed", old_sha256=old_sha, new_sha256=new_sha
    )
    c_sha = store.db.execute(
        "select sha256 from report_editions where report_id = ?", [cases["c2022"]]
    ).fetchone()[0]
    store.record_event(
        "c2", "平川县人民政府", "http://pingchuan.test/c2022.html", "removed", old_sha256=c_sha
    )
    cases.update(changed_old=old, changed_new=new)
    store.close()
    finish(root)
    path = snapshot(root)
    return root, path, cases


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def ds(archive):
    root, path, _ = archive
    return make_datasette(path, archive=root)


async def _json(ds, path):
    r = await ds.client.get(path)
    assert r.status_code == 200, (path, r.text[:500])
    return r.json()


def test_region_names():
    assert split_region("371581") == {"province": "山东省", "city": "聊城市", "county": "临清市"}
    assert split_region("110105")["city"] == "北京市"
    assert split_region("999999") == {"province": None, "city": None, "county": None}
    assert split_region(None)["province"] is None


def test_tables_hold_the_records(archive):
    root, path, cases = archive
    db = sqlite3.connect(path)
    (n_reports,) = db.execute("select count(*) from reports").fetchone()
    assert n_reports == 6  # seven documents: B 2019 was edited, one report in two editions
    assert db.execute("select count(*) from report_editions").fetchone()[0] == 7
    prov, city, county = db.execute(
        "select province, city, county from reports where id = ?", (cases["a2020"],)
    ).fetchone()
    assert (prov, city, county) == ("山东省", "聊城市", "临清市")
    rec = json.loads(
        db.execute(
            "select t.record from document_texts t join reports r on "
            "r.sha256 = t.sha256 where r.id = ?",
            (cases["a2020"],),
        ).fetchone()[0]
    )
    n_values = sum(len(cols) for t in rec["tables"].values() if t for cols in t.values())
    assert (
        db.execute(
            "select count(*) from report_values where report_id = ?", (cases["a2020"],)
        ).fetchone()[0]
        == n_values
    )
    got = db.execute(
        "select value from report_values where report_id = ? and table_key = "
        "'requests' and row_key = 'carried_forward' and col_key = 'total'",
        (cases["a2020"],),
    ).fetchone()[0]
    assert got == cases["a_forward"]
    checks = {
        r[0]
        for r in db.execute(
            "select check_id from report_checks where report_id = ?", (cases["c2022"],)
        )
    }
    assert checks == set(cases["c_checks"])
    status = dict(db.execute("select id, check_status from reports"))
    assert status[cases["c2022"]] == "fails" and status[cases["a2020"]] == "ok"
    current = dict(db.execute("select id, current from reports"))
    editions = db.execute(
        "select current, representative, title from report_editions "
        "where report_id = ? order by id",
        (cases["changed_new"],),
    ).fetchall()
    assert [e[:2] for e in editions] == [(0, 0), (1, 1)]  # the edition served now represents
    title = db.execute(
        "select title from reports where id = ?", (cases["changed_new"],)
    ).fetchone()[0]
    assert title == editions[1][2] and title.endswith("（修订）")
    assert current[cases["changed_new"]] == 1
    assert current[cases["c2022"]] == 0  # removed
    received = db.execute(
        "select received from report_figures where report_id = ?", (cases["a2020"],)
    ).fetchone()[0]
    assert received == rec["tables"]["requests"]["new_received"]["total"]


def test_match_query_forms():
    assert search.match_query("复议") == '"复议"'
    assert search.match_query("行政复议") == '"行政 政复 复议"'
    assert search.match_query("复") == '"复"*'
    assert search.match_query("泄密 2021年") == '"泄密" "2021 年"*'
    assert search.tokens("行政复议") == "行政 政复 复议 议"


@pytest.mark.parametrize(
    "term,expect",
    [
        ("复议", {"a2020", "c2022"}),
        ("泄密", {"a2020"}),
        ("行政复议", {"a2020", "c2022"}),
        ("复议纠错", {"c2022"}),
        ("不予公开 泄密", {"a2020"}),
        ("没有这个词", set()),
    ],
)
async def test_search_box_finds_chinese_terms(ds, archive, term, expect):
    """datasette's own ?_search (the table's search box) with two- and four-character terms."""
    _, _, cases = archive
    data = await _json(ds, f"/ogi/reports.json?_search={term}&_shape=array&_col=id")
    ids = {r["id"] for r in data}
    want = {cases[k] for k in expect}
    # terms that only occur in the appended sentences must match exactly those reports
    if term in ("泄密", "复议纠错", "没有这个词", "不予公开 泄密"):
        assert ids == want
    else:
        assert want <= ids


async def test_search_page(ds, archive):
    _, _, cases = archive
    rows = await _json(ds, "/ogi/search.json?q=泄密&_shape=array")
    assert [r["report_id"] for r in rows] == [cases["a2020"]]
    assert "【泄密】" in rows[0]["context"]
    html = (await ds.client.get("/ogi/search?q=复议")).text
    assert "【复议】" in html and f'href="/ogi/reports/{cases["a2020"]}"' in html


async def test_facets(ds):
    data = await _json(
        ds,
        "/ogi/reports.json?_facet=province&_facet=year&_facet=check_status"
        "&_facet=template&_facet=city",
    )
    facets = data["facet_results"]
    provinces = {v["value"]: v["count"] for v in facets["province"]["results"]}
    assert provinces == {"山东省": 2, "浙江省": 3, "甘肃省": 1}
    cities = {v["value"] for v in facets["city"]["results"]}
    assert cities == {"聊城市", "金华市", "白银市"}
    assert {v["value"] for v in facets["check_status"]["results"]} >= {"ok", "fails"}
    assert {v["value"] for v in facets["template"]["results"]} == {"2019", "2021"}


async def test_canned_most_withheld(ds, archive):
    rows = await _json(ds, "/ogi/most_withheld.json?_shape=array&year=")
    assert C not in [r["body"] for r in rows]  # C's report was removed: not current
    assert [r["withheld"] for r in rows] == sorted((r["withheld"] for r in rows), reverse=True)
    a = [r for r in rows if r["body"] == A][0]
    assert a["withheld"] == sum(
        a[k] or 0
        for k in (
            "state_secret",
            "prohibited",
            "security",
            "third_party",
            "internal",
            "process",
            "enforcement",
            "query",
        )
    )
    rows = await _json(ds, "/ogi/most_withheld.json?_shape=array&year=2020")
    assert rows and all(r["withheld"] > 0 for r in rows)


async def test_canned_refusal_reasons(ds):
    rows = await _json(ds, "/ogi/refusal_reasons_by_year.json?_shape=array")
    years = [r["year"] for r in rows]
    assert years == sorted(years) and 2020 in years
    assert all("withheld_state_secret" in r for r in rows)


async def test_canned_arithmetic_fails(ds, archive):
    _, _, cases = archive
    rows = await _json(ds, "/ogi/arithmetic_fails.json?_shape=array")
    assert [r["report_id"] for r in rows] == [cases["c2022"]]
    assert set(rows[0]["failed_checks"].split()) == {
        c
        for c in cases["c_checks"]
        if c.split(":")[0].split(".")[1] in ("row_total", "outcome_total", "balance")
    }


async def test_canned_carryover_mismatch(ds, archive):
    _, _, cases = archive
    rows = await _json(ds, "/ogi/carryover_mismatch.json?_shape=array")
    assert {(r["body"], r["year"], r["col"]) for r in rows} == {
        (A, 2021, "total"),
        (A, 2021, "other_org"),
    }
    total = [r for r in rows if r["col"] == "total"][0]
    assert total["prev_carried_forward"] == cases["a_forward"]
    assert total["carried_over"] == cases["a_forward"] + 7


async def test_canned_recent_changes(ds, archive):
    _, _, cases = archive
    rows = await _json(ds, "/ogi/recent_changes.json?_shape=array")
    events = {(r["event"], r["old_report_id"], r["new_report_id"]) for r in rows}
    assert events == {
        ("changed", cases["changed_old"], cases["changed_new"]),
        ("removed", cases["c2022"], None),
    }


async def test_metadata_and_download(ds):
    meta = await _json(ds, "/-/metadata.json")
    assert "政府信息公开" in meta["title"] and meta["license"]
    cols = meta["databases"]["ogi"]["tables"]["reports"]["columns"]
    assert "Original URL" in cols["url"] and "原始网址" in cols["url"]
    dbs = await _json(ds, "/-/databases.json")
    assert [(d["name"], d["is_mutable"]) for d in dbs if d["name"] == "ogi"] == [("ogi", False)]
    r = await ds.client.get("/ogi.db")
    assert r.status_code == 200 and r.content[:16] == b"SQLite format 3\x00"
    page = (await ds.client.get("/ogi/reports")).text
    assert "省 · Province" in page or "province" in page


async def test_raw_capture_is_a_download_never_html(ds, archive):
    root, path, cases = archive
    store = CaptureStore(root)
    sha = store.store_body(b"<html><script>alert(1)</script></html>")[0]
    store.close()
    r = await ds.client.get(f"/-/ogi/raw/{sha}.html")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"].startswith("attachment")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in r.headers["content-security-policy"]
    assert (await ds.client.get("/-/ogi/raw/../../etc/passwd")).status_code == 404
    assert (await ds.client.get("/-/ogi/raw/" + "0" * 64)).status_code == 404
    row = await _json(ds, f"/ogi/reports/{cases['a2020']}.json?_shape=array")
    html = (await ds.client.get(f"/ogi/reports/{cases['a2020']}")).text
    assert f"/-/ogi/raw/{row[0]['raw']}" in html and "http://linqing.test/a2020.html" in html
    capture_id = (
        await _json(ds, f"/ogi/report_editions.json?_shape=array&report_id={cases['a2020']}")
    )[0]["capture_id"]
    assert f'href="/ogi/captures/{capture_id}"' in html
    capture = (await ds.client.get(f"/ogi/captures/{capture_id}")).status_code
    assert capture == 200


async def test_scraped_html_is_escaped(ds, archive, tmp_path):
    """A title with markup shows as text on the table page, not as markup."""
    root, _, _ = archive
    rep, rec = _rep(9, "<b>恶意</b>机关", 2020)
    rec["title"] = "<script>alert('x')</script>报告"
    add_report(
        tmp_path,
        record=rec,
        text="<img src=x onerror=alert(1)>复议",
        url="http://x.test/",
        portal="p",
    )
    path = snapshot(tmp_path)
    d = make_datasette(path, archive=tmp_path)
    html = (await d.client.get("/ogi/reports")).text
    assert "<script>alert('x')</script>" not in html and "&lt;script&gt;" in html
    html = (await d.client.get("/ogi/document_texts")).text
    assert "<img src=x" not in html


async def test_numbers_print_as_integers(ds):
    from archive.schema import FIGURE_COLUMNS

    rows = await _json(ds, "/ogi/most_withheld.json?_shape=array&year=")
    assert rows and all(
        isinstance(r["withheld"], int) and isinstance(r["received"], int) for r in rows
    )
    for fig in await _json(ds, "/ogi/report_figures.json?_shape=array"):
        assert all(fig[c] is None or isinstance(fig[c], int) for c in FIGURE_COLUMNS)
    for page in (
        "/ogi/most_withheld?year=",
        "/ogi/report_figures",
        "/ogi/report_values",
        "/ogi/refusal_reasons_by_year",
    ):
        html = (await ds.client.get(page)).text
        assert not re.search(r">\s*-?\d+\.0\s*<", html), page  # 98, never 98.0


async def test_rankings_leave_out_small_bodies(ds):
    every = await _json(ds, "/ogi/rank_bodies.json?_shape=array&min_requests=0")
    default = await _json(ds, "/ogi/rank_bodies.json?_shape=array")
    assert all(r["processed"] >= 20 for r in default)
    assert {r["body_id"] for r in default} == {r["body_id"] for r in every if r["processed"] >= 20}
    big = max(r["processed"] for r in every)
    only = await _json(ds, f"/ogi/rank_bodies.json?_shape=array&min_requests={big}")
    assert [r["processed"] for r in only] == [big]
    rates = [r["withheld_pct"] for r in every if r["withheld_pct"] is not None]
    assert rates == sorted(rates, reverse=True) and all(0 <= x <= 100 for x in rates)
    for rank in ("rank_provinces", "rank_cities", "rank_levels"):
        rows = await _json(ds, f"/ogi/{rank}.json?_shape=array&min_requests=0&rank_by=review")
        assert rows and sum(r["reports"] for r in rows) == sum(r["reports"] for r in every)


def test_chart_legends_are_chinese(archive):
    from archive.publish.metadata import DASHBOARDS

    _, path, _ = archive
    db = sqlite3.connect(path)
    han = re.compile("[\u4e00-\u9fff]")
    for chart in DASHBOARDS["overview"]["charts"].values():
        cur = db.execute(re.sub(r"\[\[.*?\]\]", "", chart["query"]))
        cols = [d[0] for d in cur.description]
        rows = cur.fetchall()
        assert all(han.search(c) for c in cols), cols
        for channel in ("color", "y"):
            field = chart["display"]["encoding"].get(channel, {})
            if field.get("type") == "nominal":
                labels = {r[cols.index(field["field"])] for r in rows}
                assert labels and all(han.search(str(v)) for v in labels), labels


async def test_tables_of_figures_lead_back_to_their_report(ds, archive):
    _, _, cases = archive
    for table in ("report_figures", "report_values", "report_checks", "report_editions"):
        html = (await ds.client.get(f"/ogi/{table}?report_id={cases['c2022']}")).text
        assert f'href="/ogi/reports/{cases["c2022"]}"' in html, table
