"""The guard runs one extraction in a child with a time limit and a memory bound."""
import time

from parsers.guard import run_guarded
from synthetic.render_docx import render_docx
from synthetic.report import generate_report
from synthetic.score import score


def test_good_file_gives_its_record():
    report = generate_report(31)
    res = run_guarded(render_docx(report), name="r.docx", timeout_s=60, memory_mb=1024)
    assert res.ok and score(report.record, res.record).accuracy == 1.0
    assert 0 < res.peak_rss_mb < 1024


def test_time_limit_kills_the_child_and_its_converter():
    from synthetic.render_doc import render_doc
    data = render_doc(generate_report(32))  # LibreOffice needs seconds: more than allowed
    t = time.monotonic()
    res = run_guarded(data, name="slow.doc", timeout_s=1.0, memory_mb=1024)
    assert res.record is None and res.error == "timed out after 1 s"
    assert time.monotonic() - t < 3


def test_memory_bound_is_enforced():
    # a valid but enormous HTML page: parsing it needs far more than 300 MB
    row = "<tr>" + "<td>0</td>" * 20 + "</tr>"
    data = ("<html><body><table>" + row * 200_000 + "</table></body></html>").encode()
    res = run_guarded(data, name="big.html", timeout_s=120, memory_mb=300)
    assert res.record is None
    assert "memory" in res.error, res.error
    assert res.peak_rss_mb <= 300


def test_size_limit_refuses_before_reading(tmp_path):
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.4\n" + bytes(2_000_000))
    res = run_guarded(big, max_bytes=1_000_000)
    assert res.error == "file too large: 1.9 MB (limit 1 MB)" and res.peak_rss_mb == 0
