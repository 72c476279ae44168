"""`ogi crawl` as a newcomer meets it: help for every option, a crawl that reaches nothing
says so (and how to start the demo portals) and exits non-zero, an ASCII User-Agent with the
operator's contact, a quiet console."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from ogi.cli import build_parser
from synthetic.farm import Farm, free_port

ROOT = Path(__file__).resolve().parents[1]


def ogi(*args, **kw):
    return subprocess.run(
        [sys.executable, "-m", "ogi.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        **kw,
    )


def subparser(name):
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return sub.choices[name]


def test_crawl_and_demo_portals_have_help_for_everything():
    for name in ("crawl", "demo-portals", "health"):
        p = subparser(name)
        assert p.description or name == "health"
        for action in p._actions:
            assert action.help, f"ogi {name} {action.option_strings}: no help"
    text = subparser("crawl").format_help()
    assert "exit status" in text and "--contact" in text and "ogi demo-portals" in text


def test_a_crawl_that_reaches_nothing_says_so_and_exits_non_zero(tmp_path):
    port = free_port()  # nothing listens there: the demo portals are not running
    sources = tmp_path / "demo-farm.yaml"
    sources.write_text(
        yaml.safe_dump(
            {
                "portals": [
                    {"name": f"门户{i}", "start_urls": [f"http://127.0.0.{i}:{port}/index.html"]}
                    for i in (2, 3)
                ]
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    out = ogi("crawl", "--sources", str(sources), "--archive", str(tmp_path / "data"), "--fast")
    assert out.returncode == 3, out.stderr
    assert "no portal answered" in out.stderr and "refused" in out.stderr
    assert "ogi demo-portals" in out.stderr and "--sources" in out.stderr
    assert "Traceback" not in out.stderr + out.stdout


def test_user_agent_is_ascii_with_the_operators_contact_and_the_console_quiet(tmp_path):
    with Farm(reports_per_portal=1, blocked=False) as farm:
        sources = farm.write_sources(tmp_path / "demo.yaml")
        trs = farm.site("trs")
        out = ogi(
            "crawl",
            "--sources",
            str(sources),
            "--archive",
            str(tmp_path / "data"),
            "--portal",
            trs.name,
            "--fast",
            "--contact",
            "https://example.org/ogi-crawl",
        )
        assert out.returncode == 0, out.stderr
        uas = {r["ua"] for r in farm.log}
        assert uas == {
            "ogi-archive/0.1 (+https://example.org/ogi-crawl; annual OGI report archiver)"
        }
        assert all(ua.isascii() for ua in uas)
        # nothing of Scrapy on the terminal: no settings, stats, warnings; they are in the log
        assert out.stderr == ""
        assert "Scrapy" not in out.stdout and "ALERT" not in out.stdout
        assert trs.name in out.stdout and "report documents" in out.stdout
        log = next((tmp_path / "data" / "logs").glob("*.log")).read_text()
        assert "Overridden settings" in log and "Dumping Scrapy stats" in log
        assert "Deprecat" not in log
        default = ogi(
            "crawl",
            "--sources",
            str(sources),
            "--archive",
            str(tmp_path / "d2"),
            "--portal",
            trs.name,
            "--fast",
            env={"PATH": "/usr/bin:/bin"},
        )
        assert default.returncode == 0, default.stderr
        assert any("operator contact not set: ogi crawl --contact URL" in r["ua"] for r in farm.log)
        bad = ogi(
            "crawl",
            "--sources",
            str(sources),
            "--archive",
            str(tmp_path / "d3"),
            "--contact",
            "https://例子.中国/爬虫",
        )
        assert bad.returncode == 2 and "ASCII" in bad.stderr


def test_committed_demo_sources_describe_the_demo_farm(tmp_path):
    """`ogi crawl` without --sources reads sources/, whose demo-farm.yaml must name the portals
    `ogi demo` and `ogi demo-portals` actually serve on the demo port (the same farm)."""
    from synthetic.farm import DEMO_PORT, DEMO_PORTALS_PER_FAMILY, DEMO_REPORTS, Farm

    farm = Farm(
        reports_per_portal=DEMO_REPORTS,
        portals_per_family=DEMO_PORTALS_PER_FAMILY,
        port=DEMO_PORT,
        extras=True,
        lists=True,
    )
    written = farm.write_sources(tmp_path / "demo-farm.yaml").read_text(encoding="utf-8")
    committed = (ROOT / "sources" / "demo-farm.yaml").read_text(encoding="utf-8")
    assert committed == written, "regenerate sources/demo-farm.yaml (see synthetic/farm.py)"


def test_crawl_report_keeps_each_line_whole_in_a_log(capsys):
    """Printed to a pipe or a log (no terminal: rich would assume 80 columns), each line of the
    crawl report stays one line."""
    from crawler.console import print_report

    alert = (
        "the portal answered nothing: 3 start URLs refused the connection "
        "(http://127.0.0.9:8641/xxgk/zfxxgknb/index.htm …)"
    )
    report = {
        "crawl_id": "c1",
        "status": "finished",
        "reached": 0,
        "alerts": [alert],
        "portals": {
            "示例GENERIC门户1": {
                "pages": 0,
                "details": 0,
                "attachments": 0,
                "documents": 0,
                "reports": 0,
                "alert": alert,
                "errors": {"refused": 3, "timeout": 2, "dns": 1},
            }
        },
    }
    print_report(report)
    lines = capsys.readouterr().out.splitlines()
    assert f"  ALERT {alert}" in lines
    assert any(
        line.startswith("  not fetched or refused: dns 1 · refused 3 · timeout 2") for line in lines
    )
