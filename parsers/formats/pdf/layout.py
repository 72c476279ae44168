"""Tables printed without ruling lines, recovered from where the characters sit.

A page whose text has table-like lines (a label followed by several numbers, or rows of
numbers) and no ruled table over them is read again with pdfium's character boxes: its
characters make lines and segments (`lines`), and the numeric segments of several lines line
up into column bands. Lines between the data lines are header rows, band rows, or parts of a
label wrapped over lines. Only a run of lines with strong evidence (several rows of aligned
numbers) becomes a table (`layout_grid` holds its cells); everything else stays text.
`find_tables` returns the tables and the characters they took.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise
from statistics import median

from parsers.formats.pdf.chars import Glyph
from parsers.formats.pdf.layout_grid import LayoutGrid, merge_header_lines
from parsers.formats.pdf.lines import (
    MAX_ROW_GAP,
    Line,
    Segment,
    band_of,
    breaks_table,
    label_only,
    lines_of,
    value_bands,
)

# a number standing alone between spaces or line breaks: the cheap test for a text page
_LONE_NUMBER = re.compile(r"(?:^|(?<=\s))[+\-]?\d[\d,]*(?:\.\d+)?(?:万元|元)?(?=\s|$)")
MIN_LONE_NUMBERS = 6


def maybe_table(text: str, least: int = MIN_LONE_NUMBERS) -> bool:
    """Cheap test on a page's text: enough numbers standing alone to be worth a look."""
    n = 0
    for _ in _LONE_NUMBER.finditer(text):
        n += 1
        if n >= least:
            return True
    return False


@dataclass
class Recovered:
    """A table found on a page: rows of (x0, x1, text) cells, and the characters it took."""

    rows: list[list[tuple[float, float, str]]]
    keys: set[int]
    top: float
    x0: float
    x1: float
    ncols: int
    continued: bool = False  # the rest of a table from the page before
    ys: list = field(default_factory=list)  # each row's (top, bottom) on the page


def find_tables(
    glyphs: list[Glyph], continuing: bool = False, margin: float = 0.0
) -> list[Recovered]:
    """Tables on a page. `continuing`: the page before ended in a table, so a short run at
    the top of this page (nothing above it but lines within `margin` of the top) is its
    rest, even when it is too short to be a table on its own evidence."""
    lines = lines_of(glyphs)
    out = []
    for n, run in enumerate(_runs(lines)):
        t = _build(lines, run, continuing and n == 0, margin)
        if t is not None:
            out.append(t)
    return out


def _runs(lines: list[Line]) -> list[list[int]]:
    """Indices of data lines, cut into runs where the lines between are too far apart or
    look like prose or a heading."""
    data = [i for i, ln in enumerate(lines) if ln.data()]
    if not data:
        return []
    runs, cur = [], [data[0]]
    for a, b in pairwise(data):
        h = median([lines[a].height, lines[b].height])
        ok = True
        for k in range(a, b):  # each step between consecutive lines must be short
            if lines[k + 1].top - lines[k].bottom > MAX_ROW_GAP * h:
                ok = False
        for k in range(a + 1, b):
            if breaks_table(lines[k], h):
                ok = False
        if ok:
            cur.append(b)
        else:
            runs.append(cur)
            cur = [b]
    runs.append(cur)
    return runs


