"""A public `ogi serve` under hostile requests, run for real (datasette under uvicorn in its own
process, watched from /proc): no request takes the server's memory past SERVER_MAX_MB, a query
is cut at the time limit even inside the plugin's Python SQL functions, a malformed address is
a 4xx, each bad request leaves one line in the log, and nothing of the host is published.

(bench/serve.py prints each case's time and memory, before and after.)"""

from __future__ import annotations

import json
import sys

import pytest

from served import Served, public_archive

SERVER_MAX_MB = 400  # peak resident size through any one request (at rest: about 65 MB)
DOWNLOAD_MAX_MB = 64  # what sending a 200 MB raw capture may add to it
BIG_MB = 200

REC = "with recursive c(x) as (select 1 union all select x + 1 from c{}) select x from c"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("public") / "archive"
    info = public_archive(root, big_mb=BIG_MB)
    with Served(root) as s:
        s.info = info
        s.private = [str(root.resolve().parent), sys.base_prefix, "10.9.8.7"]
        yield s


def test_serve_says_where_to_look_and_how_to_stop(served):
    base = served.base
    said = "\n".join(served.startup)
    for url in (f"{base}/ogi/reports", f"{base}/ogi/search", f"{base}/-/dashboards/overview"):
        assert url in said, said
    assert served.startup[-1] == "Press Ctrl-C to stop."
    assert served.get("/ogi/search?q=%E5%A4%8D%E8%AE%AE")[0] == 200
    assert served.get("/-/dashboards/overview")[0] == 200


def _ask(s: Served, path: str = None, sql: str = None):
    s.reset_peak()
    status, _, body, size = s.fetch(path, keep=200_000) if path else s.sql(sql, keep=200_000)
    lines = s.log_lines()
    assert s.peak_mb() < SERVER_MAX_MB, (path or sql, s.peak_mb())
    return status, body, size, lines


def _error(body: bytes) -> str:
    return json.loads(body)["error"]


@pytest.mark.parametrize(
    "sql,error",
    [
        # the plugin's SQL functions refuse long input before doing any work
        ("select length(ogi_match(printf('%.*c', 10000000, '复')))", "string or blob too big"),
        ("select length(escape_fts(printf('%.*c', 10000000, '复')))", "string or blob too big"),
        (
            "select length(ogi_snippet('复议', printf('%.*c', 10000000, '复')))",
            "string or blob too big",
        ),
        ("select ogi_hits('reports', printf('%.*c', 5000000, '复'))", "string or blob too big"),
        # SQLite's own functions stop at the length limit
        ("select hex(zeroblob(400000000))", "string or blob too big"),
        (
            "select length(group_concat(hex(zeroblob(1000000)))) from ("
            + REC.format(" limit 500")
            + ")",
            "string or blob too big",
        ),
        # a result is bounded however many rows of whatever size are asked for
        (
            "select x, hex(randomblob(500000)) from (" + REC.format(" limit 1000") + ")",
            "result too large",
        ),
        # cut at the time limit: by SQLite's steps, and between calls of a Python function
        ("select count(*) from (" + REC.format("") + ")", "SQL query took too long"),
        (
            "select count(ogi_match('复议' || x)) from (" + REC.format("") + ")",
            "SQL query took too long",
        ),
        (
            "select count(ogi_snippet(printf('%.*c', 1000000, '复') || x, '议')) from ("
            + REC.format("")
            + ")",
            "SQL query took too long",
        ),
        ("select nothing from nowhere", "syntax error"),
    ],
)
def test_hostile_query_is_refused_within_bounds(served, sql, error):
    status, body, _, lines = _ask(served, sql=sql)
    assert status == 400 and error in _error(body), body[:300]
    assert len(lines) == 1 and " 400 GET /ogi.json?sql=" in lines[0], lines  # one log line


