"""Characters of a PDF page into lines and segments: glyphs on one baseline make a line, wide
gaps cut a line into segments, and a segment that reads as a value (a number, maybe with a
unit, or a blank mark) is a value cell. What layout recovery builds tables from."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from statistics import median

from parsers.formats.pdf.chars import Glyph
from parsers.report.values import read_value

SEG_GAP = 0.75  # a gap wider than this many line heights cuts a line into segments
WORD_GAP = 0.25  # inside a segment, a gap this wide is a space
MAX_ROW_GAP = 2.6  # line heights between consecutive lines of one table


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


def lines_of(glyphs: list[Glyph]) -> list[Line]:
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
    for a, b in pairwise(glyphs):
        if b.x0 - a.x1 > WORD_GAP * h:
            text += " "
        text += b.ch
    v = read_value(text) if len(text) <= 24 else None
    return Segment(
        glyphs,
        glyphs[0].x0,
        max(g.x1 for g in glyphs),
        text,
        v is not None,
        v is not None and any(c.isdigit() for c in text),
    )


def breaks_table(ln: Line, h: float) -> bool:
    """A line that cannot sit inside a table: larger type, or a long run of prose."""
    if ln.height > 1.3 * h:
        return True
    return any(len(s.glyphs) >= 30 for s in ln.segments)


def value_bands(lines: list[Line], run: list[int]) -> list[list[float]]:
    ivs = sorted((s.x0, s.x1) for i in run for s in lines[i].segments[-lines[i].data() :])
    bands: list[list[float]] = []
    for x0, x1 in ivs:
        if bands and x0 <= bands[-1][1] + 0.5:
            bands[-1][1] = max(bands[-1][1], x1)
        else:
            bands.append([x0, x1])
    return bands


def band_of(bands, s: Segment) -> int | None:
    best, k = 0.0, None
    for j, (b0, b1) in enumerate(bands):
        ov = min(b1, s.x1) - max(b0, s.x0)
        if ov > best:
            best, k = ov, j
    return k


def label_only(ln: Line, numeric_x: float) -> bool:
    return not ln.data() and all(s.x1 <= numeric_x + 1 for s in ln.segments)
