"""The downloaded database works on its own: the query docs/archive.md gives for plain `sqlite3`
finds, with stock SQLite (no plugin, no functions of ours), exactly the reports the archive's
own search finds."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from archive import search
from archive.publish import snapshot
from archive.testing import add_report, finish, report_text
from synthetic.report import generate_report

DOCS = Path(__file__).resolve().parents[1] / "docs" / "archive.md"
TERMS = ["依申请公开", "复议", "行政复议", "泄密", "不予公开", "没有这个词"]


def documented_query() -> str:
    text = DOCS.read_text(encoding="utf-8")
    m = re.search(r"<!-- plain-sqlite-query[^>]*-->\s*```sql\n(.*?)```", text, re.S)
    assert m, "docs/archive.md lost its plain sqlite3 query"
    return m.group(1)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    root = tmp_path_factory.mktemp("plain")
    for i, extra in enumerate(["本年度未发生泄密事件。", "", "依申请公开工作平稳。"]):
        rep = generate_report(900 + i, year=2021 + i)
        add_report(
            root,
            record=rep.record,
            text=report_text(rep) + extra,
            url=f"http://p.test/{i}.html",
            portal="p",
        )
    finish(root)
    return snapshot(root)


def _query(term: str) -> str:
    sql = documented_query()
    assert "'依申请公开'" in sql
    return sql.replace("'依申请公开'", "'" + term + "'")


@pytest.mark.parametrize("term", TERMS)
def test_the_documented_query_with_stock_sqlite(published, term):
    conn = sqlite3.connect(f"file:{published}?mode=ro", uri=True)  # nothing registered
    got = {row[0] for row in conn.execute(_query(term))}
    want = {
        r[0]
        for r in conn.execute(
            "SELECT rowid FROM reports_fts WHERE reports_fts MATCH ?", (search.match_query(term),)
        )
    }
    assert got == want
    texts = {
        rid: t
        for rid, t in conn.execute(
            "SELECT r.id, d.text FROM reports r JOIN document_texts d ON d.sha256 = r.sha256"
        )
    }
    assert got == {rid for rid, t in texts.items() if term in t}
    # the plain MATCH of the term itself finds nothing: the index holds character pairs
    if len(term) > 2:
        assert not conn.execute(
            "SELECT rowid FROM reports_fts WHERE reports_fts MATCH ?", (term,)
        ).fetchall()


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="no sqlite3 command")
def test_the_documented_query_in_the_sqlite3_command(published):
    out = subprocess.run(
        ["sqlite3", "-readonly", str(published), _query("泄密")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("\n") == 1 and "|" in out.stdout
