"""The Chinese full-text index: a term matches exactly where it occurs in the text; the reports
table's search box through datasette; the published snapshot."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import urllib.parse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive import search
from archive.publish import facets as publish_facets
from archive.publish.metadata import REPORT_FACETS
from archive.publish import search as publish_search
from archive.publish import make_datasette, snapshot, snapshot_is_current
from archive.testing import add_report, finish, report_text
from synthetic.report import generate_report

TEXTS = [report_text(generate_report(s)) for s in range(3)]
HAN = re.compile(r"[\u4e00-\u9fff]+")


def _db(texts):
    c = sqlite3.connect(":memory:")
    search.create_index(c)
    for i, t in enumerate(texts, 1):
        search.index_row(c, i, "", "", t)
    return c


DB = _db(TEXTS)


def hits(q: str) -> set[int]:
    return {
        r[0]
        for r in DB.execute(
            "select rowid from reports_fts where reports_fts match ?", (search.match_query(q),)
        )
    }


def _alnum(ch: str) -> bool:
    return ch.isalnum() and not HAN.match(ch)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2), st.integers(0, 10_000), st.integers(1, 12))
def test_every_substring_is_found(doc, start, length):
    text = TEXTS[doc]
    i = start % (len(text) - 1)
    j = min(len(text), i + length)
    q = text[i:j]
    # the one documented limit: a query may not cut a run of letters or digits
    if (i > 0 and _alnum(text[i - 1]) and _alnum(text[i])) or (
        j < len(text) and _alnum(text[j - 1]) and _alnum(text[j])
    ):
        return
    if not search.tokens(q):
        return
    assert doc + 1 in hits(q), (q, search.match_query(q))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="政府信息公开复议诉讼泄密申请年度报告", min_size=2, max_size=5))
def test_hanzi_terms_match_exactly_the_texts_that_contain_them(q):
    want = {i for i, t in enumerate(TEXTS, 1) if any(q in run for run in HAN.findall(t))}
    assert hits(q) == want


def test_two_character_words_and_phrases():
    c = _db(["本机关收到行政复议申请3件。", "没有发生泄密事件。", "复议"])

    def h(q):
        return {
            r[0]
            for r in c.execute(
                "select rowid from reports_fts where reports_fts match ?", (search.match_query(q),)
            )
        }

    assert h("复议") == {1, 3}
    assert h("行政复议") == {1}
    assert h("泄密") == {2}
    assert h("泄密事件") == {2}
    assert h("申请3件") == {1}
    assert h("复") == {1, 3}
    assert h("议申") == {1}
    assert h("复议 泄密") == set()
    assert h("") == set() and h("，。") == set()
    assert h('"复议') == {1, 3}  # stray quotes are not FTS syntax errors
    assert h("ＯＲ 复议") == set() and h("AND") == set()  # FTS operators are plain words


def test_unindex_forgets_a_row():
    c = _db(["行政复议"])
    search.unindex_row(c, 1, "", "", "行政复议")
    assert (
        c.execute("select count(*) from reports_fts where reports_fts match '\"复议\"'").fetchone()[
            0
        ]
        == 0
    )


# ---- the search box through datasette (archive/publish/search.py, facets.py) ----------------
SENTENCES = [
    "本年度未发生泄密事件。",
    "依法答复申请人。",
    "工作平稳。",
    "本年度未发生泄密事件。",
    "工作平稳。",
]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("searchbox")
    texts = {}
    for i, sentence in enumerate(SENTENCES):
        rep = generate_report(200 + i, year=2020 + i % 2)
        text = report_text(rep) + "\n" + sentence
        rid = add_report(
            root, record=rep.record, text=text, url=f"http://p.test/{i}.html", portal="p"
        )
        texts[rid] = (rep.record.get("title") or "", text)
    finish(root)
    return root, snapshot(root), texts


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
async def _page(ds, query: str) -> dict:
    r = await ds.client.get("/ogi/reports.json?_size=50&_shape=objects&" + query)
    assert r.status_code == 200, r.text[:500]
    return r.json()


def _facets(data) -> dict:
    return {
        name: ([(v["value"], v["count"]) for v in f["results"]], f["truncated"])
        for name, f in data["facet_results"].items()
    }


def _ids_of(path, ids, where="1") -> set[int]:
    db = sqlite3.connect(path)
    return {r[0] for r in db.execute(f"select id from reports where {where}")} & set(ids)


def _facets_of(path, ids, where="1", size=20) -> dict:
    """The facets of the reports among ids, counted by SQLite as datasette does."""
    db = sqlite3.connect(path)
    keep = sorted(_ids_of(path, ids, where))
    out = {}
    for col in REPORT_FACETS:
        rows = db.execute(
            f"select {col}, count(*) as n from reports where id in "
            f"(select value from json_each(?)) and {col} is not null "
            f"group by {col} order by n desc, {col} limit {size + 1}",
            (json.dumps(keep),),
        ).fetchall()
        out[col] = ([tuple(r) for r in rows[:size]], len(rows) > size)
    return out


@pytest.mark.anyio
@pytest.mark.parametrize(
    "term", ["复议", "政府信息公开", "泄密", "依法答复", "泄密 2020", "平稳", "没有这个词", "复"]
)
async def test_search_box_rows_count_and_facets_are_exact(served, term):
    """Whichever list the filter uses (the matches, or the reports that do not match), the rows,
    the count and the facets are those of the reports whose text contains every word."""
    root, path, texts = served
    publish_search.clear_cache(everything=True)
    ds = make_datasette(path, archive=root)
    words = term.split()
    want = {rid for rid, (_, text) in texts.items() if all(w in text for w in words)}
    for _ in range(2):  # the first request finds the matches, the second reuses them
        data = await _page(ds, "_search=" + urllib.parse.quote(term))
        assert {r["id"] for r in data["rows"]} == want
        assert data["filtered_table_rows_count"] == len(want)
        years = {v["value"]: v["count"] for v in data["facet_results"]["year"]["results"]}
        assert sum(years.values()) == len(want)
        assert _facets(data) == _facets_of(path, want)
        one_year = await _page(ds, "year=2020&_search=" + urllib.parse.quote(term))
        assert _facets(one_year) == _facets_of(path, want, "year = 2020")
        assert one_year["filtered_table_rows_count"] == len(_ids_of(path, want, "year = 2020"))
    sql = data["query"]["sql"]
    assert "ogi_hits" in sql or "ogi_misses" in sql
    if "ogi_misses" in sql:  # the facets were counted by subtraction
        assert any(k[0] == "query" for k in publish_facets._facet_cache)


@pytest.mark.anyio
async def test_table_page_counts_and_facets_are_kept_and_exact(served):
    """On the immutable snapshot a table page's count and facet counts are kept after the first
    request (the whole table's as datasette starts): the same numbers SQLite counts, each page
    its own (pages that differ only in a value too)."""
    from archive.publish import database as publish_database

    root, path, texts = served
    publish_search.clear_cache(everything=True)
    ds = make_datasette(path, archive=root)
    pages = [
        ("", "1"),
        ("year=2021", "year = 2021"),
        ("year=2020", "year = 2020"),
        ("year=2021&check_status=ok", "year = 2021 and check_status = 'ok'"),
    ]
    for _ in range(2):
        for query, where in pages:
            data = await _page(ds, query)
            assert data["filtered_table_rows_count"] == len(_ids_of(path, texts, where)), query
            assert _facets(data) == _facets_of(path, texts, where), query
    assert (
        sum(k[1].startswith("select count(*) from reports where") for k in publish_database._counts)
        == 3
    )
    assert {k[2] for k in publish_facets._facet_cache if k[0] == "table"} >= {""}


@pytest.mark.anyio
async def test_a_broad_search_asked_first_has_its_rows_at_once_and_its_counts_on_reload(
    served, monkeypatch
):
    """A query not yet known whose newest matches show it broad: the first page has exactly
    the rows a full page has, no count, its facets reported as timed out, and says it is still
    counting; the match set is found in the background, and the page asked again is whole."""
    import asyncio

    root, path, texts = served
    publish_search.clear_cache(everything=True)
    monkeypatch.setattr(publish_search, "PROBE", 2)
    monkeypatch.setattr(publish_search, "BROAD_MATCHES", 1)
    ds = make_datasette(path, archive=root)
    term = "公开"  # in every report, and not among the snapshot's stored terms
    assert search.match_query(term) not in {search.match_query(t) for t in search.FREQUENT_TERMS}
    want = {rid for rid, (_, text) in texts.items() if term in text}
    first = await _page(ds, "_search=" + urllib.parse.quote(term))
    assert publish_search.DEFERRED in first["query"]["sql"]
    assert {r["id"] for r in first["rows"]} == want
    assert first["filtered_table_rows_count"] is None
    assert first["facet_results"] == {}
    assert "still counting" in first["human_description_en"]
    publish_search.clear_cache()
    html = (await ds.client.get("/ogi/reports?_search=" + urllib.parse.quote(term))).text
    assert "These facets timed out" in html and "still counting" in html
    for _ in range(200):  # the background thread finds the matches
        if not publish_search._pending:
            break
        await asyncio.sleep(0.02)
    again = await _page(ds, "_search=" + urllib.parse.quote(term))
    assert publish_search.DEFERRED not in again["query"]["sql"]
    assert {r["id"] for r in again["rows"]} == want
    assert again["filtered_table_rows_count"] == len(want)
    assert _facets(again) == _facets_of(path, want)
    # a selective query is found at once, as before
    rare = await _page(ds, "_search=" + urllib.parse.quote("依法答复"))
    assert publish_search.DEFERRED not in rare["query"]["sql"]
    assert rare["filtered_table_rows_count"] is not None


@pytest.mark.parametrize("term", ["公开", "复议", "泄密", "依法答复", "没有这个词"])
def test_match_sets_found_for_a_broad_search_are_the_same(served, term):
    """The background search (`broad`: the misses tried first) keeps the list the search box
    would have made itself, whichever is shorter."""
    root, path, texts = served
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    cfg = {"fts_table": "reports_fts", "table": "reports", "fts_pk": "id"}
    expr = search.match_query(term)
    a = publish_search._compute(conn, None, cfg, expr)
    b = publish_search._compute(conn, None, cfg, expr, broad=True)
    assert (a.form, json.loads(a.json), a.n) == (b.form, json.loads(b.json), b.n)
    want = {rid for rid, (_, text) in texts.items() if term in text}
    assert a.n == len(want)
    assert set(json.loads(a.json)) == (want if a.form == "hits" else set(texts) - want)


@pytest.mark.anyio
async def test_search_box_forms(served):
    root, path, texts = served
    ds = make_datasette(path, archive=root)
    everywhere = (await _page(ds, "_search=" + urllib.parse.quote("复议")))["query"]["sql"]
    assert "not in (select value from json_each(ogi_misses('reports'" in everywhere
    rare = (await _page(ds, "_search=" + urllib.parse.quote("依法答复")))["query"]["sql"]
    assert " in (select value from json_each(ogi_hits('reports'" in rare
    # an empty box filters nothing
    assert (await _page(ds, "_search=+"))["filtered_table_rows_count"] == len(texts)
    # the box is shown
    html = (await ds.client.get("/ogi/reports?_search=" + urllib.parse.quote("泄密"))).text
    assert 'name="_search"' in html and 'value="泄密"' in html


@pytest.mark.anyio
async def test_search_box_column_and_raw_mode(served):
    root, path, texts = served
    ds = make_datasette(path, archive=root)
    in_title = {rid for rid, (title, _) in texts.items() if "2021" in title}
    data = await _page(ds, "_search_title=2021")
    assert {r["id"] for r in data["rows"]} == in_title and in_title
    data = await _page(
        ds, "_search=" + urllib.parse.quote('"泄密" OR "依法 法答"') + "&_searchmode=raw"
    )
    assert {r["id"] for r in data["rows"]} == {
        rid for rid, (_, t) in texts.items() if "泄密" in t or "依法答" in t
    }
    r = await ds.client.get("/ogi/reports.json?_search_nosuchcolumn=x")
    assert r.status_code == 400


@pytest.mark.anyio
async def test_sql_functions(served):
    root, path, texts = served
    ds = make_datasette(path, archive=root)
    r = await ds.client.get(
        "/ogi.json?_shape=array&sql="
        + urllib.parse.quote(
            "select ogi_hits('reports', ogi_match('泄密')) as hits, "
            "ogi_misses('reports', ogi_match('泄密')) as misses"
        )
    )
    row = r.json()[0]
    want = sorted(rid for rid, (_, t) in texts.items() if "泄密" in t)
    assert sorted(json.loads(row["hits"])) == want
    assert sorted(json.loads(row["misses"])) == sorted(set(texts) - set(want))


def test_snapshot_keeps_fts5s_own_match_sets_of_frequent_terms(served):
    """The match sets stored in the snapshot are FTS5's answers, and the search box uses them."""
    root, path, texts = served
    db = sqlite3.connect(path)
    stored = db.execute(f"select expr, form, n, ids from {search.MATCHES_TABLE}").fetchall()
    assert {e for e, *_ in stored} >= {search.match_query(t) for t in ["政府信息公开", "复议"]}
    every = {r[0] for r in db.execute("select id from reports")}
    for expr, form, n, ids in stored:
        want = {
            r[0]
            for r in db.execute("select rowid from reports_fts where reports_fts match ?", (expr,))
        }
        got = set(json.loads(ids))
        assert (got if form == "hits" else every - got) == want and n == len(want), expr
    key = ("k",)
    cfg = {"fts_table": "reports_fts", "fts_pk": "id", "table": "reports"}
    m = publish_search._precomputed(db, key, cfg, search.match_query("政府信息公开"))
    assert m is not None and m.n == len(texts)
    assert publish_search._precomputed(db, key, cfg, search.match_query("平稳")) is None
    assert publish_search._precomputed(db, None, cfg, search.match_query("复议")) is None


def test_snapshot_is_kept_while_the_archive_is_unchanged(tmp_path):
    rep = generate_report(300)
    add_report(
        tmp_path, record=rep.record, text=report_text(rep), url="http://p.test/a", portal="p"
    )
    finish(tmp_path)
    path = snapshot(tmp_path)
    made = os.stat(path).st_mtime_ns
    assert snapshot_is_current(tmp_path)
    assert os.stat(snapshot(tmp_path)).st_mtime_ns == made  # kept
    rep = generate_report(301)
    add_report(
        tmp_path, record=rep.record, text=report_text(rep), url="http://p.test/b", portal="p"
    )
    assert not snapshot_is_current(tmp_path)
    path = snapshot(tmp_path)
    db = sqlite3.connect(path)
    assert db.execute("select count(*) from reports").fetchone()[0] == 2
    assert db.execute("pragma journal_mode").fetchone()[0] == "delete"
