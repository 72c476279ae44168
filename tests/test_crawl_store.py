"""The capture store (archive/captures.py) used directly."""

from __future__ import annotations

import hashlib
import random
import sqlite3

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.captures import CaptureStore
from wacz_check import assert_index_as_cdxj_indexer  # tests/wacz_check.py


def test_bodies_stored_once_by_sha256(tmp_path):
    store = CaptureStore(tmp_path)
    sha, new = store.store_body(b"%PDF-1.4 report")
    assert new and sha == hashlib.sha256(b"%PDF-1.4 report").hexdigest()
    assert store.store_body(b"%PDF-1.4 report") == (sha, False)
    assert store.read_blob(sha) == b"%PDF-1.4 report"
    assert (tmp_path / "blobs" / sha[:2] / sha).is_file()
    assert [d["path"] for d in store.db["documents"].rows] == [f"blobs/{sha[:2]}/{sha}"]
    with pytest.raises(ValueError):
        store.read_blob("../../etc/passwd")


def test_schema_wal_and_indexes(tmp_path):
    CaptureStore(tmp_path).close()
    db = sqlite3.connect(tmp_path / "archive.db")
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in db.execute("select name from sqlite_master where type='table'")}
    assert {"portals", "crawl_runs", "captures", "documents", "change_events"} <= tables
    idx = " ".join(
        r[0] or "" for r in db.execute("select sql from sqlite_master where type = 'index'")
    )
    for col in ("sha256", "url", "portal", "crawl_id"):
        assert f'ON "captures" ("{col}")' in idx
    assert 'ON "captures" ("crawl_id", "portal")' in idx
    assert 'ON "change_events" ("portal", "crawl_id")' in idx


def test_lookups_by_url_and_portal_do_not_read_the_whole_crawl(tmp_path):
    """The per-request lookups of a resumed crawl, and the per-portal ones of a crawl's
    conclusion, go through an index on what they look for (the URL, the crawl and portal),
    not through the crawl's rows alone: each would read the whole crawl, once a request or a
    portal (bench/conclude.py)."""
    store = CaptureStore(tmp_path)
    for i in range(50):
        store.add_capture(crawl_id="c1", portal=f"p{i % 5}", url=f"http://x/{i}", kind="detail")
    plans = []

    def explain(sql):
        if "sqlite_master" not in sql and sql.lstrip().lower().startswith("select"):
            plans.append((sql, [r[3] for r in store.db.conn.execute("explain query plan " + sql)]))

    store.db.conn.set_trace_callback(explain)  # the statements as run, their values inlined
    store.capture_in_run("c1", "http://x/3", None)
    store.has_row("c1", "http://x/3", "robots_denied", None)
    store.live_report_urls("p1")
    store.events("c1", "p1")
    store.db.conn.set_trace_callback(None)
    assert len(plans) == 4
    for sql, plan in plans:
        assert any("USING INDEX" in step or "USING COVERING INDEX" in step for step in plan), sql
        assert not any(step.startswith("SCAN") for step in plan), (sql, plan)
        assert not any("(crawl_id=?)" in step for step in plan), (sql, plan)


def test_a_crawls_rows_in_order_are_read_without_sorting(tmp_path):
    """A crawl's rows in id order (WARC repair, WACZ pages, datasette's captures?crawl_id=,
    a crawl's first row) come from the crawl_id index as they lie, not sorted from the
    (crawl_id, portal) one: a sort reads the whole crawl before the first row."""
    store = CaptureStore(tmp_path)
    for i in range(50):
        store.add_capture(crawl_id=f"c{i % 2}", portal=f"p{i % 5}", url=f"http://x/{i}")
    for sql in (
        "select * from captures where crawl_id = 'c1' order by id",
        "select * from captures where crawl_id = 'c1' order by id limit 101",
        "select min(id) from captures where crawl_id = 'c1'",
        "select * from captures where crawl_id = 'c1' and warc_offset is not null order by id",
    ):
        plan = [r[3] for r in store.db.conn.execute("explain query plan " + sql)]
        assert not any("TEMP B-TREE" in step for step in plan), (sql, plan)
        assert any("idx_captures_crawl_id " in step for step in plan), (sql, plan)
    assert [c["url"] for c in store.captures("c1")] == [f"http://x/{i}" for i in range(1, 50, 2)]
    plan = [
        r[3]
        for r in store.db.conn.execute(
            "explain query plan select * from captures where crawl_id = 'c1' and portal = 'p1'"
        )
    ]
    assert any("(crawl_id=? AND portal=?)" in step for step in plan), plan


