"""Running the demo twice leaves the same archive: the demo portals keep their URLs (a stable
port), so the second crawl finds every report where it was (no removed, no new), and the
build adds nothing."""

import json
import sqlite3

from archive.captures import CaptureStore
from ogi.cli import main
from synthetic.farm import free_port

QUERIES = {  # what a reader of the archive sees; current last in each row
    "reports": "select id, sha256, url, title, body, year, template, portal, check_status, "
    "editions, current from reports order by id",
    "report_editions": "select id, report_id, sha256, url, representative, current "
    "from report_editions order by id",
    "other_documents": "select id, sha256, url, kind, current from other_documents order by id",
}


def reports(archive, table="reports"):
    db = sqlite3.connect(archive / "archive.db")
    try:
        return db.execute(QUERIES[table]).fetchall()
    finally:
        db.close()


def test_demo_twice_gives_the_same_reports_and_current_flags(tmp_path, capsys):
    archive = tmp_path / "demo"
    args = [
        "demo",
        "--archive",
        str(archive),
        "--reports",
        "2",
        "--portals-per-family",
        "1",
        "--no-serve",
        "--farm-port",
        str(free_port()),
    ]
    assert main(args) == 0
    first = {t: reports(archive, t) for t in QUERIES}
    assert len(first["reports"]) >= 8 and all(r[-1] == 1 for rows in first.values() for r in rows)
    # after the build, the health of each portal says how many reports it yields
    capsys.readouterr()
    assert main(["health", "--archive", str(archive), "--json"]) == 1  # the blocked portal
    health = json.loads(capsys.readouterr().out)
    per_portal = {}
    for r in first["reports"]:
        per_portal[r[7]] = per_portal.get(r[7], 0) + 1
    assert {n: f["reports"] for n, f in health["portals"].items() if f["reports"]} == per_portal
    assert health["alerts"] == ["示例受阻门户"]
    assert main(args) == 0
    assert {t: reports(archive, t) for t in QUERIES} == first
    store = CaptureStore(archive)
    runs = store.runs()
    assert len(runs) == 2
    assert store.events(runs[1]["id"]) == []  # nothing new, changed, moved or removed
    store.close()
