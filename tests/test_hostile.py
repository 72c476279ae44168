"""Hostile inputs: each gives a one-line reason (non-zero exit) within the time and memory
limits, and the rest of the batch is still done. How fast: bench/guard.py."""

import json
import os

import pytest

from ogi.cli import main
from parsers.runner import run_guarded
from synthetic.render_docx import render_docx
from synthetic.render_html import render_html
from synthetic.render_pdf import render_pdf
from synthetic.report import generate_report
from synthetic.score import score
import hostile  # tests/hostile.py

LIMITS = dict(timeout_s=60, memory_mb=1024)


@pytest.fixture(scope="module")
def report():
    return generate_report(41)


def refused(data, name, reason):
    res = run_guarded(data, name=name, **LIMITS)
    assert res.record is None, name
    assert reason in res.error and "\n" not in res.error, res.error
    # refused for what it is, within the limits (not killed at one of them)
    assert res.status not in ("timeout", "memory") and res.peak_rss_mb < LIMITS["memory_mb"]
    return res


def test_zero_bytes():
    refused(b"", "empty.pdf", "empty file (0 bytes)")


def test_truncated_pdf(report):
    pdf = render_pdf(report)
    refused(pdf[: len(pdf) * 6 // 10], "cut.pdf", "truncated PDF")


def test_encrypted_pdf():
    refused(hostile.encrypted_pdf(), "locked.pdf", "encrypted PDF")


def test_password_protected_docx():
    refused(hostile.encrypted_docx(), "locked.docx", "password-protected document")


def test_docx_zip_bomb():
    data = hostile.docx_bomb(300)
    assert len(data) < 2_000_000
    refused(data, "bomb.docx", "zip bomb refused")


def test_docx_whose_xml_would_not_fit_the_memory_bound():
    """190 MB of XML passes the zip bomb checks (it compresses ~9×) but would take ~4 GB to
    parse: refused, named, before a parser reads it."""
    data = hostile.docx_of_xml(190)
    res = refused(
        data,
        "huge.docx",
        "too large to parse within the memory bound: word/document.xml holds 190 MB of XML",
    )
    assert res.peak_rss_mb < 200


def test_parser_out_of_memory_is_named(monkeypatch):
    """With the part limit lifted, lxml runs out of memory at the bound and says "unknown
    error": the reason given is the memory bound, not a corrupt file."""
    from parsers.runner import limits

    monkeypatch.setattr(limits, "MAX_PART_MB", 1000)
    res = run_guarded(hostile.docx_of_xml(40), name="big.docx", timeout_s=120, memory_mb=300)
    assert res.status == "memory" and res.error == "out of memory (limit 300 MB)", res.error


def test_pdf_with_2000_pages():
    refused(hostile.pdf_with_pages(2000), "long.pdf", "PDF has too many pages: 2000")


def test_deeply_nested_html():
    refused(hostile.nested_html(100_000), "deep.html", "HTML nested deeper than")


def test_200_mb_file_is_refused_unread(tmp_path, monkeypatch):
    path = tmp_path / "huge.pdf"
    hostile.sparse_file(path, 200 * 2**20)

    def no_child():
        raise AssertionError("a child was started for a file refused by its size")

    monkeypatch.setattr(os, "fork", no_child)  # only a child reads a file
    res = run_guarded(path, **LIMITS)
    assert res.error == "file too large: 200.0 MB (limit 50 MB)"
    assert res.peak_rss_mb == 0  # no child, nothing read


def test_extension_that_lies_is_sniffed(report):
    res = run_guarded(render_pdf(report), name="report.doc", **LIMITS)
    assert res.ok, res.error
    assert score(report.record, res.record).accuracy >= 0.995


def test_html_that_lies_about_its_charset(report):
    html = render_html(report, encoding="gb18030")
    assert b"gb18030" in html.lower() or b"gbk" in html.lower() or b"gb2312" in html.lower()
    lying = html.replace(b"gb18030", b"utf-8").replace(b"GB18030", b"utf-8")
    res = run_guarded(lying, name="report.html", **LIMITS)
    assert res.ok, res.error
    assert score(report.record, res.record).accuracy >= 0.995


def test_batch_goes_on_after_hostile_files(report, tmp_path, capsys):
    files = {
        "a.docx": hostile.encrypted_docx(),
        "b.pdf": b"",
        "c.docx": render_docx(report),
        "d.pdf": hostile.nested_html(100_000),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    status = main(
        [
            "extract",
            *(str(tmp_path / n) for n in sorted(files)),
            "--timeout",
            "60",
            "--memory",
            "1024",
        ]
    )
    out, err = capsys.readouterr()
    assert status == 1
    errors = err.strip().splitlines()
    assert [e.split(":")[0].rsplit("/", 1)[-1] for e in errors] == ["a.docx", "b.pdf", "d.pdf"]
    assert "password-protected" in errors[0] and "empty file" in errors[1] and "nested" in errors[2]
    records = [json.loads(x) for x in out.strip().splitlines()]
    assert len(records) == 1 and score(report.record, records[0]).accuracy == 1.0
