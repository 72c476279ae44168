"""The whole path on the demo farm: crawl (Scrapy, child process) → ogi build → published
database, compared with the generator's truth. The farm's columns mix in documents that are
not reports (extras): the archive keeps them apart. They also publish the long tail
(synthetic/farm_tail.py): tables as pictures, OFD, MHT, ZIP and RAR attachments, a
compilation, a report split over two attachments, 2019 sub-tables, a scan with a wrong OCR
layer, zeros printed as blanks, a title with the year first."""

from __future__ import annotations

import json
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
        truth.update({url: sha for sha, url in farm.members().items()})
        published = farm.reports()
        docs = [d for s in farm.sites for d in s.live()]
        others = Counter(d.kind for d in docs if d.kind != "report")
        # a detail page of a document that is not a page: it only links to it
        landing = sum(1 for d in docs if d.kind == "report" and d.fmt != "html")
        # the archives of attachments; the ZIP also holds a 图解
        others.update(
            {
                "archive": sum(d.variant in ("zip", "rar") for d in docs),
                "interpretation": sum(d.variant == "zip" for d in docs),
            }
        )
    stats = build(tmp / "data", workers=2, progress=False)
    return tmp / "data", published, truth, others, landing, stats


# numbers read from pixels: a cell may be null (at most this share of them); a scan's wrong OCR
# layer contradicts some of ours, which are then left null
OCR = {"pictures": 0.02, "pictures_docx": 0.02, "ocr_layer": 0.15}


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
        (p["body"], p["year"]) for p in published
    )
    wrong = []
    for p in published:
        row = db.execute(
            "select * from reports where body = ? and year = ?", (p["body"], p["year"])
        ).fetchone()
        assert row["current"] == 1 and row["province"] and row["county"]
        editions = db.execute(
            "select url from report_editions where report_id = ?", (row["id"],)
        ).fetchall()
        assert sorted(e["url"] for e in editions) == sorted(p["urls"])
        values = {
            (t, r, c): v
            for t, r, c, v in db.execute(
                "select table_key, row_key, col_key, value from report_values where report_id = ?",
                (row["id"],),
            )
        }
        want = {
            (t, r, c): v
            for t, rows_ in p["record"]["tables"].items()
            if rows_
            for r, cols in rows_.items()
            for c, v in cols.items()
        }
        if p.get("variant") in OCR:  # never a wrong number; a few set aside as unreadable
            misread = {k for k, v in values.items() if v is not None and v != want.get(k)}
            blank = {k for k, v in values.items() if v is None and want.get(k) is not None}
            if (
                misread
                or values.keys() != want.keys()
                or len(blank) > OCR[p["variant"]] * len(want)
            ):
                wrong.append((p["variant"], p["urls"], sorted(misread)[:4], len(blank)))
            continue
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
    # a page that attaches itself as a PDF is one report in two editions, and so is a report
    # whose text and tables are two attachments of one page
    two = db.execute("select r.id, r.editions from reports r where r.editions = 2").fetchall()
    assert len(two) == sum(1 for p in published if len(p["urls"]) == 2) > 0
    for report_id, _ in two:
        formats = {
            e[0]: e[1]
            for e in db.execute(
                "select format, representative from report_editions where report_id = ?",
                (report_id,),
            )
        }
        # the page's cells over the PDF's layout; the text (with the tables it takes from the
        # PDF beside it) over the tables alone
        assert formats in ({"html": 1, "pdf": 0}, {"docx": 1, "pdf": 0})


def test_bodies_and_places(farm_archive):
    root, published, *_ = farm_archive
    db = _db(root)
    bodies = db.execute(
        "select name, region_code, province, city, county, level from bodies"
    ).fetchall()
    assert len(bodies) == len({p["body"] for p in published})
    for b in bodies:
        assert b["province"] and b["city"] and b["county"], tuple(b)
        assert b["name"].startswith(b["county"])  # the demo's bodies are their counties'
    for b in bodies:
        township = b["name"].endswith(("街道办事处", "镇人民政府", "乡人民政府"))
        county = b["name"] == f"{b['county']}人民政府"
        assert b["level"] == ("乡镇街道" if township else "县" if county else "部门"), tuple(b)


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
    assert (
        len(mine)
        == db.execute(
            "select count(*) from report_editions e join reports r on "
            "r.id = e.report_id where r.province = ?",
            (province,),
        ).fetchone()[0]
        < len(entries)
    )