def test_runs_captures_events_and_warc(tmp_path):
    store = CaptureStore(tmp_path)
    store.open_run("c1", {"sources": "x"})
    sha, _ = store.store_body(b"<html>v1</html>")
    wf, off = store.warc.write(
        "c1",
        "http://127.0.0.2/a.html",
        "GET",
        [("User-Agent", "t")],
        b"",
        200,
        "OK",
        [("ETag", '"v1"')],
        b"<html>v1</html>",
        "2026-01-01T00:00:00.000000Z",
    )
    store.add_capture(
        crawl_id="c1",
        portal="p",
        url="http://127.0.0.2/a.html",
        final_url="http://127.0.0.2/a.html",
        method="GET",
        status=200,
        response_headers=[("ETag", '"v1"')],
        sha256=sha,
        kind="detail",
        is_report=1,
        warc_file=wf,
        warc_offset=off,
    )
    store.record_event("c1", "p", "http://127.0.0.2/a.html", "new", new_sha256=sha)
    store.finish_run("c1", "finished", {}, {"portals": {}})
    assert store.last_capture("http://127.0.0.2/a.html")["sha256"] == sha
    assert store.last_capture("http://127.0.0.2/a.html", before_crawl="c1") is None
    assert store.live_report_urls("p") == {"http://127.0.0.2/a.html": sha}
    store.record_event("c2", "p", "http://127.0.0.2/a.html", "removed", old_sha256=sha)
    assert store.live_report_urls("p") == {}
    assert store.get_run("c1")["status"] == "finished"
    store.close()
    with open(tmp_path / wf, "rb") as fh:
        fh.seek(off)
        recs = [
            (r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for r in ArchiveIterator(fh)
        ]
    assert recs == [("response", "http://127.0.0.2/a.html"), ("request", "http://127.0.0.2/a.html")]
    with pytest.raises(ValueError):
        CaptureStore(tmp_path).warc.path("../evil")


# What live_report_urls means, written as SQL (it was this query, one correlated subquery an
# event, before it became one pass over the portal's events).
_LIVE_SQL = """
select e.url, e.new_sha256 from change_events e
where e.portal = ? and e.id = (select max(id) from change_events where url = e.url
                                and portal = e.portal)
  and e.event != 'removed'
  and not exists (select 1 from change_events m where m.portal = e.portal
                  and m.event = 'moved' and m.from_url = e.url and m.id > e.id)"""


def test_live_report_urls_means_what_its_sql_says(tmp_path):
    """Over a history of new, changed, moved (within and across portals, and back again),
    removed and returning reports, the one-pass live_report_urls answers as the SQL does;
    also for rows no crawl writes but a hand-edited archive may hold (an empty or NULL url,
    a NULL event)."""
    rng = random.Random(16)
    store = CaptureStore(tmp_path)
    urls = [f"http://x/{i}" for i in range(40)] + [""]
    for crawl in range(12):
        for _ in range(60):
            portal = rng.choice(["p1", "p2", "p3"])
            url = rng.choice(urls)
            event = rng.choice(["new", "changed", "moved", "removed", "unchanged"])
            from_url = rng.choice(urls) if event == "moved" else None
            sha = None if event == "removed" else f"{rng.getrandbits(64):016x}"
            store.record_event(f"c{crawl}", portal, url, event, new_sha256=sha, from_url=from_url)
    store.record_event("c12", "p3", "", "changed", new_sha256="d")
    store.record_event("c12", "p3", "http://x/2", "moved", new_sha256="e", from_url="")
    store.db.execute(
        "insert into change_events (crawl_id, portal, url, event, new_sha256) values"
        " ('c12', 'p1', null, 'new', 'a'), ('c12', 'p2', 'http://x/0', null, 'b'),"
        " ('c12', 'p2', 'http://x/1', null, 'c')"
    )
    seen = 0
    for portal in ("p1", "p2", "p3", "none"):
        want = {r[0]: r[1] for r in store.db.execute(_LIVE_SQL, [portal])}
        assert store.live_report_urls(portal) == want, portal
        seen += len(want)
    assert 20 < seen < 120  # some removed or moved away, some live, in every portal


def test_repair_warc_cuts_a_torn_tail_and_writes_lost_records_again(tmp_path):
    store = CaptureStore(tmp_path)
    urls = [f"http://127.0.0.2/{i}.pdf" for i in range(3)]
    for i, url in enumerate(urls):
        body = bytes([i]) * 50_000
        sha, _ = store.store_body(body)
        wf, off = store.warc.write(
            "c1", url, "GET", [], b"", 200, "OK", [], body, "2026-01-01T00:00:00.000000Z"
        )
        store.add_capture(
            crawl_id="c1",
            url=url,
            final_url=url,
            method="GET",
            status=200,
            sha256=sha,
            warc_file=wf,
            warc_offset=off,
            kind="attachment",
        )
    rows = store.captures("c1")
    path = tmp_path / rows[0]["warc_file"]
    with open(path, "r+b") as fh:  # the second pair torn, the third lost with it
        fh.truncate(rows[1]["warc_offset"] + 300)
    done = store.repair_warc("c1")
    assert done["rewritten"] == 2 and done["cut_bytes"] == 300
    store.close()
    store = CaptureStore(tmp_path)
    with open(path, "rb") as fh:
        it = ArchiveIterator(fh)
        got = []
        for r in it:  # the content first: warcio's get_record_offset() skips it
            digest = hashlib.sha256(r.content_stream().read()).hexdigest()
            got.append(
                (
                    r.rec_type,
                    r.rec_headers.get_header("WARC-Target-URI"),
                    it.get_record_offset(),
                    digest,
                )
            )
    assert [u for t, u, _, _ in got if t == "response"] == urls
    offsets = {u: o for t, u, o, _ in got if t == "response"}
    for c in store.captures("c1"):
        assert abs(offsets[c["url"]] - c["warc_offset"]) <= 4  # warcio's offsets are near
        assert c["sha256"] in {d for t, u, _, d in got if u == c["url"] and t == "response"}
    # the index written with the WARC lost the torn pairs' lines and has the rewritten ones
    (tmp_path / "cmp").mkdir()
    lines = assert_index_as_cdxj_indexer(store, "c1", tmp_path / "cmp")
    assert len(lines) == 3


def write_pair(store, crawl_id, url, **kw):
    args = {
        "method": "GET",
        "request_headers": [],
        "request_body": b"",
        "status": 200,
        "reason": "OK",
        "response_headers": [("Content-Type", "text/html; charset=utf-8")],
        "body": b"<html>x</html>",
        "fetched_at": "2026-01-01T00:00:00.000000Z",
        **kw,
    }
    return store.warc.write(crawl_id, url, **args)


def test_index_written_with_the_warc_reads_fields_as_cdxj_indexer_does(tmp_path):
    """POST bodies in the urlkey, referrer and cookie of the request, non-ASCII header values
    (warcio %-encodes them), values with spaces at their edges, no Content-Type, a
    truncated record, a PDF stored in its member: the same lines as cdxj-indexer reads."""
    store = CaptureStore(tmp_path)
    html = [("Content-Type", "text/html; charset=utf-8")]
    write_pair(
        store,
        "c1",
        "http://127.0.0.2/a.html?x=1",
        request_headers=[("Referer", "http://127.0.0.2/"), ("Cookie", "s=1; t=2")],
    )
    write_pair(
        store,
        "c1",
        "http://127.0.0.2/search",
        method="POST",
        request_headers=[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Content-Length", "21"),
        ],
        request_body="q=%E6%8A%A5%E5%91%8A&y=2023".encode()[:21],
    )
    write_pair(
        store,
        "c1",
        "http://127.0.0.2/api",
        method="PUT",
        request_headers=[("Content-Type", "application/json")],
        request_body=b'{"page": 2, "kw": "\xe5\xb9\xb4\xe6\x8a\xa5"}',
    )
    write_pair(
        store,
        "c1",
        "http://127.0.0.2/%E6%8A%A5%E5%91%8A/2023.html",  # Scrapy sends URLs %-encoded
        request_headers=[("Referer", "http://127.0.0.2/列表.html"), ("Cookie", "")],
        response_headers=[
            ("Content-Type", "  text/html ;charset=gb2312  "),
            ("Content-Disposition", 'attachment; filename="年度报告.pdf"'),
            ("X-Note", "值"),
        ],
    )
    write_pair(store, "c1", "http://127.0.0.2/none", response_headers=[], body=b"")
    write_pair(
        store,
        "c1",
        "http://127.0.0.2/r.pdf",
        response_headers=[("Content-Type", "application/pdf")],
        body=b"%PDF-1.4\n" + bytes(range(256)) * 200,
        truncated="disconnect",
    )
    write_pair(
        store,
        "c1",
        "http://127.0.0.2/old.html",
        status=304,
        reason="Not Modified",
        response_headers=html,
        body=b"",
    )
    write_pair(store, "c1", "http://127.0.0.2/gone", status=404, reason="", response_headers=[])
    store.close()
    (tmp_path / "cmp").mkdir()
    lines = assert_index_as_cdxj_indexer(CaptureStore(tmp_path), "c1", tmp_path / "cmp")
    assert len(lines) == 8
    assert any("__wb_method=post" in x and '"requestBody": "q=' in x for x in lines)
    assert any(
        '"referrer": "http://127.0.0.2/' in x and '"req.http:cookie": "s=1' in x for x in lines
    )


def test_a_stale_index_falls_back_to_indexing_the_warc_again(tmp_path):
    """A WARC the index does not cover (written before the index existed, or gathered from a
    node that wrote none) is packaged by `wacz create`, which indexes it again."""
    import zipfile

    from crawler.wacz import StaleIndex, package, read_index, validate, write_wacz

    store = CaptureStore(tmp_path)
    for i in range(3):
        write_pair(store, "c1", f"http://127.0.0.2/{i}.html")
    store.close()
    store = CaptureStore(tmp_path)
    entries = read_index(store, "c1")
    assert len(entries) == 3
    index = store.warc.index_path("c1")
    lines = index.read_bytes().splitlines(True)
    for broken, why in [
        (lines[1:], "starts at"),
        (lines[:2], "ends at byte"),
        (lines[:2] + [lines[2][:-5]], "torn"),
        (lines + lines[2:], "starts at"),
    ]:
        index.write_bytes(b"".join(broken))
        with pytest.raises(StaleIndex, match=why):
            package(store, "c1", tmp_path / "x.wacz")
        out = write_wacz(store, "c1")
        assert validate(out)[0]
        with zipfile.ZipFile(out) as z:  # wacz create's order: the indexes first
            assert z.namelist()[0] == "indexes/index.cdx.gz"
    index.unlink()
    with pytest.raises(StaleIndex, match="no index"):
        package(store, "c1", tmp_path / "x.wacz")
    # an index line naming another record than the one at its offset
    other = lines[1].replace(b"urn:uuid:", b"urn:uuid:0", 1)
    index.write_bytes(lines[0] + other + lines[2])
    with pytest.raises(StaleIndex, match="no record"):
        package(store, "c1", tmp_path / "x.wacz")
    assert not (tmp_path / "x.wacz.part").exists()


def test_a_pair_whose_index_line_fails_is_kept_and_not_packaged_from_the_index(tmp_path, caplog):
    """A multipart POST whose body cdxj-indexer cannot parse: the pair is written and the
    writer goes on (the capture is filed, the next pairs indexed); the index has a gap, so the
    WACZ is not packaged from it. (`wacz create`, the fallback, stops on the same body: the
    crawl then stands without its package, logged, as before the index was written.)"""
    from crawler.wacz import StaleIndex, package

    store = CaptureStore(tmp_path)
    write_pair(store, "c1", "http://127.0.0.2/0.html")
    bad = {"Content-Type": "multipart/form-data; boundary=x"}
    wf, off = write_pair(
        store,
        "c1",
        "http://127.0.0.2/list",
        method="POST",
        request_headers=list(bad.items()),
        request_body=b"--x\r\nnot a part",
    )
    assert off > 0 and "no index line for POST http://127.0.0.2/list" in caplog.text
    write_pair(store, "c1", "http://127.0.0.2/2.html")
    store.close()
    store = CaptureStore(tmp_path)
    assert len(store.warc.index_path("c1").read_bytes().splitlines()) == 2
    with pytest.raises(StaleIndex, match="starts at"):
        package(store, "c1", tmp_path / "x.wacz")


def test_a_later_failed_capture_does_not_unset_a_report_current(tmp_path):
    """A truncated body (or a refused bomb) has status 200 and a sha256 but is no edition of
    the report: the report stays current."""
    from archive.schema import open_db
    from archive.store import refresh_current
    from archive.testing import add_report

    url = "http://127.0.0.2/r.html"
    from synthetic.report import generate_report

    rep = generate_report(3)
    add_report(tmp_path, record=rep.record, text=rep.title, url=url, portal="p")
    store = CaptureStore(tmp_path)
    sha, _ = store.store_body(b"<html>half")
    store.add_capture(
        crawl_id="c2",
        portal="p",
        url=url,
        final_url=url,
        status=200,
        sha256=sha,
        kind="detail",
        is_report=0,
        error="truncated: connection closed after 10 of 20 bytes",
    )
    store.close()
    db = open_db(tmp_path)
    refresh_current(db)
    assert [r["current"] for r in db.query("select current from reports")] == [1]


def test_index_of_many_records_is_cut_into_blocks_as_wacz_create_cuts_it(tmp_path):
    """More lines than one gzip block of index.cdx.gz holds (wacz.main.DEFAULT_NUM_LINES):
    index.idx lists the same blocks, sorted lines spread over them the same way."""
    from crawler.wacz import INDEX_LINES

    store = CaptureStore(tmp_path)
    for i in range(INDEX_LINES + 200):
        write_pair(store, "c1", f"http://127.0.0.{2 + i % 3}/p/{i * 7919 % 1237}.html")
    store.close()
    (tmp_path / "cmp").mkdir()
    lines = assert_index_as_cdxj_indexer(CaptureStore(tmp_path), "c1", tmp_path / "cmp")
    assert len(lines) == INDEX_LINES + 200
