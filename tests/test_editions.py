"""One report, several copies: which edition represents the report, and the differences shown."""

from __future__ import annotations

import copy
import sqlite3

import pytest

from archive.editions import differing, rank
from archive.publish import make_datasette, snapshot
from archive.testing import add_report, finish, report_text
from synthetic.report import generate_report

pytestmark = pytest.mark.anyio
CLEAN = dict(arithmetic_errors=False, truncate=None, blanks=False, units=False, cell_noise=False)


@pytest.fixture
def anyio_backend():
    return "asyncio"


def _ed(id_, current=1, fmt="html"):
    return {"id": id_, "current": current, "format": fmt}


def test_the_representative():
    full = generate_report(1, **CLEAN).record
    cut = copy.deepcopy(full)
    cut["tables"]["appeals"] = None
    cut["checks"] = ["appeals.missing"]
    scan = {**full, "notes": ["ocr because no text layer"]}

    def first(*pairs):
        return sorted(pairs, key=lambda p: rank(*p))[0][0]["id"]

    assert first((_ed(1, current=0), full), (_ed(2, fmt="pdf"), cut)) == 2  # served now
    assert first((_ed(1), cut), (_ed(2, fmt="pdf"), full)) == 2  # complete tables
    assert first((_ed(1, fmt="pdf"), full), (_ed(2), full)) == 2  # cells over layout
    assert first((_ed(1, fmt="pdf"), scan), (_ed(2, fmt="pdf"), full)) == 2  # over a scan
    assert first((_ed(2), full), (_ed(1), full)) == 1  # first captured


def test_differences_are_counted_cell_by_cell():
    a = generate_report(2, **CLEAN).record
    b = copy.deepcopy(a)
    b["tables"]["requests"]["granted"]["total"] += 5
    b["tables"]["appeals"]["review"]["pending"] = None
    del b["tables"]["active"]["fees"]
    diff = differing(a, b)
    assert ("requests", "granted", "total") in diff and ("appeals", "review", "pending") in diff
    assert len(diff) == 2 + len(a["tables"]["active"]["fees"])
    assert differing(a, copy.deepcopy(a)) == []


async def test_a_reupload_with_other_numbers_is_shown(tmp_path):
    rep = generate_report(3, agency="临清市教育局", year=2022, **CLEAN)
    first = copy.deepcopy(rep.record)
    second = copy.deepcopy(rep.record)
    second["tables"]["requests"]["new_received"]["total"] += 3
    rid = add_report(
        tmp_path,
        record=first,
        text=report_text(rep),
        url="http://x.test/a.html",
        portal="p",
        fetched_at="2023-03-01T00:00:00Z",
    )
    again = add_report(
        tmp_path,
        record=second,
        text=report_text(rep) + "（更新）",
        url="http://x.test/b.html",
        portal="p",
        fetched_at="2023-04-01T00:00:00Z",
    )
    assert again == rid  # the same body and year: one report
    finish(tmp_path)
    path = snapshot(tmp_path)
    db = sqlite3.connect(path)
    eds = db.execute(
        "select id, representative, differs from report_editions where report_id = ? order by id",
        (rid,),
    ).fetchall()
    assert [(r, d) for _, r, d in eds] == [(1, None), (0, 1)]  # both served: the first
    assert db.execute("select editions from reports where id = ?", (rid,)).fetchone()[0] == 2
    received = db.execute(
        "select received from report_figures where report_id = ?", (rid,)
    ).fetchone()[0]
    assert received == first["tables"]["requests"]["new_received"]["total"]
    page = (await make_datasette(path, archive=tmp_path).client.get(f"/ogi/reports/{rid}")).text
    was, now = (
        str(first["tables"]["requests"]["new_received"]["total"]),
        str(second["tables"]["requests"]["new_received"]["total"]),
    )
    assert "1 处不同" in page and f"此副本 {now}，数字所取副本 {was}" in page
