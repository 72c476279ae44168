"""The whole path on the demo farm: crawl (Scrapy, child process) → ogi build → published
database, compared with the generator's truth."""
from __future__ import annotations

import sqlite3

import pytest

from archive.build import build
from archive.publish import snapshot
from crawler.run import crawl_in_subprocess
from synthetic.farm import Farm
from synthetic.report import generate_report


@pytest.fixture(scope="module")
def farm_archive(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("farm")
    with Farm(reports_per_portal=3, blocked=False) as farm:
        sources = farm.write_sources(tmp / "demo.yaml")
        report = crawl_in_subprocess(sources, tmp / "data", "--fast")
        assert report["status"] == "finished", report["stderr"][-3000:]
        published = []  # (url of the report file, its sha256, the generator's record)
        truth = farm.truth()
        for site in farm.sites:
            for d in site.live():
                if d.raw is not None:
                    continue
                url = site.base + (d.attachment or d.detail)
                rec = generate_report(d.seed + 100_000 * d.version).record
                published.append((url, truth[url], rec, d.fmt))
    stats = build(tmp / "data", workers=2, progress=False)
    return tmp / "data", published, stats


def test_every_published_report_is_in_the_database(farm_archive):
    root, published, stats = farm_archive
    assert sum(stats.failed.values()) == 0, stats.failed
    db = sqlite3.connect(snapshot(root))
    db.row_factory = sqlite3.Row
    wrong = []
    for url, sha, rec, fmt in published:
        row = db.execute("select * from reports where sha256 = ?", (sha,)).fetchone()
        assert row is not None, f"{url} not in reports"
        assert row["parse_status"] == "ok", (url, row["error"])
        assert row["url"] == url and row["current"] == 1
        values = {(t, r, c): v for t, r, c, v in db.execute(
            "select table_key, row_key, col_key, value from report_values where report_id = ?",
            (row["id"],))}
        want = {(t, r, c): v for t, rows in rec["tables"].items() if rows
                for r, cols in rows.items() for c, v in cols.items()}
        if (row["agency"], row["year"], values) != (rec["agency"], rec["year"], want):
            wrong.append((fmt, url, sorted(set(values.items()) ^ set(want.items()))[:4]))
    assert not wrong, wrong
    landing = db.execute("select count(*) from reports where parse_status = 'no_tables'")
    assert landing.fetchone()[0] == sum(1 for *_, fmt in published if fmt != "html")
