"""Tables printed without ruling lines, recovered from where the characters sit.

A page whose text has table-like lines (a label followed by several numbers, or rows of
numbers) and no ruled table over them is read again with pdfium's character boxes:
characters on one baseline make a line, wide gaps cut a line into segments, and the numeric
segments of several lines line up into column bands. Lines between the data lines are
header rows, band rows, or parts of a label wrapped over lines. Only a run of lines with
strong evidence (several rows of aligned numbers) becomes a table; everything else stays
text. `find_tables` returns the tables and the characters they took.
"""
from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass, field
from statistics import median

import pypdfium2.raw as praw

from parsers.report.values import read_value

# a number standing alone between spaces or line breaks: the cheap test for a text page
_LONE_NUMBER = re.compile(r"(?:^|(?<=\s))[+\-]?\d[\d,]*(?:\.\d+)?(?:万元|元)?(?=\s|$)")
MIN_LONE_NUMBERS = 6
SEG_GAP = 0.75  # a gap wider than this many line heights cuts a line into segments
WORD_GAP = 0.25  # inside a segment, a gap this wide is a space
MAX_ROW_GAP = 2.6  # line heights between consecutive lines of one table


def maybe_table(text: str, least: int = MIN_LONE_NUMBERS) -> bool:
    """Cheap test on a page's text: enough numbers standing alone to be worth a look."""
    n = 0
    for _ in _LONE_NUMBER.finditer(text):
        n += 1
        if n >= least:
            return True
    return False


@dataclass
class Glyph:
    key: int  # the caller's index of the character
    ch: str
    x0: float
    x1: float
    top: float
    bottom: float
    base: float


@dataclass
class Segment:
    glyphs: list[Glyph]
    x0: float
    x1: float
    text: str
    number: bool  # a value: a number (maybe with a unit) or a blank mark
    digits: bool  # a value with digits in it


@dataclass
class Line:
    glyphs: list[Glyph]
    base: float
    top: float
    bottom: float
    segments: list[Segment] = field(default_factory=list)

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def x0(self) -> float:
        return self.segments[0].x0

    @property
    def x1(self) -> float:
        return self.segments[-1].x1

    def data(self) -> int:
        """Number of value segments when the line is labels then values, else 0."""
        k = next((i for i, s in enumerate(self.segments) if s.number), None)
        if k is None or not all(s.number for s in self.segments[k:]):
            return 0
        if not any(s.digits for s in self.segments[k:]):
            return 0
        return len(self.segments) - k


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


def read_glyphs(tp, keyed_chars, top_y: float) -> list[Glyph]:
    """Loose boxes and baselines of the characters `keyed_chars` = [(index, char)]."""
    raw = tp.raw
    rect = praw.FS_RECTF()
    ox, oy = ctypes.c_double(), ctypes.c_double()
    out = []
    for i, ch in keyed_chars:
        if not praw.FPDFText_GetLooseCharBox(raw, i, rect):
            continue
        if not praw.FPDFText_GetCharOrigin(raw, i, ox, oy):
            oy.value = rect.bottom
        top, bottom = top_y - rect.top, top_y - rect.bottom
        if bottom - top <= 0.1 or rect.right < rect.left:
            continue
        out.append(Glyph(i, ch, rect.left, rect.right, top, bottom, top_y - oy.value))
    return out


def find_tables(glyphs: list[Glyph], continuing: bool = False,
                margin: float = 0.0) -> list[Recovered]:
    """Tables on a page. `continuing`: the page before ended in a table, so a short run at
    the top of this page (nothing above it but lines within `margin` of the top) is its
    rest, even when it is too short to be a table on its own evidence."""
    lines = _lines(glyphs)
    out = []
    for n, run in enumerate(_runs(lines)):
        t = _build(lines, run, continuing and n == 0, margin)
        if t is not None:
            out.append(t)
    return out


# --- lines and segments ------------------------------------------------------------------

def _lines(glyphs: list[Glyph]) -> list[Line]:
    lines: list[Line] = []
    for g in sorted(glyphs, key=lambda g: (g.base, g.x0)):
        h = g.bottom - g.top
        if lines and abs(g.base - lines[-1].base) <= max(0.25 * h, 1.0):
            ln = lines[-1]
            ln.glyphs.append(g)
            ln.top, ln.bottom = min(ln.top, g.top), max(ln.bottom, g.bottom)
        else:
            lines.append(Line([g], g.base, g.top, g.bottom))
    for ln in lines:
        ln.glyphs.sort(key=lambda g: g.x0)
        h = median(g.bottom - g.top for g in ln.glyphs)
        ln.top, ln.bottom = ln.base - 0.85 * h, ln.base + 0.15 * h  # a line's own band
        cur = [ln.glyphs[0]]
        for g in ln.glyphs[1:]:
            if g.x0 - cur[-1].x1 > SEG_GAP * h:
                ln.segments.append(_segment(cur, h))
                cur = []
            cur.append(g)
        ln.segments.append(_segment(cur, h))
    return lines


