"""`ogi demo` end to end, without the final serve: farm → crawl → build."""

import sqlite3

from ogi.cli import main
from synthetic.farm import free_port


def test_demo_builds_an_archive_of_the_farm(tmp_path, capsys):
    archive = tmp_path / "demo"
    assert (
        main(
            [
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
        )
        == 0
    )
    # it says which archive the other commands must be given
    last = capsys.readouterr().out.splitlines()[-1]
    assert f"ogi search --archive {archive} " in last
    db = sqlite3.connect(archive / "archive.db")
    ok = db.execute("select count(*) from reports where check_status != 'no_tables'").fetchone()[0]
    failed = db.execute(
        "select count(*) from other_documents where kind = 'unreadable'"
    ).fetchone()[0]
    values = db.execute("select count(*) from report_values").fetchone()[0]
    assert ok >= 8 and failed == 0 and values > 100 * ok
    kinds = {r[0] for r in db.execute("select kind from other_documents")}
    assert {"landing_page", "blank_form", "notice", "interpretation"} <= kinds