def _strong(lines: list[Line], run: list[int], bands, headers: list[int]) -> bool:
    counts = [lines[i].data() for i in run]
    multi = sum(c >= 2 for c in counts)
    wide_header = any(len(lines[k].segments) >= 3 for k in headers)
    if not (
        multi >= 3
        or (multi >= 2 and (len(run) >= 4 or wide_header))
        or (max(counts) >= 6 and any(len(lines[k].segments) >= 3 for k in headers))
    ):
        return False
    bad = 0
    for i in run:
        ln = lines[i]
        n = ln.data()
        used = [band_of(bands, s) for s in ln.segments[-n:]]
        labels = ln.segments[:-n]
        if len(set(used)) != n or (labels and labels[-1].x1 > bands[0][0] + 1):
            bad += 1
    if bad > max(1, len(run) // 10):
        return False
    width = bands[-1][1] - bands[0][0]
    return all(b1 - b0 <= max(width * 0.6, 80) for b0, b1 in bands) or len(bands) == 1


def _build(
    lines: list[Line], run: list[int], rest: bool = False, margin: float = 0.0
) -> Recovered | None:
    bands = value_bands(lines, run)
    if not bands:
        return None
    first, last = run[0], run[-1]
    h = median(lines[i].height for i in run)
    numeric_x = bands[0][0] - 1.0  # segments right of this sit in the value columns
    # header lines above the first data line
    headers: list[int] = []
    k = first - 1
    while k >= 0:
        ln, below = lines[k], lines[k + 1]
        if below.top - ln.bottom > MAX_ROW_GAP * h or breaks_table(ln, h):
            break
        in_values = [s.x0 >= numeric_x for s in ln.segments]
        centred = len(ln.segments) == 1 and len(ln.glyphs) <= 20 and (ln.x0 + ln.x1) / 2 > numeric_x
        if len(ln.segments) >= 2 and ln.x1 <= bands[-1][1] + 3 * h:
            pass
        elif (
            not (len(ln.segments) == 1 and in_values[0])
            and not centred
            and not label_only(ln, numeric_x)
        ):
            break
        headers.insert(0, k)
        k -= 1
    while headers and not any(s.x1 > numeric_x + 1 for s in lines[headers[0]].segments):
        headers.pop(0)  # a header starts with a line that reaches the value columns
    if not headers:  # the first lines of a label wrapped over lines, bottom-aligned
        k = first - 1
        while (
            k >= 0
            and label_only(lines[k], numeric_x)
            and not breaks_table(lines[k], h)
            and lines[k + 1].top - lines[k].bottom <= 0.6 * h
        ):
            headers.insert(0, k)
            k -= 1
    rest = rest and all(ln.bottom <= margin for ln in lines[: (headers or [first])[0]])
    # the rest of a table from the page before needs no more evidence than labelled rows
    rest = rest and all(not lines[i].segments[0].number or lines[i].data() >= 2 for i in run)
    if not rest and not _strong(lines, run, bands, headers):
        return None
    # label-only lines hanging below the last data line (a wrapped label)
    tail: list[int] = []
    k = last + 1
    while (
        k < len(lines)
        and label_only(lines[k], numeric_x)
        and lines[k].top - lines[k - 1].bottom <= 0.6 * h
        and not breaks_table(lines[k], h)
    ):
        tail.append(k)
        k += 1
    members = headers + list(range(first, last + 1)) + tail
    label_lefts = _label_columns([lines[i] for i in members], numeric_x, h)
    nlab = len(label_lefts)
    table = LayoutGrid(label_lefts, bands)

    def label_col(x: float) -> int:
        col = 0
        for c, left in enumerate(label_lefts):
            if left <= x + 0.6 * h:
                col = c
        return col

    # sections: data rows under one header share value columns (a template's column
    # count changes from band to band)
    sec_of: dict[int, int] = {}
    sec, seen = 0, False
    for i in members:
        if lines[i].data():
            seen = True
        elif not label_only(lines[i], numeric_x) and seen:
            sec, seen = sec + 1, False
        sec_of[i] = sec
    sec_bands = []
    for k in range(sec + 1):
        rows_k = [i for i in members if sec_of[i] == k and lines[i].data()]
        sec_bands.append(value_bands(lines, rows_k) if rows_k else bands)
    if (
        sec_bands
        and sec_of[members[-1]] == sec
        and not any(lines[i].data() for i in members if sec_of[i] == sec)
    ):
        sec_bands[sec] = sec_bands[sec - 1] if sec else bands

    # rows: data lines and lines reaching into the value columns; label-only lines later
    row_of: dict[int, int] = {}
    loose: list[int] = []
    for i in members:
        ln = lines[i]
        bands_i = sec_bands[sec_of[i]]
        if ln.data():
            n = ln.data()
            r = table.new_row(ln, True, bands_i)
            for s in ln.segments[:-n]:
                table.put_label(r, label_col(s.x0), s, ln.base)
            for s in ln.segments[-n:]:
                table.put(r, nlab + band_of(bands_i, s), s.text)
            row_of[i] = r
        elif label_only(ln, numeric_x):
            loose.append(i)
        else:  # a header or band row
            r = table.new_row(ln, False, bands_i)
            for s in ln.segments:
                if nlab and (
                    s.x1 <= numeric_x + 1
                    or (s.x0 + s.x1) / 2 < numeric_x
                    and s.x1 < (bands_i[0][0] + bands_i[0][1]) / 2
                ):
                    table.put_label(r, label_col(s.x0), s, ln.base)
                    continue
                c0, c1 = _span(bands_i, s)
                c0, c1 = c0 + nlab, c1 + nlab
                if (s.x0 + s.x1) / 2 < numeric_x and nlab:  # a band across the whole table
                    c0 = label_col(s.x0)
                table.put(r, c0, s.text, span=c1 - c0 + 1, base=ln.base)
            row_of[i] = r
    while loose:  # the label-only line closest to a row first: it may bring the next one
        best = None
        for i in loose:
            r, d = table.nearest_row(lines[i], h)
            if r is not None and (best is None or d < best[2]):
                best = (i, r, d)
        if best is None:
            return None
        i, r, _ = best
        loose.remove(i)
        ln = lines[i]
        for s in ln.segments:
            table.put_label(r, label_col(s.x0), s, ln.base)
        table.rows[r].top = min(table.rows[r].top, ln.top)
        table.rows[r].bottom = max(table.rows[r].bottom, ln.bottom)
    merge_header_lines(table, h)
    header_rows = {r for r, row in enumerate(table.rows) if not row.cells and not row.labels}
    keys = {g.key for i in members for g in lines[i].glyphs}
    rows = table.emit(skip=header_rows)
    ys = [(row.top, row.bottom) for r, row in enumerate(table.rows) if r not in header_rows]
    top = min(lines[i].top for i in members)
    return Recovered(
        rows, keys, top, table.xs[0], table.xs[-1], len(table.xs) - 1, continued=rest, ys=ys
    )


def _span(bands, s: Segment) -> tuple[int, int]:
    """Value columns a header segment covers: those whose centre it spans, else the best."""
    cols = [j for j, (b0, b1) in enumerate(bands) if s.x0 - 1 <= (b0 + b1) / 2 <= s.x1 + 1]
    if not cols:
        cols = [
            band_of(bands, s)
            if band_of(bands, s) is not None
            else min(
                range(len(bands)),
                key=lambda j: abs((bands[j][0] + bands[j][1]) / 2 - (s.x0 + s.x1) / 2),
            )
        ]
    return cols[0], cols[-1]


def _label_columns(lines: list[Line], numeric_x: float, h: float) -> list[float]:
    """Left edges of the label columns: x0 of label segments that several lines share."""
    xs = sorted(s.x0 for ln in lines for s in ln.segments if s.x1 <= numeric_x + 1)
    if not xs:
        return []
    groups: list[list[float]] = []
    for x in xs:
        if groups and x - groups[-1][-1] <= 0.6 * h:
            groups[-1].append(x)
        else:
            groups.append([x])
    lefts = [g[0] for g in groups if len(g) >= 2] or [groups[0][0]]
    return [min(xs[0], lefts[0])] + lefts[1:]
