"""docs/architecture.md stays true: every module it names (a word in backticks starting with a
top-level package, as a path `parsers/formats/html.py` or a dotted name `parsers.runner.Task`)
exists and imports; a dotted name may end in an attribute of its module."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
PACKAGES = ("crawler", "parsers", "archive", "ogi", "synthetic")
NAME = re.compile(r"`((?:%s)(?:[./][A-Za-z_][A-Za-z_0-9]*)*(?:\.py)?)`" % "|".join(PACKAGES))


def named() -> list[str]:
    return sorted(set(NAME.findall(DOC.read_text(encoding="utf-8"))))


def resolve(name: str):
    """The module (or a module's attribute) a name in the page stands for."""
    if name.endswith(".py") or "/" in name:
        path = ROOT / name
        assert path.exists(), f"docs/architecture.md names {name}, which does not exist"
        name = name.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        return importlib.import_module(name)
    parts = name.split(".")
    for i in range(len(parts), 0, -1):  # the longest importable prefix, then attributes
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(name)


def test_the_page_names_the_modules_on_the_path():
    names = named()
    # the page walks the whole path: registry, crawler, runner, formats, extractor, archive
    for must in (
        "crawler/spiders/portals.py",
        "archive/captures.py",
        "archive/build.py",
        "parsers/formats/sniff.py",
        "parsers/report/tables.py",
        "archive/store.py",
        "archive/publish/serve.py",
    ):
        assert must in names, must
    assert len(names) > 40


def test_every_module_named_imports():
    failures = []
    for name in named():
        try:
            resolve(name)
        except Exception as e:  # noqa: BLE001 — collect them all for one message
            failures.append(f"{name}: {type(e).__name__}: {e}")
    assert not failures, "docs/architecture.md names what does not import:\n" + "\n".join(failures)
