""".doc and .wps files go through LibreOffice to the DOCX parser and extract like the DOCX."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from parsers import extract_bytes, parse_bytes
from synthetic.render_doc import render_doc, render_wps
from synthetic.report import generate_report
from synthetic.score import score


@pytest.mark.parametrize("seed,kind", [(11, "doc"), (12, "wps")])
def test_generated_doc_and_wps_extract_exactly(seed, kind):
    report = generate_report(seed)
    data = render_doc(report) if kind == "doc" else render_wps(report)
    assert data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE2 compound file
    record = extract_bytes(data, name=f"report.{kind}")
    s = score(report.record, record)
    assert s.accuracy >= 0.995, s.wrong[:5]
    assert any("LibreOffice" in n for n in record.get("notes", []))


def test_parallel_conversions_do_not_collide():
    data = render_doc(generate_report(13))
    with ThreadPoolExecutor(2) as pool:
        docs = list(pool.map(lambda _: parse_bytes(data, name="a.doc"), range(3)))
    assert len({d.text() for d in docs}) == 1 and docs[0].tables()


def test_conversion_timeout_is_a_parse_error():
    from parsers.model import ParseError
    from parsers.formats.office import convert

    with pytest.raises(ParseError, match="timed out"):
        convert(render_doc(generate_report(14)), "doc", "docx", timeout_s=0.5)
