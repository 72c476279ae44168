"""The portal registry: loading and `ogi sources check` messages (file, entry, field)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.sources import SourceError, check_sources, load_sources
from ogi.cli import main

ROOT = Path(__file__).resolve().parents[1]

GOOD = """
portals:
  - name: 示例县人民政府
    region_code: "371581"
    level: 县
    family: trs
    start_urls: [http://www.example.gov.cn/zwgk/ndbg/index.html]
  - name: 示例街道
    level: 乡镇街道
    start_urls: http://jd.example.gov.cn/col/col1/index.html
"""


def test_loads_entries_with_defaults(tmp_path):
    f = tmp_path / "a.yaml"
    f.write_text(GOOD, encoding="utf-8")
    a, b = load_sources(f)
    assert a.family == "trs" and a.region_code == "371581"
    assert a.allowed_domains == ["www.example.gov.cn"]
    assert b.family is None and b.start_urls == ["http://jd.example.gov.cn/col/col1/index.html"]
    assert b.source_file == str(f)


def test_problems_name_file_entry_and_field(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text(
        """
portals:
  - name: 甲
    region_code: 37158
    level: 区
    family: wordpress
    start_urls: [ftp://x.gov.cn/]
    colour: red
  - start_urls: [http://y.gov.cn/]
  - name: 甲
    start_urls: [http://z.gov.cn/]
""",
        encoding="utf-8",
    )
    problems = check_sources(f)
    text = "\n".join(problems)
    assert f"{f}: entry 1 (甲): field 'region_code'" in text and "quote it" in text
    assert "field 'level': '区' is not one of" in text
    assert "field 'family': 'wordpress'" in text
    assert "field 'start_urls': not an http(s) URL: 'ftp://x.gov.cn/'" in text
    assert "field 'colour': unknown field" in text
    assert f"{f}: entry 2: field 'name': required" in text
    assert f"{f}: entry 3 (甲): field 'name': duplicate" in text
    with pytest.raises(SourceError):
        load_sources(f)


def test_broken_yaml_and_missing_list(tmp_path):
    (tmp_path / "x.yaml").write_text("portals: [a, b\n", encoding="utf-8")
    (tmp_path / "y.yaml").write_text("name: lonely\n", encoding="utf-8")
    problems = check_sources(tmp_path)
    assert any("x.yaml: not valid YAML" in p for p in problems)
    assert any("y.yaml: expected a top-level 'portals:' list" in p for p in problems)


def test_shipped_sources_are_valid():
    assert check_sources(ROOT / "sources") == []
    assert check_sources(ROOT / "sources" / "examples") == []


def test_sources_check_command(tmp_path, capsys):
    f = tmp_path / "a.yaml"
    f.write_text(GOOD, encoding="utf-8")
    assert main(["sources", "check", str(f)]) == 0
    assert "2 portal(s) OK" in capsys.readouterr().out
    f.write_text("portals:\n  - name: 乙\n", encoding="utf-8")
    assert main(["sources", "check", str(f)]) == 1
    assert "field 'start_urls'" in capsys.readouterr().err
