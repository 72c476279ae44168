"""A body is its name and its place: two 城关镇人民政府 of different counties stay two bodies in the
tables, the pages, the rankings and the cross-year check."""

from __future__ import annotations

import copy
import sqlite3

import pytest

from archive.bodies import body_of, locate
from archive.captures import CaptureStore
from archive.publish import make_datasette, snapshot
from archive.testing import add_portal, add_report, finish, report_text
from synthetic.report import generate_report

pytestmark = pytest.mark.anyio
TOWN = "城关镇人民政府"
CLEAN = dict(arithmetic_errors=False, truncate=None, blanks=False, units=False, cell_noise=False)


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.parametrize(
    "name,portal,code",
    [
        ("临清市人民政府", "371581", "371581"),
        ("临清市大辛庄街道办事处", "371581", "371581"),
        ("城关镇人民政府", "371581", "371581"),  # the name says no place: the portal's
        ("临清市教育局", "371500", "371581"),  # found on the city's portal, the county's body
        ("聊城市教育局", "371581", "371500"),
        ("山东省教育厅", "371581", "370000"),
        ("冠县人民政府", "371581", "371525"),
        ("东阳市教育局", "371581", "371581"),  # another province's name is not read
        ("朝阳区人民政府", "110105", "110105"),  # a municipality's district
        ("长春市朝阳区人民政府", "220102", "220104"),
        ("城关镇人民政府", None, None),
    ],
)
def test_the_place_a_name_gives(name, portal, code):
    assert locate(name, portal) == code


def test_level_and_parent():
    county = {
        "name": "临清市人民政府",
        "region_code": "371581",
        "level": "县",
        "parent": "聊城市人民政府",
    }
    assert body_of("临清市人民政府", county)["level"] == "县"
    assert body_of("临清市人民政府", county)["parent"] == "聊城市人民政府"
    town = body_of(TOWN, county)
    assert (town["level"], town["parent"], town["place"]) == (
        "乡镇街道",
        "临清市人民政府",
        "371581",
    )
    assert body_of("临清市教育局", county)["level"] == "部门"
    portal = {**county, "name": "临清市政府门户网站"}  # a portal named otherwise
    assert body_of("临清市人民政府", portal)["parent"] == "聊城市人民政府"
    assert body_of("临清市教育局", portal)["parent"] == "临清市政府门户网站"
    nowhere = body_of(TOWN, {"name": "某门户"})
    assert nowhere["place"] == "某门户" and nowhere["region_code"] is None
    assert body_of(None, county) is None


@pytest.fixture(scope="module")
def two_towns(tmp_path_factory):
    """城关镇人民政府 of 临清市 (2020, 2021) and of 东阳市 (2021), on their counties' portals; the
    东阳 report's carried-over numbers equal 临清's 2020 carried-forward, the 临清 2021 report's
    do not."""
    root = tmp_path_factory.mktemp("towns")
    store = CaptureStore(root)
    add_portal(store, "临清市人民政府", "371581")
    add_portal(store, "东阳市人民政府", "330783")
    r20 = copy.deepcopy(generate_report(31, agency=TOWN, year=2020, **CLEAN).record)
    forward = r20["tables"]["requests"]["carried_forward"]
    ids = {}
    ids["lq2020"] = add_report(
        root,
        record=r20,
        text=TOWN + "2020",
        url="http://lq.test/1",
        portal="临清市人民政府",
        store=store,
    )
    for key, portal, seed in (("lq2021", "临清市人民政府", 32), ("dy2021", "东阳市人民政府", 33)):
        rep = generate_report(seed, agency=TOWN, year=2021, **CLEAN)
        rec = copy.deepcopy(rep.record)
        if key == "dy2021":
            rec["tables"]["requests"]["carried_over"] = dict(forward)
        else:
            rec["tables"]["requests"]["carried_over"] = {k: v + 1 for k, v in forward.items()}
        ids[key] = add_report(
            root,
            record=rec,
            text=report_text(rep),
            portal=portal,
            url=f"http://{key}.test/",
            store=store,
        )
    store.close()
    finish(root)
    return root, snapshot(root), ids


def test_two_towns_are_two_bodies(two_towns):
    root, path, ids = two_towns
    db = sqlite3.connect(path)
    bodies = db.execute(
        "select id, county from bodies where name = ? order by county", (TOWN,)
    ).fetchall()
    assert [c for _, c in bodies] == ["东阳市", "临清市"]
    body_of_report = dict(db.execute("select id, body_id from reports"))
    assert (
        body_of_report[ids["lq2020"]]
        == body_of_report[ids["lq2021"]]
        != body_of_report[ids["dy2021"]]
    )
    # the cross-year check compares a body with itself only
    rows = db.execute("select report_id, prev_report_id from carryover_mismatches").fetchall()
    assert {r for r, _ in rows} == {ids["lq2021"]}
    assert {p for _, p in rows} == {ids["lq2020"]}


async def test_pages_and_rankings_keep_them_apart(two_towns):
    root, path, ids = two_towns
    ds = make_datasette(path, archive=root)
    rows = (await ds.client.get("/ogi/rank_bodies.json?_shape=array&min_requests=0")).json()
    towns = [r for r in rows if r["body"] == TOWN]
    assert sorted(r["county"] for r in towns) == ["东阳市", "临清市"]
    assert sorted(r["reports"] for r in towns) == [1, 2]
    db = sqlite3.connect(path)
    lq = db.execute("select body_id from reports where id = ?", (ids["lq2021"],)).fetchone()[0]
    page = (await ds.client.get(f"/ogi/bodies/{lq}")).text
    assert page.count('data-year="') == 2 and "临清市" in page
    assert "东阳市" in page  # named as a namesake elsewhere, not counted
    report = (await ds.client.get(f"/ogi/reports/{ids['dy2021']}")).text
    assert "不一致" not in report and "其他年度" not in report  # 东阳's town has one year
