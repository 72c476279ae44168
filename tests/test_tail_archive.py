"""How the archive files the long tail (ogi build on captures made by the crawler's store):
a ZIP's members are documents of the capture, current while the ZIP is; a report whose text
and tables are two attachments of one page is one report; a compilation is a report per body."""

from __future__ import annotations

import sqlite3

from archive.build import build
from archive.captures import CaptureStore
from archive.testing import add_portal, capture_body
from synthetic.render_archive import zip_bytes
from synthetic.render_compilation import compilation, render_compilation
from synthetic.render_pdf import render_pdf
from synthetic.render_split import render_split
from synthetic.report import generate_report

PAGE = "http://gov.test/xxgk/t1.html"


def _capture(store, url, body, crawl="c1", referer=PAGE, kind="attachment"):
    return capture_body(
        store,
        body,
        url,
        "青石县人民政府",
        crawl_id=crawl,
        content_type="application/octet-stream",
        kind=kind,
        referer=referer,
        link_text="附件",
    )[1]


def _db(root):
    db = sqlite3.connect(root / "archive.db")
    db.row_factory = sqlite3.Row
    return db


def test_members_of_a_zip_are_documents_current_while_the_zip_is(tmp_path):
    store = CaptureStore(tmp_path)
    add_portal(store, "青石县人民政府", "371581")
    a = generate_report(811, pages=3, agency="临清市民政局", year=2023)
    first = zip_bytes([("报告.pdf", render_pdf(a)), ("../evil.txt", b"x")])
    _capture(store, "http://gov.test/a.zip", first)
    store.close()
    stats = build(tmp_path, workers=1, progress=False)
    assert stats.filed == {"archive": 1, "report": 1}
    db = _db(tmp_path)
    members = {r["path"]: r for r in db.execute("select * from members")}
    assert members["报告.pdf"]["sha256"] and members["../evil.txt"]["sha256"] is None
    assert "path traversal" in members["../evil.txt"]["error"]
    rep = db.execute("select * from reports").fetchone()
    assert (rep["body"], rep["year"], rep["current"]) == ("临清市民政局", 2023, 1)
    assert rep["url"] == "http://gov.test/a.zip#报告.pdf"
    assert rep["sha256"] == members["报告.pdf"]["sha256"]
    # the ZIP replaced by another report's: the first report's member is no longer current
    store = CaptureStore(tmp_path)
    b = generate_report(812, pages=3, agency="临清市司法局", year=2023)
    _capture(store, "http://gov.test/a.zip", zip_bytes([("报告.pdf", render_pdf(b))]), crawl="c2")
    store.close()
    build(tmp_path, workers=1, progress=False)
    db = _db(tmp_path)
    current = {r["body"]: r["current"] for r in db.execute("select body, current from reports")}
    assert current == {"临清市民政局": 0, "临清市司法局": 1}
    assert build(tmp_path, workers=1, progress=False).pending == 0  # nothing parsed twice


def test_a_report_split_over_two_attachments_is_one_report(tmp_path):
    store = CaptureStore(tmp_path)
    add_portal(store, "青石县人民政府", "371581")
    rep = generate_report(813, pages=3, agency="临清市审计局", year=2022)
    (n1, text), (n2, tables) = render_split(rep, "docx", "pdf")
    _capture(
        store,
        PAGE,
        b"<html><body><a href='t.docx'>t</a><a href='s.pdf'>s</a></body></html>",
        kind="detail",
        referer="http://gov.test/xxgk/",
    )
    _capture(store, "http://gov.test/xxgk/t.docx", text)
    _capture(store, "http://gov.test/xxgk/s.pdf", tables)
    store.close()
    build(tmp_path, workers=2, progress=False)
    db = _db(tmp_path)
    reports = db.execute("select * from reports").fetchall()
    assert (
        len(reports) == 1 and reports[0]["body"] == "临清市审计局" and reports[0]["editions"] == 2
    )
    eds = {e["url"].rsplit("/", 1)[1]: e for e in db.execute("select * from report_editions")}
    assert (
        eds["t.docx"]["representative"] == 1
        and eds["t.docx"]["tables_from"] == eds["s.pdf"]["sha256"]
    )
    values = {
        (r["table_key"], r["row_key"], r["col_key"]): r["value"]
        for r in db.execute("select * from report_values")
    }
    want = {
        (t, r, c): v
        for t, rows in rep.record["tables"].items()
        if rows
        for r, cols in rows.items()
        for c, v in cols.items()
    }
    assert values == want
    assert sorted(
        c["check_id"] for c in db.execute("select check_id from report_checks")
    ) == sorted(rep.record["checks"])


def test_a_compilation_is_a_report_per_body(tmp_path):
    store = CaptureStore(tmp_path)
    add_portal(store, "青石县人民政府", "371581")
    reps = compilation(814, bodies=["临清市东城街道办事处", "临清市南湖镇人民政府"], year=2023)
    sha = _capture(store, "http://gov.test/hb.docx", render_compilation(reps, "docx"))
    store.close()
    build(tmp_path, workers=1, progress=False)
    db = _db(tmp_path)
    got = db.execute(
        "select r.body, r.year, r.level, e.part, e.sha256 from reports r join "
        "report_editions e on e.id = r.edition_id order by e.part"
    ).fetchall()
    assert [tuple(r)[:4] for r in got] == [
        ("临清市东城街道办事处", 2023, "乡镇街道", 1),
        ("临清市南湖镇人民政府", 2023, "乡镇街道", 2),
    ]
    assert {r["sha256"] for r in got} == {sha}
    parts = db.execute(
        "select part, record from document_texts where sha256 = ? order by part", (sha,)
    ).fetchall()
    assert [p["part"] for p in parts] == [0, 1, 2]
    # filed again by a new parser version: the same reports, the same ids
    ids = [r[0] for r in db.execute("select id from reports order by id")]
    db.execute("update report_editions set parser_version = 'old'")
    db.commit()
    build(tmp_path, workers=1, progress=False)
    assert [r[0] for r in _db(tmp_path).execute("select id from reports order by id")] == ids
