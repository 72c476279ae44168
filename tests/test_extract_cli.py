"""`ogi extract` as a user runs it: records never overwrite one another, a file that is not a
report is said to be one (record notes, stderr, exit status 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ogi.cli import main
from parsers.cli import out_names
from synthetic.render_html import render_html
from synthetic.render_pdf import render_pdf
from synthetic.report import generate_report

ROOT = Path(__file__).resolve().parents[1]
README_LINE = (
    '{"title": "洪泽区人民政府2023年政府信息公开工作年度报告", "agency": "洪泽区人民政府",\n'
    ' "year": 2023, "template": "2021",\n'
)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("files")
    a, b = (
        generate_report(501, agency="临清市人民政府"),
        generate_report(502, agency="东阳市教育局"),
    )
    (root / "a").mkdir()
    (root / "b").mkdir()
    (root / "a" / "report.html").write_bytes(render_html(a))
    (root / "b" / "report.pdf").write_bytes(render_pdf(b))
    (root / "other.html").write_bytes(render_html(generate_report(503)))
    (root / "notes.md").write_text(
        "# A project\n\nAn example of the record:\n\n```json\n" + README_LINE + "```\n",
        encoding="utf-8",
    )
    return root


def test_same_stem_from_two_folders_gives_two_records(files, tmp_path, capsys):
    paths = [
        str(files / "a" / "report.html"),
        str(files / "b" / "report.pdf"),
        str(files / "other.html"),
    ]
    assert main(["extract", *paths, "--out", str(tmp_path / "out"), "--jobs", "2"]) == 0
    out = tmp_path / "out"
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*.json"))
    assert written == ["a/report.html.json", "b/report.pdf.json", "other.json"]
    agencies = {json.loads((tmp_path / "out" / w).read_text())["agency"] for w in written[:2]}
    assert agencies == {"临清市人民政府", "东阳市教育局"}


def test_out_names():
    assert out_names(["x/r.pdf", "y/s.pdf"]) == {
        "x/r.pdf": Path("r.json"),
        "y/s.pdf": Path("s.json"),
    }
    names = out_names(["d/r.pdf", "d/r.html", "d/e/r.pdf"])
    assert sorted(map(str, names.values())) == ["e/r.pdf.json", "r.html.json", "r.pdf.json"]
    assert len(set(out_names(["p/q/r.pdf", "p/s/r.pdf", "t/r.pdf"]).values())) == 3


def test_a_file_that_is_not_a_report_is_said_to_be_one(files, capsys):
    for path in (files / "notes.md", ROOT / "pyproject.toml"):
        assert main(["extract", str(path)]) == 3
        out = capsys.readouterr()
        record = json.loads(out.out)
        assert out.err == f"{path}: {record['notes'][-1]}\n"
        assert out.err.startswith(f"{path}: not an OGI report: other (")
        assert record["title"] is None and record["agency"] is None  # never a JSON fragment
    assert main(["extract", str(files / "a" / "report.html")]) == 0
    out = capsys.readouterr()
    assert out.err == "" and not any("not an OGI report" in n for n in json.loads(out.out)["notes"])


def test_an_unreadable_file_outranks_a_non_report(files, tmp_path, capsys):
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    assert main(["extract", str(files / "notes.md"), str(empty)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{files / 'notes.md'}: not an OGI report")
    assert err[1] == f"{empty}: empty file (0 bytes)"
