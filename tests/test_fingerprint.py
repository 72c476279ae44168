"""PARSER_VERSION cannot be forgotten: the extraction records of a fixed set of documents
(generated ones of every format, and the shared real reports when ../shared is present) are
fingerprinted in tests/fingerprints.json together with the version that made them.

A change that changes any record fails here until PARSER_VERSION (parsers/__init__.py) is
bumped and the file regenerated — the archive re-parses every document on a bump, and only
then. A deliberate change is two steps:

    1. bump PARSER_VERSION in parsers/__init__.py
    2. .venv/bin/python tests/test_fingerprint.py --update

The update refuses to write changed fingerprints under the old version. The fingerprints are
computed in a fresh process (generated scans depend on the renderer's state in a process
that has rendered other PDFs) on the machine scripts/setup.sh makes (its fonts and tesseract).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import parsers  # noqa: E402
from synthetic.layout import choose_layout  # noqa: E402
from synthetic.report import generate_report  # noqa: E402

FILE = HERE / "fingerprints.json"
SHARED = HERE.parent.parent / "shared"
HOW = (
    "bump PARSER_VERSION in parsers/__init__.py, then regenerate the fingerprints: "
    ".venv/bin/python tests/test_fingerprint.py --update"
)

# (format, seeds, layouts): every layout each renderer knows, both templates, both charsets
GENERATED = [
    ("html", range(70_000, 70_008), [None, "template", "split", "flat", "cms", "word"]),
    ("docx", range(71_000, 71_006), [None, "template", "split", "flat"]),
    ("pdf", range(72_000, 72_006), [None, "template", "split", "flat"]),
    ("text", range(73_000, 73_006), [None]),
    ("doc", range(74_000, 74_001), [None]),
    ("wps", range(75_000, 75_001), [None]),
    ("scan", range(76_000, 76_001), [None]),
    ("ofd", range(77_000, 77_002), [None, "split"]),
    ("mht", range(78_000, 78_002), [None]),
]


def _render(fmt: str, seed: int, layout):
    from synthetic import render_doc, render_docx, render_html, render_pdf, render_scan, render_text

    rep = generate_report(seed, pages=3)
    if fmt == "html":
        lay = choose_layout(rep, "html", layout)
        enc = "gbk" if seed % 2 else "utf-8"
        return render_html.render_html(rep, layout=lay, encoding=enc), "report.html"
    if fmt == "scan":
        return render_scan.render_scan(rep, seed=seed), "scan.pdf"
    if fmt == "ofd":
        from synthetic.render_ofd import render_ofd

        return render_ofd(rep, layout=choose_layout(rep, "pdf", layout)), "report.ofd"
    if fmt == "mht":
        from synthetic.render_mht import render_mht

        return render_mht(rep), "report.doc"
    lay = choose_layout(rep, "pdf" if fmt == "pdf" else "docx", layout)
    render = {
        "docx": render_docx.render_docx,
        "pdf": render_pdf.render_pdf,
        "doc": render_doc.render_doc,
        "wps": render_doc.render_wps,
    }.get(fmt)
    if fmt == "text":
        return render_text.render_text(rep), "report.txt"
    return render(rep, layout=lay), f"report.{fmt}"


def documents(shared: bool):
    """(key, bytes, file name) of every fingerprinted document."""
    for fmt, seeds, layouts in GENERATED:
        for i, seed in enumerate(seeds):
            layout = layouts[i % len(layouts)]
            data, name = _render(fmt, seed, layout)
            yield f"generated/{fmt}/{seed}/{layout or 'default'}", data, name
    if shared:
        for path in sorted((SHARED / "seeds").glob("*.txt")) + sorted(
            (SHARED / "corpus").iterdir()
        ):
            if path.suffix != ".md":
                yield f"shared/{path.parent.name}/{path.name}", path.read_bytes(), path.name


def fingerprint(record: dict) -> str:
    """The record's content (not the version it names) as a short hash."""
    content = {k: v for k, v in record.items() if k != "extractor_version"}
    text = json.dumps(content, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def current(shared: bool) -> dict[str, str]:
    return {
        key: fingerprint(parsers.extract_bytes(data, name=name))
        for key, data, name in documents(shared)
    }


def current_in_child(shared: bool) -> dict[str, str]:
    args = [sys.executable, __file__, "--print"] + (["--shared"] if shared else [])
    out = subprocess.run(args, check=True, capture_output=True, text=True, timeout=600)
    return json.loads(out.stdout)


def _changes(stored: dict, got: dict) -> list[str]:
    return [f"{k}: {stored.get(k, 'new')} → {v}" for k, v in got.items() if stored.get(k) != v]


def test_records_change_only_with_a_parser_version_bump():
    saved = json.loads(FILE.read_text(encoding="utf-8"))
    shared = (SHARED / "gold").is_dir()
    got = current_in_child(shared)
    changes = _changes(saved["records"], got)
    if saved["parser_version"] != parsers.PARSER_VERSION:
        raise AssertionError(
            f"PARSER_VERSION is {parsers.PARSER_VERSION!r}, the fingerprints were made by "
            f"{saved['parser_version']!r}: regenerate them with "
            ".venv/bin/python tests/test_fingerprint.py --update"
        )
    assert not changes, (
        f"{len(changes)} extraction record(s) changed without a PARSER_VERSION bump "
        f"(the archive would keep the old records): {HOW}.\n" + "\n".join(changes[:20])
    )


def main(argv: list[str]) -> int:
    if argv[:1] == ["--print"]:
        print(json.dumps(current(shared="--shared" in argv)))
        return 0
    if argv != ["--update"]:
        print(__doc__)
        return 2
    if not (SHARED / "gold").is_dir():
        print(f"{SHARED} is needed to regenerate the fingerprints", file=sys.stderr)
        return 1
    saved = json.loads(FILE.read_text(encoding="utf-8")) if FILE.exists() else None
    got = current(shared=True)
    if saved and saved["parser_version"] == parsers.PARSER_VERSION:
        changes = _changes(saved["records"], got)
        if changes:
            print(
                f"{len(changes)} record(s) changed and PARSER_VERSION is still "
                f"{parsers.PARSER_VERSION!r}: bump it in parsers/__init__.py first.",
                file=sys.stderr,
            )
            print("\n".join(changes), file=sys.stderr)
            return 1
    FILE.write_text(
        json.dumps(
            {"parser_version": parsers.PARSER_VERSION, "records": got}, ensure_ascii=False, indent=1
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {len(got)} fingerprints for PARSER_VERSION {parsers.PARSER_VERSION!r} to {FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