def _segment(glyphs: list[Glyph], h: float) -> Segment:
    text = glyphs[0].ch
    for a, b in zip(glyphs, glyphs[1:]):
        if b.x0 - a.x1 > WORD_GAP * h:
            text += " "
        text += b.ch
    v = read_value(text) if len(text) <= 24 else None
    return Segment(glyphs, glyphs[0].x0, max(g.x1 for g in glyphs), text, v is not None,
                   v is not None and any(c.isdigit() for c in text))


# --- runs of data lines --------------------------------------------------------------------

def _runs(lines: list[Line]) -> list[list[int]]:
    """Indices of data lines, cut into runs where the lines between are too far apart or
    look like prose or a heading."""
    data = [i for i, ln in enumerate(lines) if ln.data()]
    if not data:
        return []
    runs, cur = [], [data[0]]
    for a, b in zip(data, data[1:]):
        h = median([lines[a].height, lines[b].height])
        ok = True
        for k in range(a, b):  # each step between consecutive lines must be short
            if lines[k + 1].top - lines[k].bottom > MAX_ROW_GAP * h:
                ok = False
        for k in range(a + 1, b):
            if _breaker(lines[k], h):
                ok = False
        if ok:
            cur.append(b)
        else:
            runs.append(cur)
            cur = [b]
    runs.append(cur)
    return runs


def _breaker(ln: Line, h: float) -> bool:
    """A line that cannot sit inside a table: larger type, or a long run of prose."""
    if ln.height > 1.3 * h:
        return True
    return any(len(s.glyphs) >= 30 for s in ln.segments)


# --- one table -----------------------------------------------------------------------------

def _bands(lines: list[Line], run: list[int]) -> list[list[float]]:
    ivs = sorted((s.x0, s.x1) for i in run for s in lines[i].segments[-lines[i].data():])
    bands: list[list[float]] = []
    for x0, x1 in ivs:
        if bands and x0 <= bands[-1][1] + 0.5:
            bands[-1][1] = max(bands[-1][1], x1)
        else:
            bands.append([x0, x1])
    return bands


def _band_of(bands, s: Segment) -> int | None:
    best, k = 0.0, None
    for j, (b0, b1) in enumerate(bands):
        ov = min(b1, s.x1) - max(b0, s.x0)
        if ov > best:
            best, k = ov, j
    return k


