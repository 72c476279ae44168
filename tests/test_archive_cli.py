"""The archive's `ogi` sub-commands, called as the command line does."""

from __future__ import annotations

import json

from archive.captures import CaptureStore
from archive.testing import capture_body
from ogi.cli import main
from synthetic.render_html import render_html
from synthetic.report import generate_report


def test_build_search_export(tmp_path, capsys):
    store = CaptureStore(tmp_path)
    rep = generate_report(21, agency="临清市大辛庄街道办事处", year=2021)
    body = render_html(rep)
    capture_body(store, body, "http://x.test/r.html", "p", content_type="text/html")
    notice = (
        "<html><head><meta charset='utf-8'><title>关于做好年度报告编制工作的通知</title></head>"
        "<body><h1>关于做好年度报告编制工作的通知</h1><p>请各单位于1月31日前报送大辛庄等地的"
        "年度报告。</p></body></html>"
    ).encode()
    capture_body(store, notice, "http://x.test/n.html", "p", content_type="text/html")
    store.close()
    assert (
        main(["build", "--archive", str(tmp_path), "--workers", "1", "--no-progress", "--json"])
        == 0
    )
    stats = json.loads(capsys.readouterr().out)
    assert stats["ok"] == 1 and stats["pending"] == 2
    assert stats["filed"] == {"report": 1, "notice": 1}
    assert main(["build", "--archive", str(tmp_path), "--no-progress"]) == 0
    assert capsys.readouterr().out.startswith("nothing new to parse")

    assert main(["search", "--archive", str(tmp_path), "大辛庄"]) == 0
    out = capsys.readouterr().out
    assert "临清市大辛庄街道办事处" in out and "【大辛庄】" in out
    assert "通知" not in out  # reports only
    assert main(["search", "--archive", str(tmp_path), "--other-documents", "大辛庄"]) == 0
    out = capsys.readouterr().out
    assert "关于做好年度报告编制工作的通知" in out and "临清市大辛庄街道办事处2021" not in out
    assert main(["search", "--archive", str(tmp_path), "没有的词"]) == 0
    assert capsys.readouterr().out == ""

    assert main(["export", "--archive", str(tmp_path), "--out", str(tmp_path / "csv")]) == 0
    names = {p.split("/")[-1] for p in capsys.readouterr().out.split()}
    assert {"reports.csv", "report_values.csv", "report_figures.csv"} <= names
    assert not (tmp_path / "csv" / "reports.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert main(["export", "--archive", str(tmp_path), "--out", str(tmp_path / "xl"), "--bom"]) == 0
    data = (tmp_path / "xl" / "reports.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid,title,body") and "临清市".encode() in data


def test_read_only_commands_never_make_an_archive(tmp_path, capsys, monkeypatch):
    """A misspelled --archive (or no archive at the default ./data) leaves no file behind:
    one line on stderr naming the path and how to make an archive, exit status 2."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OGI_ARCHIVE", raising=False)
    typo = tmp_path / "dat"
    for command in (
        ["search", "复议"],
        ["export"],
        ["serve"],
        ["build", "--no-progress"],
        ["health"],
    ):
        for where in ([], ["--archive", str(typo)]):
            assert main(command + where) == 2, command + where
            err = capsys.readouterr().err
            assert err.count("\n") == 1 and err.startswith(f"ogi {command[0]}: no archive at ")
            assert (str(typo) if where else "data") in err
            assert "ogi crawl" in err and "--archive" in err
    assert list(tmp_path.iterdir()) == []  # neither ./data nor the misspelled one


def test_ogi_archive_is_every_commands_default(tmp_path, capsys, monkeypatch):
    store = CaptureStore(tmp_path / "mine")
    store.close()
    monkeypatch.setenv("OGI_ARCHIVE", str(tmp_path / "mine"))
    assert main(["search", "复议"]) == 0
    assert main(["export", "--out", str(tmp_path / "csv")]) == 0
    assert (tmp_path / "csv" / "reports.csv").exists()


def test_serve_on_a_taken_port_says_so(tmp_path, capsys):
    import socket

    CaptureStore(tmp_path).close()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--archive", str(tmp_path), "--port", str(port)]) == 2
    out = capsys.readouterr()
    assert out.out == ""  # no address printed for a server that is not there
    assert out.err.startswith(f"ogi serve: cannot listen on 127.0.0.1:{port}")