def test_the_issues_queries_cost_nothing(served):
    """The two queries of the issue: SQLite's printf stops at the length limit (NULL), and
    ogi_match of nothing is at once the empty phrase."""
    for sql in (
        "select length(ogi_match(printf('%.*c', 50000000, '复')))",
        "select length(ogi_snippet(printf('%.*c', 50000000, '复'), '复'))",
    ):
        status, body, _, _ = _ask(served, sql=sql)
        assert status == 200, body[:300]


def test_facets_and_search_box_stay_bounded(served):
    status, body, _, _ = _ask(
        served,
        path="/ogi/reports.json?_facet=title&_facet=url&_facet=body&_facet=sha256&_facet_size=max",
    )
    assert status == 200
    facets = json.loads(body)["facet_results"]
    assert all(len(f["results"]) <= 1000 for f in facets.values())
    status, body, _, lines = _ask(
        served, path="/ogi/reports.json?_search=" + "%E5%A4%8D%E8%AE%AE" * 3000
    )
    assert status == 400 and "Search too long" in _error(body) and len(lines) == 1


@pytest.mark.parametrize(
    "path,status",
    [
        ("/..", 404),
        ("/ogi..json", 404),
        ("/ogi/reports..json", 404),
        ("/ogi/reports/..", 404),
        ("/ogi/reports/1..2", 404),
        ("/-/ogi/raw/..", 404),
        ("/-/ogi/raw/~2E~2E~2F~2E~2E~2Fetc", 404),
        ("/ogi/reports?_sort=%ff", 400),
        ("/ogi/reports/%E0%A4%A", 400),
        ("/ogi/%ZZ", 400),
        ("/ogi/reports/%ff%fe", 400),
        ("/ogi/reports?_through=x", 400),
        ("/ogi/reports?_through=%7B%22table%22%3A%22x%22%7D", 400),
        ("/ogi/reports?_timelimit=x", 400),
        ("/ogi/reports?_sort=nothing", 400),
        ("/ogi/reports?_facet_date=nothing", 400),
    ],
)
def test_malformed_address_is_a_4xx_with_one_log_line(served, path, status):
    got, body, _, lines = _ask(served, path=path)
    assert got == status, body[:500]
    assert len(lines) == 1 and f" {status} GET " in lines[0], lines
    assert "Traceback" not in lines[0] and "locals" not in lines[0]


def test_feed_of_a_province_without_reports(served):
    status, headers, body = served.get("/ogi/feed.atom?province=%E5%8C%97%E4%BA%AC%E5%B8%82")
    assert status == 200 and headers["content-type"].startswith("application/xml")
    assert "暂无报告".encode() in body


def test_raw_capture_streams_from_disk(served):
    served.reset_peak()
    rest = served.rss_mb()
    status, headers, _, size = served.fetch(f"/-/ogi/raw/{served.info['big']}.pdf", keep=0)
    assert status == 200 and size == BIG_MB << 20 == int(headers["content-length"])
    assert headers["content-disposition"].startswith("attachment")
    assert served.peak_mb() - rest < DOWNLOAD_MAX_MB, (rest, served.peak_mb())


@pytest.mark.parametrize(
    "path",
    [
        "/-/metadata.json",
        "/-/databases.json",
        "/-/threads.json",
        "/-/settings.json",
        "/-/plugins.json",
        "/-/versions.json",
        "/ogi/crawl_runs.json?_shape=array",
        "/ogi/portals.json?_shape=array",
        "/ogi.json?sql=select+*+from+pragma_database_list",
        "/ogi/captures.json?_shape=array",
        "/ogi/crawl_jobs.json?_shape=array",
    ],
)
def test_nothing_of_the_host_is_published(served, path):
    _, body, _, _ = _ask(served, path=path)
    for private in served.private:
        assert private.encode() not in body, (path, private)


def test_the_registry_is_named_by_its_file_name(served):
    _, body, _, _ = _ask(served, path="/ogi/crawl_runs.json?_shape=array")
    assert json.loads(json.loads(body)[0]["options"])["sources"] == "sources.yaml"
    _, body, _, _ = _ask(served, path="/ogi/portals.json?_shape=array")
    assert json.loads(body)[0]["source_file"] == "sources.yaml"