def _strong(lines: list[Line], run: list[int], bands, headers: list[int]) -> bool:
    counts = [lines[i].data() for i in run]
    multi = sum(c >= 2 for c in counts)
    wide_header = any(len(lines[k].segments) >= 3 for k in headers)
    if not (multi >= 3 or (multi >= 2 and (len(run) >= 4 or wide_header))
            or (max(counts) >= 6 and any(len(lines[k].segments) >= 3 for k in headers))):
        return False
    bad = 0
    for i in run:
        ln = lines[i]
        n = ln.data()
        used = [_band_of(bands, s) for s in ln.segments[-n:]]
        labels = ln.segments[:-n]
        if len(set(used)) != n or (labels and labels[-1].x1 > bands[0][0] + 1):
            bad += 1
    if bad > max(1, len(run) // 10):
        return False
    width = bands[-1][1] - bands[0][0]
    return all(b1 - b0 <= max(width * 0.6, 80) for b0, b1 in bands) or len(bands) == 1


def _build(lines: list[Line], run: list[int], rest: bool = False,
           margin: float = 0.0) -> Recovered | None:
    bands = _bands(lines, run)
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
        if below.top - ln.bottom > MAX_ROW_GAP * h or _breaker(ln, h):
            break
        in_values = [s.x0 >= numeric_x for s in ln.segments]
        centred = len(ln.segments) == 1 and len(ln.glyphs) <= 20 \
            and (ln.x0 + ln.x1) / 2 > numeric_x
        if len(ln.segments) >= 2 and ln.x1 <= bands[-1][1] + 3 * h:
            pass
        elif not (len(ln.segments) == 1 and in_values[0]) and not centred \
                and not _label_only(ln, numeric_x):
            break
        headers.insert(0, k)
        k -= 1
    while headers and not any(s.x1 > numeric_x + 1 for s in lines[headers[0]].segments):
        headers.pop(0)  # a header starts with a line that reaches the value columns
    if not headers:  # the first lines of a label wrapped over lines, bottom-aligned
        k = first - 1
        while k >= 0 and _label_only(lines[k], numeric_x) and not _breaker(lines[k], h) \
                and lines[k + 1].top - lines[k].bottom <= 0.6 * h:
            headers.insert(0, k)
            k -= 1
    rest = rest and all(ln.bottom <= margin for ln in lines[:(headers or [first])[0]])
    # the rest of a table from the page before needs no more evidence than labelled rows
    rest = rest and all(not lines[i].segments[0].number or lines[i].data() >= 2 for i in run)
    if not rest and not _strong(lines, run, bands, headers):
        return None
    # label-only lines hanging below the last data line (a wrapped label)
    tail: list[int] = []
    k = last + 1
    while k < len(lines) and _label_only(lines[k], numeric_x) \
            and lines[k].top - lines[k - 1].bottom <= 0.6 * h and not _breaker(lines[k], h):
        tail.append(k)
        k += 1
    members = headers + list(range(first, last + 1)) + tail
    label_lefts = _label_columns([lines[i] for i in members], numeric_x, h)
    nlab = len(label_lefts)
    table = _Grid(label_lefts, bands)

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
        elif not _label_only(lines[i], numeric_x) and seen:
            sec, seen = sec + 1, False
        sec_of[i] = sec
    sec_bands = []
    for k in range(sec + 1):
        rows_k = [i for i in members if sec_of[i] == k and lines[i].data()]
        sec_bands.append(_bands(lines, rows_k) if rows_k else bands)
    if sec_bands and sec_of[members[-1]] == sec and not any(
            lines[i].data() for i in members if sec_of[i] == sec):
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
                table.put(r, nlab + _band_of(bands_i, s), s.text)
            row_of[i] = r
        elif _label_only(ln, numeric_x):
            loose.append(i)
        else:  # a header or band row
            r = table.new_row(ln, False, bands_i)
            for s in ln.segments:
                if nlab and (s.x1 <= numeric_x + 1 or (s.x0 + s.x1) / 2 < numeric_x
                             and s.x1 < (bands_i[0][0] + bands_i[0][1]) / 2):
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
    _merge_header_lines(table, h)
    header_rows = {r for r, row in enumerate(table.rows) if not row.cells and not row.labels}
    keys = {g.key for i in members for g in lines[i].glyphs}
    rows = table.emit(skip=header_rows)
    top = min(lines[i].top for i in members)
    return Recovered(rows, keys, top, table.xs[0], table.xs[-1], len(table.xs) - 1,
                     continued=rest)


def _label_only(ln: Line, numeric_x: float) -> bool:
    return not ln.data() and all(s.x1 <= numeric_x + 1 for s in ln.segments)


def _span(bands, s: Segment) -> tuple[int, int]:
    """Value columns a header segment covers: those whose centre it spans, else the best."""
    cols = [j for j, (b0, b1) in enumerate(bands) if s.x0 - 1 <= (b0 + b1) / 2 <= s.x1 + 1]
    if not cols:
        cols = [_band_of(bands, s) if _band_of(bands, s) is not None
                else min(range(len(bands)), key=lambda j: abs((bands[j][0] + bands[j][1]) / 2
                                                             - (s.x0 + s.x1) / 2))]
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


@dataclass
class _Row:
    base: float
    top: float
    bottom: float
    data: bool
    bands: list
    cells: dict = field(default_factory=dict)  # value column → [text, span]
    labels: dict = field(default_factory=dict)  # label column → [(base, x0, text)]
    bottom_of: dict = field(default_factory=dict)  # value column → bottom of its last line


class _Grid:
    def __init__(self, label_lefts: list[float], bands):
        self.nlab, self.lefts = len(label_lefts), label_lefts
        self.rows: list[_Row] = []
        self.xs = label_lefts + [b0 for b0, _ in bands] + [bands[-1][1]]

    def new_row(self, ln: Line, data: bool, bands) -> int:
        self.rows.append(_Row(ln.base, ln.top, ln.bottom, data, bands))
        return len(self.rows) - 1

    def put(self, r: int, col: int, text: str, span: int = 1, base: float = 0.0) -> None:
        row = self.rows[r]
        if col < self.nlab:  # a header cell that starts in the label columns
            row.labels.setdefault(col, []).append((base, 0.0, text))
            row.cells[col] = ["", span]
            return
        if span == 1 and self._wrapped(r, col, text):
            return
        cell = row.cells.get(col)
        if cell is None:
            row.cells[col] = [text, span]
        else:
            cell[0] += " " + text

    def _wrapped(self, r: int, col: int, text: str) -> bool:
        """Header text right under a one-column header cell of a row just above (no data
        row between) is the rest of that cell's text."""
        row = self.rows[r]
        for a in reversed(self.rows[:r]):
            h = row.bottom - row.top
            if a.data or a.bands is not row.bands or row.top - a.bottom > 0.6 * h:
                return False
            cell = a.cells.get(col)
            if cell is not None and cell[1] == 1 and col >= self.nlab:
                if row.top - a.bottom_of.get(col, a.bottom) > 0.6 * h:
                    return False
                cell[0] = _join(cell[0], text)
                a.bottom_of[col] = row.bottom
                return True
            if any(c <= col < c + max(v[1], 1) for c, v in a.cells.items()):
                return False  # a wider cell above: a new header level
        return False

    def put_label(self, r: int, col: int, s: Segment, base: float) -> None:
        self.rows[r].labels.setdefault(col, []).append((base, s.x0, s.text))

    def nearest_row(self, ln: Line, h: float) -> tuple[int | None, float]:
        """The row a label-only line belongs to: a data row whose lines it overlaps, else
        the closer of the rows above and below it (the row above on a tie: a wrapped label
        continues downwards)."""
        best, best_d = None, None
        for r, row in enumerate(self.rows):
            ov = min(row.bottom, ln.bottom) - max(row.top, ln.top)
            if ov > 0.15 * h and row.data:
                return r, -1.0
            if row.base < ln.base:
                d = ln.top - row.bottom
            else:
                d = row.top - ln.bottom + 0.01
            if best_d is None or d < best_d:
                best, best_d = r, d
        if best_d is None or best_d > MAX_ROW_GAP * h:
            return None, 0.0
        return best, best_d

    def emit(self, skip: set[int]) -> list[list[tuple[float, float, str]]]:
        out = []
        for r, row in enumerate(self.rows):
            if r in skip:
                continue
            own = {c: v for c, v in row.cells.items()}
            for c, pieces in row.labels.items():
                text = ""
                for _, _, t in _reading_order(pieces, row.bottom - row.top):
                    text = _join(text, t)
                span = own[c][1] if c in own else 0
                own[c] = [text, span]
            cols = sorted(own)
            cells = []
            c = 0
            ncols = self.nlab + len(row.bands)
            xs = self.lefts + [b0 for b0, _ in row.bands] + [row.bands[-1][1]]
            while c < ncols:
                if c in own:
                    text, span = own[c]
                    if span == 0:  # a label: up to the next cell or the value columns
                        end = min([k for k in cols if k > c] + [self.nlab]) \
                            if c < self.nlab else c + 1
                        span = max(end - c, 1)
                    span = max(1, min(span, ncols - c))
                    cells.append((xs[c], xs[c + span], text))
                    c += span
                else:
                    cells.append((xs[c], xs[c + 1], ""))
                    c += 1
            out.append(cells)
        return out


def _join(a: str, b: str) -> str:
    if a and b and a[-1].isascii() and a[-1].isalpha() and b[0].isascii() and b[0].isalpha():
        return a + " " + b
    return a + b


def _merge_header_lines(table: _Grid, h: float) -> None:
    """Header lines close under one another whose cells do not collide are one header row
    (cells centred in a header of two lines sit between the lines of their neighbours)."""
    prev = None
    for row in table.rows:
        if row.data:
            prev = None
            continue
        if prev is not None and row.top - prev.bottom <= 0.6 * h and prev.bands is row.bands:
            taken = {k for c, v in prev.cells.items() for k in range(c, c + max(v[1], 1))}
            mine = {k for c, v in row.cells.items() for k in range(c, c + max(v[1], 1))}
            if not taken & mine:
                prev.cells.update(row.cells)
                for c, pieces in row.labels.items():
                    prev.labels.setdefault(c, []).extend(pieces)
                row.cells, row.labels = {}, {}
                prev.bottom = row.bottom
                continue
        prev = row


def _reading_order(pieces: list[tuple[float, float, str]], h: float) -> list:
    """Label pieces of one cell: lines that start at about one x are one label read top
    down; labels further right (an item beside its group label) come after."""
    groups: list[list] = []
    for p in sorted(pieces, key=lambda p: p[1]):
        if groups and p[1] - groups[-1][0][1] <= 1.5 * h:
            groups[-1].append(p)
        else:
            groups.append([p])
    return [p for g in groups for p in sorted(g)]
