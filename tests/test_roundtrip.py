"""Round trip: generate → render → parsers.extract_bytes → the record equals the truth.

Fixed seeds (CI is reproducible); 200 reports per format; per-format cell accuracy is printed.
"""

from collections import Counter

import pytest

import parsers
from synthetic.layout import choose_layout
from synthetic.render_docx import render_docx
from synthetic.render_html import render_html
from synthetic.render_pdf import render_pdf
from synthetic.render_text import render_text
from synthetic.report import generate_report
from synthetic.score import Score, score, text_check_counts

N = 200
BASE = {"html": 10_000, "docx": 20_000, "pdf": 30_000, "text": 40_000}
LAYOUTS = [None, None, "template", "split", None, "flat", "cms", "word"]


def render(fmt: str, i: int):
    """The i-th case of a format: (report, layout, bytes, file name)."""
    seed = BASE[fmt] + i
    rep = generate_report(seed, pages=4)  # short narrative keeps the run quick; still multi-page
    name = LAYOUTS[i % len(LAYOUTS)]
    if fmt == "html" and name == "word" or fmt != "html" and name in ("cms", "word"):
        name = None if fmt != "html" else "word"
    lay = choose_layout(rep, fmt, name)
    if fmt == "html":
        enc = "gbk" if i % 4 == 1 else "utf-8"
        return rep, lay, render_html(rep, layout=lay, encoding=enc), f"report{seed}.html"
    if fmt == "docx":
        return rep, lay, render_docx(rep, layout=lay), f"report{seed}.docx"
    if fmt == "text":
        return rep, lay, render_text(rep, layout=lay), f"report{seed}.txt"
    return rep, lay, render_pdf(rep, layout=lay), f"report{seed}.pdf"


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["html", "docx", "pdf", "text"])
def test_roundtrip(fmt, capsys):
    total, failures, meta_bad, errors = Score(), [], 0, Counter()
    for i in range(N):
        rep, lay, data, name = render(fmt, i)
        try:
            got = parsers.extract_bytes(data, name=name)
        except Exception as e:  # a crash scores every cell wrong
            errors[type(e).__name__] += 1
            got = {"tables": {}, "checks": []}
            failures.append((rep.seed, lay.name, f"{type(e).__name__}: {e}"[:200]))
        s = score(rep.record, got)
        total.add(s)
        meta_bad += bool(s.meta)
        if not s.exact:
            kinds = rep.labels.get("__kinds__")
            failures.append((rep.seed, lay, kinds, s.wrong[:4], s.meta[:3]))
    line = (
        f"round trip {fmt}: {N} reports, cell accuracy {total.accuracy:.4%} "
        f"({total.correct}/{total.cells}), exact {N - len({f[0] for f in failures})}/{N}, "
        f"metadata/checks mismatches {meta_bad}, crashes {sum(errors.values())}"
    )
    with capsys.disabled():
        print("\n" + line)
        for f in failures[:8]:
            print("   ", f)
    detail = "\n".join(map(str, failures[:10]))
    assert total.accuracy >= 0.995, f"{line}\n{detail}"
    assert meta_bad <= N // 200, f"{line}\n{detail}"


N_PROSE = 40  # reports per format whose prose states figures: half agree, half disagree
PROSE = {"html": render_html, "docx": render_docx, "pdf": render_pdf, "text": render_text}


@pytest.mark.parametrize("fmt", list(PROSE))
def test_text_vs_table_precision_and_recall(fmt, capsys):
    """Figures the prose states against the tables (parsers/report/statements.py): every
    planted disagreement found, none raised on reports whose prose agrees."""
    found = extra = missed = planted = on_agreeing = 0
    for i in range(N_PROSE):
        mode = ("agree", "disagree")[i % 2]
        rep = generate_report(BASE[fmt] + 5_000 + i, pages=4, prose_figures=mode)
        got = parsers.extract_bytes(PROSE[fmt](rep), name=f"r.{fmt}")
        tp, fp, fn = text_check_counts(rep.record, got)
        found, extra, missed = found + tp, extra + fp, missed + fn
        planted += len(rep.record["text_checks"])
        if mode == "agree":
            on_agreeing += len(got["text_checks"])
    precision = found / (found + extra) if found + extra else 1.0
    recall = found / planted if planted else 1.0
    with capsys.disabled():
        print(
            f"\ntext vs table {fmt}: {N_PROSE} reports, {planted} planted disagreements, "
            f"precision {precision:.3f} ({found}/{found + extra}), recall {recall:.3f} "
            f"({found}/{planted}); raised on agreeing reports: {on_agreeing}"
        )
    assert planted >= N_PROSE // 2 and recall == 1.0 and precision == 1.0 and on_agreeing == 0
