"""`ogi build`: real captures of synthetic reports parsed by the real parsers in worker
processes."""

from __future__ import annotations

import json
import sqlite3

import pytest

import parsers
from archive.build import build, parser_version
from archive.captures import CaptureStore
from archive.export import export
from archive.testing import add_portal, capture_body
from synthetic.render_html import render_html
from synthetic.report import generate_report

CLEAN = dict(
    arithmetic_errors=False,
    truncate=None,
    blanks=False,
    units=False,
    cell_noise=False,
    label_variants=False,
    signs=False,
)


def _capture(store, body, url, content_type="text/html; charset=utf-8"):
    return capture_body(store, body, url, "临清市人民政府", content_type=content_type)[1]


@pytest.fixture
def captured(tmp_path):
    store = CaptureStore(tmp_path)
    add_portal(store, "临清市人民政府", "371581")
    reps = [generate_report(s, **CLEAN) for s in (11, 12, 13)]
    shas = [
        _capture(store, render_html(r), f"http://linqing.test/r{i}.html")
        for i, r in enumerate(reps)
    ]
    bad = _capture(
        store,
        b"\x00\x01 not a report at all \xff" * 10,
        "http://linqing.test/x.bin",
        content_type="application/octet-stream",
    )
    store.close()
    return tmp_path, reps, shas, bad


def _rows(root, sql, *args):
    db = sqlite3.connect(root / "archive.db")
    db.row_factory = sqlite3.Row
    out = [dict(r) for r in db.execute(sql, args)]
    db.close()
    return out


def test_build_parses_new_captures_and_records_failures(captured):
    root, reps, shas, bad = captured
    stats = build(root, workers=2, progress=False)
    assert stats.pending == 4 and stats.ok == 3 and sum(stats.failed.values()) == 1
    assert stats.filed == {"report": 3, "unreadable": 1}
    failed = _rows(root, "select * from other_documents where sha256 = ?", bad)[0]
    assert failed["kind"] == "unreadable"
    assert failed["parse_status"] in ("parse_error", "error") and failed["error"]
    assert failed["error"] in failed["reason"]
    rows = {
        r["sha256"]: r
        for r in _rows(
            root,
            "select e.*, r.body, r.province, r.template as report_template from "
            "report_editions e join reports r on r.id = e.report_id",
        )
    }
    assert set(rows) == set(shas)
    for rep, sha in zip(reps, shas, strict=True):
        row = rows[sha]
        assert row["representative"] == 1
        assert row["parser_version"] == parser_version()
        assert (row["body"], row["year"], row["report_template"]) == (
            rep.agency,
            rep.year,
            rep.template,
        )
        assert row["province"] == "山东省" and row["url"].startswith("http://linqing.test/")
        # stored values are the extractor's, cell for cell
        record = parsers.extract_bytes((root / "blobs" / sha[:2] / sha).read_bytes(), "r.html")
        values = {
            (v["table_key"], v["row_key"], v["col_key"]): v["value"]
            for v in _rows(
                root, "select * from report_values where report_id = ?", row["report_id"]
            )
        }
        want = {
            (t, r, c): v
            for t, rows_ in record["tables"].items()
            if rows_
            for r, cols in rows_.items()
            for c, v in cols.items()
        }
        assert values == want
        # and the extractor's requests table is the generator's truth on these clean reports
        assert record["tables"]["requests"] == rep.record["tables"]["requests"]
        text = _rows(
            root, "select text, sections, record from document_texts where sha256 = ?", sha
        )[0]
        assert rep.agency in text["text"]
        # the text is stored once: the sections are places in it, the record does not repeat it
        sections = json.loads(text["sections"])
        assert [s["heading"][:2] for s in sections] == [
            "一、",
            "二、",
            "三、",
            "四、",
            "五、",
            "六、",
        ]
        for s in sections:
            assert text["text"][s["start"] : s["end"]].startswith(s["heading"])
        assert "sections" not in json.loads(text["record"])
        assert json.loads(text["record"])["tables"] == record["tables"]
    hit = _rows(root, "select rowid from reports_fts where reports_fts match ?", '"行政 政复 复议"')
    assert len(hit) == 3


def test_build_is_idempotent_and_reparses_on_version_bump(captured, monkeypatch):
    root, reps, shas, bad = captured
    build(root, workers=2, progress=False)
    ids_sql = (
        "select sha256, id, report_id, parser_version from report_editions union all "
        "select sha256, id, null, parser_version from other_documents"
    )
    ids = {r["sha256"]: (r["id"], r["report_id"]) for r in _rows(root, ids_sql)}
    again = build(root, workers=2, progress=False)
    assert again.pending == 0
    monkeypatch.setattr(parsers, "PARSER_VERSION", "test-bump", raising=False)
    bumped = build(root, workers=2, progress=False)
    assert bumped.pending == 4
    rows = _rows(root, ids_sql)
    assert {r["parser_version"] for r in rows} == {"test-bump"}
    # same report, edition and document ids: links stay valid
    assert {r["sha256"]: (r["id"], r["report_id"]) for r in rows} == ids
    n = _rows(root, "select count(*) n from report_values")[0]["n"]
    assert n == sum(
        len(cols) for rep in reps for t in rep.record["tables"].values() if t for cols in t.values()
    )


def test_time_and_memory_limits_are_recorded(captured):
    root, reps, shas, bad = captured
    stats = build(root, workers=1, timeout=0.001, progress=False)
    assert stats.failed.get("timeout") == 4
    rows = _rows(root, "select kind, parse_status, error from other_documents")
    assert len(rows) == 4 and _rows(root, "select count(*) n from reports")[0]["n"] == 0
    assert all(
        r["kind"] == "unreadable" and r["parse_status"] == "timeout" and "0.001" in r["error"]
        for r in rows
    )

    root2 = root / "second"
    store = CaptureStore(root2)
    big = render_html(reps[0]) + b"<!--" + b"x" * 8_000_000 + b"-->"  # reading it needs 8 MB
    _capture(store, big, "http://linqing.test/m.html")
    store.close()
    stats = build(root2, workers=1, mem_mb=1, progress=False)
    assert stats.failed.get("memory") == 1
    assert _rows(root2, "select parse_status from other_documents")[0]["parse_status"] == "memory"


def test_export_csv(captured, tmp_path):
    root, reps, shas, bad = captured
    build(root, workers=2, progress=False)
    paths = {p.name: p for p in export(root, tmp_path / "out")}
    assert {
        "reports.csv",
        "report_values.csv",
        "report_figures.csv",
        "bodies.csv",
        "report_editions.csv",
        "other_documents.csv",
    } <= set(paths)
    head = paths["reports.csv"].read_text(encoding="utf-8").splitlines()[0].split(",")
    assert "body" in head and "sha256" in head
    lines = paths["report_values.csv"].read_text(encoding="utf-8").splitlines()
    assert (
        lines[0] == "report_id,table_key,row_key,col_key,value,unit,page,provenance"
        and len(lines) > 100
    )
