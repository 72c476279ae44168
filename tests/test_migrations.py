"""An archive made by the first release (commit df2aa16, kept as an SQL dump in
tests/fixtures/) opens in today's code through the migrations, without a rebuild."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from archive.migrations import MIGRATIONS
from archive.publish import make_datasette, snapshot
from archive.schema import open_db

FIXTURE = Path(__file__).parent / "fixtures" / "archive-df2aa16.sql"
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


def old_archive(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(root / "archive.db")
    conn.executescript(FIXTURE.read_text(encoding="utf-8"))
    conn.close()
    return root


def test_the_fixture_is_the_first_release(tmp_path):
    db = sqlite3.connect(old_archive(tmp_path) / "archive.db")
    tables = {r[0] for r in db.execute("select name from sqlite_master where type = 'table'")}
    assert {"agencies", "reports", "report_texts", "report_values"} <= tables
    assert "_sqlite_migrations" not in tables
    assert db.execute("select count(*) from reports").fetchone()[0] == 6


def test_an_old_archive_is_migrated_not_rebuilt(tmp_path):
    root = old_archive(tmp_path)
    old = sqlite3.connect(root / "archive.db")
    old_values = {
        r[0]: r[1:]
        for r in old.execute(
            "select report_id, count(*), sum(value) from report_values group by report_id"
        )
    }
    old_rows = {r[0]: r[1:] for r in old.execute("select id, sha256, title from reports")}
    old.close()

    db = open_db(root)
    assert [m.name for m in MIGRATIONS.applied(db)] == [
        "m001_first_release",
        "m002_reports_apart",
        "m003_parts_and_members",
        "m004_provenance",
    ]
    assert not MIGRATIONS.pending(db)
    # the three reports are reports, with their ids; the landing page, the notice and the
    # broken file are other documents, with theirs
    reports = {r["id"]: r for r in db.query("select * from reports")}
    assert set(reports) == {1, 2, 4}
    others = {r["id"]: r for r in db.query("select * from other_documents")}
    assert {i: r["kind"] for i, r in others.items()} == {
        3: "landing_page",
        5: "notice",
        6: "unreadable",
    }
    assert others[6]["parse_status"] == "parse_error" and others[6]["error"]
    for rid, r in reports.items():
        assert (r["sha256"], r["title"]) == old_rows[rid]
        n, total = db.execute(
            "select count(*), sum(value) from report_values where report_id = ?", [rid]
        ).fetchone()
        assert (n, total) == old_values[rid]
    # numbers are integers now, bodies have a place, the text is stored once
    assert {
        r[0]
        for r in db.execute(
            "select distinct typeof(value) from report_values where value is not null"
        )
    } == {"integer"}
    assert {r[0] for r in db.execute("select distinct typeof(received) from report_figures")} == {
        "integer"
    }
    bodies = {
        r["name"]: r for r in db.query("select name, place, province, county, level from bodies")
    }
    assert bodies == {
        name: {
            "name": name,
            "place": "371581",
            "province": "山东省",
            "county": "临清市",
            "level": "乡镇街道",
        }
        for name in ("城关镇人民政府", "临清市大辛庄街道办事处")
    }
    text = db.execute(
        "select text, sections, record from document_texts t join reports r "
        "on r.sha256 = t.sha256 where r.id = 1"
    ).fetchone()
    assert "sections" not in json.loads(text[2])
    assert len(json.loads(text[1])) == 6
    # search works on the new index; the old tables are gone
    hits = {
        r[0]
        for r in db.execute("select rowid from reports_fts where reports_fts match ?", ['"复议"'])
    }
    assert hits == {1, 2, 4}
    assert not {"agencies", "report_texts", "refile_queue"} & set(db.table_names())
    db.close()
    # opening it again changes nothing
    again = open_db(root)
    assert again.execute("select count(*) from reports").fetchone()[0] == 3
    again.close()


async def test_a_migrated_archive_is_served(tmp_path):
    root = old_archive(tmp_path)
    path = snapshot(root)  # the snapshot is migrated too (the archive is only read)
    ds = make_datasette(path, archive=root)
    page = await ds.client.get("/ogi/reports/4")
    assert page.status_code == 200 and "城关镇人民政府" in page.text
    rows = (await ds.client.get("/ogi/reports.json?_shape=array&_search=复议")).json()
    assert sorted(r["id"] for r in rows) == [1, 2, 4]
