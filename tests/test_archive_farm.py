"""The whole path on the demo farm: crawl (Scrapy, child process) → ogi build → published
database, compared with the generator's truth. The farm's columns mix in documents that are
not reports (extras): the archive keeps them apart."""
from __future__ import annotations

import sqlite3
from collections import Counter

import pytest

from archive.build import build
from archive.publish import snapshot
from crawler.run import crawl_in_subprocess
from synthetic.farm import Farm


@pytest.fixture(scope="module")
def farm_archive(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("farm")
    with Farm(reports_per_portal=3, blocked=False, extras=True) as farm:
        sources = farm.write_sources(tmp / "demo.yaml")
        report = crawl_in_subprocess(sources, tmp / "data", "--fast")
        assert report["status"] == "finished", report["stderr"][-3000:]
        truth = farm.truth()
        published = farm.reports()
        others = Counter(d.kind for s in farm.sites for d in s.live() if d.kind != "report")
        landing = sum(1 for r in published if r["fmt"] != "html")
    stats = build(tmp / "data", workers=2, progress=False)
    return tmp / "data", published, truth, others, landing, stats


def _db(root):
    db = sqlite3.connect(snapshot(root))
    db.row_factory = sqlite3.Row
    return db


def test_reports_are_exactly_the_published_reports(farm_archive):
    root, published, truth, others, landing, stats = farm_archive
    assert sum(stats.failed.values()) == 0, stats.failed
    db = _db(root)
    rows = db.execute("select * from reports").fetchall()
    assert sorted((r["body"], r["year"]) for r in rows) == sorted(
        (p["body"], p["year"]) for p in published)
    wrong = []
    for p in published:
        row = db.execute("select * from reports where body = ? and year = ?",
                         (p["body"], p["year"])).fetchone()
        assert row["current"] == 1 and row["province"] and row["county"]
        editions = db.execute("select url from report_editions where report_id = ?",
                              (row["id"],)).fetchall()
        assert sorted(e["url"] for e in editions) == sorted(p["urls"])
        values = {(t, r, c): v for t, r, c, v in db.execute(
            "select table_key, row_key, col_key, value from report_values where report_id = ?",
            (row["id"],))}
        want = {(t, r, c): v for t, rows_ in p["record"]["tables"].items() if rows_
                for r, cols in rows_.items() for c, v in cols.items()}
        if values != want:
            wrong.append((p["fmt"], p["urls"], sorted(set(values.items()) ^ set(want.items()))[:4]))
    assert not wrong, wrong


def test_every_other_document_is_kept_apart(farm_archive):
    root, published, truth, others, landing, stats = farm_archive
    db = _db(root)
    report_shas = {r[0] for r in db.execute("select sha256 from report_editions")}
    other_shas = {r[0] for r in db.execute("select sha256 from other_documents")}
    assert report_shas | other_shas == set(truth.values()) and not report_shas & other_shas
    kinds = Counter(r[0] for r in db.execute("select kind from other_documents"))
    # a pdf or docx report's page that only links to it; the blank form is a page and a docx
    want = others + Counter({"landing_page": landing, "blank_form": others["blank_form"]})
    assert kinds == want
    # a page that attaches itself as a PDF is one report in two editions
    two = db.execute("select r.id, r.editions from reports r where r.editions = 2").fetchall()
    assert len(two) == sum(1 for p in published if len(p["urls"]) == 2) > 0
    for report_id, _ in two:
        formats = {e[0]: e[1] for e in db.execute(
            "select format, representative from report_editions where report_id = ?",
            (report_id,))}
        assert formats == {"html": 1, "pdf": 0}  # the page's cells over the PDF's layout


def test_bodies_and_places(farm_archive):
    root, published, *_ = farm_archive
    db = _db(root)
    bodies = db.execute("select name, region_code, province, city, county, level from bodies"
                        ).fetchall()
    assert len(bodies) == len({p["body"] for p in published})
    for b in bodies:
        assert b["province"] and b["city"] and b["county"], tuple(b)
        assert b["name"].startswith(b["county"])  # the demo's bodies are their counties'
    for b in bodies:
        assert b["level"] == {"人民政府": "县", "教育局": "部门"}[b["name"][-4:].lstrip("市区县")]


def _get(root, *paths):
    """Answers of the published archive (datasette's own client) to each path."""
    import asyncio

    from archive.publish import make_datasette
    ds = make_datasette(snapshot(root), archive=root)

    async def fetch():
        return [await ds.client.get(p) for p in paths]
    return asyncio.run(fetch())


def test_the_feed_lists_the_reports(farm_archive):
    import xml.etree.ElementTree as ET
    root, published, *_ = farm_archive
    db = _db(root)
    provinces = {r[0] for r in db.execute("select province from reports")}
    province = sorted(provinces)[0]
    every, one = _get(root, "/ogi/feed.atom", f"/ogi/feed.atom?province={province}")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    for answer in (every, one):
        assert answer.status_code == 200 and "xml" in answer.headers["content-type"]
    feed = ET.fromstring(every.content)
    entries = feed.findall("a:entry", ns)
    editions = db.execute("select count(*) from report_editions").fetchone()[0]
    assert len(entries) == editions  # every copy of every report, newly archived
    links = {e.find("a:link", ns).get("href").rsplit("/", 1)[1] for e in entries}
    assert links == {str(r[0]) for r in db.execute("select id from reports")}
    titles = {e.findtext("a:title", namespaces=ns) for e in entries}
    assert {f"新收录：{r[0]}" for r in db.execute("select title from reports")} <= titles
    mine = ET.fromstring(one.content).findall("a:entry", ns)
    assert len(mine) == db.execute("select count(*) from report_editions e join reports r on "
                                   "r.id = e.report_id where r.province = ?",
                                   (province,)).fetchone()[0] < len(entries)


def test_search_finds_reports_only(farm_archive):
    import urllib.parse
    root, published, *_ = farm_archive
    db = _db(root)
    reports = {r[0] for r in db.execute("select id from reports")}
    for term in ("复议", "依申请公开"):
        q = urllib.parse.quote(term)
        box, page, others = _get(root, f"/ogi/reports.json?_search={q}&_shape=array&_size=max",
                                 f"/ogi/search.json?q={q}&_shape=array",
                                 f"/ogi/other_documents.json?_search={q}&_shape=array")
        found = {r["id"] for r in box.json()}
        assert found and found <= reports
        assert {r["report_id"] for r in page.json()} == found
        texts = {rid: t for rid, t in db.execute(
            "select r.id, d.text from reports r join document_texts d on d.sha256 = r.sha256")}
        assert found == {rid for rid, t in texts.items() if term in t}
        # the other documents that mention it (解读, notices …) are searchable on their own
        assert all(r["kind"] != "report" for r in others.json())
    interpretations = _get(root, "/ogi/other_documents.json?_shape=array&_search="
                           + urllib.parse.quote("复议"))[0].json()
    assert {r["kind"] for r in interpretations} >= {"interpretation"}
