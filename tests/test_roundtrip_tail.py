"""Round trip of the long tail (synthetic/cases.py): generate → publish as a real portal
would (pictures of tables, OFD, MHT, ZIP/RAR, compilations, split attachments, 2019
sub-tables, wrong OCR layers, zeros as blanks, titles in other orders) → read back → every
cell and check compared with the truth. The OCR cases run fewer reports (bench/extract.py
runs 30 of each)."""

from __future__ import annotations

import pytest

from synthetic.cases import CASES, run
from synthetic.score import Score, score

# case: (reports at least, cell accuracy at least); misread must be 0 everywhere. A scan with
# its own wrong OCR layer loses the numbers that layer contradicts (unless our three readings
# agree): blanks, never a wrong number
WANT = {
    "pictures-html": (3, 0.99),
    "pictures-docx": (3, 0.99),
    "ofd": (30, 0.999),
    "mht": (30, 0.999),
    "zipped": (30, 0.999),
    "compilation": (30, 0.999),
    "split": (30, 0.999),
    "subtables-2019": (30, 0.999),
    "ocr-layer": (2, 0.85),
    "zeros-blank": (30, 0.999),
    "title-order": (30, 0.999),
}
BASE = 50_000


def test_every_case_is_tested():
    assert set(WANT) == set(CASES)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(WANT))
def test_roundtrip_tail(name, capsys):
    n, floor = WANT[name]
    total, reports, seed, wrong, meta = Score(), 0, BASE, [], 0
    while reports < n:
        sample, got = run(CASES[name], seed)
        for truth, rec in zip(sample.truths, got, strict=True):
            s = score(truth, rec)
            total.add(s)
            reports += 1
            meta += bool(s.meta)
            if not s.exact:
                wrong.append((seed, s.wrong[:3], s.meta[:2]))
        seed += 1
    line = (
        f"round trip {name}: {reports} reports, cell accuracy {total.accuracy:.4%}, "
        f"blank {total.blanked}, misread {total.misread}, metadata/checks mismatches {meta}"
    )
    with capsys.disabled():
        print("\n" + line)
    detail = "\n".join(map(str, wrong[:6]))
    assert total.misread == 0, f"{line}\n{detail}"
    assert total.accuracy >= floor, f"{line}\n{detail}"
    if not CASES[name].slow:
        assert meta == 0, f"{line}\n{detail}"