def test_search_finds_reports_only(farm_archive):
    import urllib.parse

    root, published, *_ = farm_archive
    db = _db(root)
    reports = {r[0] for r in db.execute("select id from reports")}
    for term in ("复议", "依申请公开"):
        q = urllib.parse.quote(term)
        box, page, others = _get(
            root,
            f"/ogi/reports.json?_search={q}&_shape=array&_size=max",
            f"/ogi/search.json?q={q}&_shape=array",
            f"/ogi/other_documents.json?_search={q}&_shape=array",
        )
        found = {r["id"] for r in box.json()}
        assert found and found <= reports
        assert {r["report_id"] for r in page.json()} == found
        texts = {
            rid: t
            for rid, t in db.execute(
                "select r.id, d.text from reports r join document_texts d on d.sha256 = r.sha256 "
                "and d.part = r.part"
            )
        }
        assert found == {rid for rid, t in texts.items() if term in t}
        # the other documents that mention it (解读, notices …) are searchable on their own
        assert all(r["kind"] != "report" for r in others.json())
    interpretations = _get(
        root, "/ogi/other_documents.json?_shape=array&_search=" + urllib.parse.quote("复议")
    )[0].json()
    assert {r["kind"] for r in interpretations} >= {"interpretation"}


def test_the_long_tail_is_filed_as_reports(farm_archive):
    """Each kind of the long tail is a report of its body, from the file that printed it."""
    root, published, *_ = farm_archive
    db = _db(root)
    by_variant = {}
    for p in published:
        if p.get("variant"):
            by_variant.setdefault(p["variant"], []).append(p)
    assert set(by_variant) == {
        "pictures",
        "pictures_docx",
        "ofd",
        "mht",
        "zip",
        "rar",
        "compilation",
        "split",
        "subtables",
        "ocr_layer",
        "zeros",
        "year_first",
    }

    def edition(p):
        return db.execute(
            "select e.*, t.record, t.sections from report_editions e join reports r on "
            "r.id = e.report_id join document_texts t on t.sha256 = e.sha256 and t.part = e.part "
            "where r.body = ? and r.year = ? and e.representative = 1",
            (p["body"], p["year"]),
        ).fetchone()

    formats = {v: edition(ps[0])["format"] for v, ps in by_variant.items()}
    assert formats == {
        "pictures": "html",
        "pictures_docx": "docx",
        "ofd": "ofd",
        "mht": "mht",
        "zip": "pdf",
        "rar": "pdf",
        "compilation": "pdf",
        "split": "docx",
        "subtables": "html",
        "ocr_layer": "pdf",
        "zeros": "html",
        "year_first": "html",
    }
    notes = {
        v: " ".join(json.loads(edition(ps[0])["record"])["notes"]) for v, ps in by_variant.items()
    }
    assert "pictures: 3 read by OCR" in notes["pictures"] and "pictures:" in notes["pictures_docx"]
    assert "OCR layer" in notes["ocr_layer"]
    # a compilation: one file, one edition per report, each with its own text
    parts = db.execute(
        "select e.part, e.sha256, t.text from report_editions e join "
        "document_texts t on t.sha256 = e.sha256 and t.part = e.part "
        "where e.part > 0 order by e.part"
    ).fetchall()
    assert [p["part"] for p in parts] == [1, 2, 3] and len({p["sha256"] for p in parts}) == 1
    for p, rep in zip(parts, by_variant["compilation"], strict=True):
        assert rep["body"] in p["text"] and all(
            r["body"] not in p["text"] for r in by_variant["compilation"] if r is not rep
        )
    # the members of the archives, each stored by its own SHA-256 with its archive
    members = db.execute("select path, sha256, error from members order by path").fetchall()
    assert len(members) == 3 and all(m["sha256"] and not m["error"] for m in members)
    # the split report: the text's edition takes the tables of the PDF beside it
    split = edition(by_variant["split"][0])
    assert split["tables_from"] and split["check_status"] != "no_tables"
    assert (
        db.execute(
            "select format from report_editions where sha256 = ?", (split["tables_from"],)
        ).fetchone()["format"]
        == "pdf"
    )
    # the pictures of the page were captured with it, the page as their referer
    page = by_variant["pictures"][0]["urls"][0]
    assert (
        db.execute(
            "select count(*) from captures where kind = 'image' and referer = ? and status = 200",
            (page,),
        ).fetchone()[0]
        == 3
    )


def test_a_compilations_report_page_shows_its_own_report(farm_archive):
    root, published, *_ = farm_archive
    db = _db(root)
    comp = [p for p in published if p.get("variant") == "compilation"]
    ids = [
        db.execute(
            "select id from reports where body = ? and year = ?", (p["body"], p["year"])
        ).fetchone()[0]
        for p in comp
    ]
    pages = _get(root, *[f"/ogi/reports/{i}" for i in ids])
    for p, answer in zip(comp, pages, strict=True):
        assert answer.status_code == 200
        assert p["body"] in answer.text and "一、总体情况" in answer.text
        assert all(o["body"] not in answer.text for o in comp if o is not p)
