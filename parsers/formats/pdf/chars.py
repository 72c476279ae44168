"""A PDF page's characters through pdfium: its text lines, character boxes (without the copies
"fake bold" draws), and the loose boxes and baselines layout recovery measures."""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass

import pypdfium2.raw as praw

from parsers.normalize import normalize_text, squash_spaces

LINE_BREAK = re.compile(r"\r\n|\r|\n")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def clean(s: str) -> str:
    if not s.isprintable():  # (every character _CONTROL removes is unprintable)
        s = _CONTROL.sub("", s)
    return squash_spaces(normalize_text(s))


# --- text lines: pdfium's own line breaks, characters with their boxes ---------------------


def text_lines(tp, text: str | None = None) -> list[str]:
    text = tp.get_text_range() if text is None else text
    if re.search(r"([^\s\d])\1", text):  # maybe "fake bold": 二二、、主主动动
        text = "".join(ch for _, ch, box in page_chars(tp))
    return [t for t in (clean(s) for s in LINE_BREAK.split(text)) if t]


def page_chars(
    tp,
    top_y: float = 0.0,
    text: str | None = None,
    span: tuple[int, int] | None = None,
    seen: dict | None = None,
) -> list[tuple[int, str, tuple | None]]:
    """(index, char, box) in content order without fake-bold copies; box = (x0, top, x1,
    bottom) measured down from `top_y`, or None for spaces and generated line breaks.
    `span`: only the characters start ≤ index < end, `text` the page's text when the caller
    has it, `seen` where characters were drawn, kept by a caller that reads a page in spans.
    (The inner loop of every page that holds a table, hence written flat: pdfium's
    functions bound locally, and a copy looked for only in the buckets it can lie in, and
    not at all for a character alone in its bucket and far from its edges.)"""
    if seen is None:
        seen = {}  # (char, x // B, y // B) → [(x, y)]: where each character was drawn
    left, r, b, t = (ctypes.c_double() for _ in range(4))
    raw = tp.raw
    unicode, charbox = praw.FPDFText_GetUnicode, praw.FPDFText_GetCharBox
    out = []
    add = out.append
    B = _BUCKET
    inner, outer = MAX_COPY_DIST + 0.01, _BUCKET - MAX_COPY_DIST - 0.01
    n = tp.count_chars()
    if text is None:
        text = tp.get_text_range()  # one call for all characters, when it holds one per index
    if len(text) != n:
        text = None
    for i in range(*span) if span else range(n):
        ch = text[i] if text is not None else chr(unicode(raw, i))
        if ch.isspace():  # pdfium generates only spaces and line breaks: no need to ask it
            add((i, ch, None))
            continue
        if not charbox(raw, i, left, r, b, t):
            continue
        x0, y0 = left.value, b.value
        kx, ky = x0 // B, y0 // B
        key = (ch, kx, ky)
        got = seen.get(key)
        if got is None and inner < x0 - kx * B < outer and inner < y0 - ky * B < outer:
            # (most characters) none of its kind in its bucket, and too far inside it for a
            # copy to lie in another: no copy
            seen[key] = [(x0, y0)]
            add((i, ch, (x0, top_y - t.value, r.value, top_y - y0)))
            continue
        x1, y1 = r.value, t.value
        # a copy: the same character drawn within tol of (x0, y0), tol a fifth of its size
        w, h = x1 - x0, y1 - y0
        tol = (h if h > w else w) * 0.2
        tol = 0.5 if tol < 0.5 else 2.0 if tol > 2.0 else tol
        copy = False
        for bx in {(x0 - tol) // B, (x0 + tol) // B}:
            for by in {(y0 - tol) // B, (y0 + tol) // B}:
                for px, py in seen.get((ch, bx, by), ()):
                    if abs(px - x0) <= tol and abs(py - y0) <= tol:
                        copy = True
                        break
        if copy:
            continue
        if got is None:
            seen[key] = [(x0, y0)]
        else:
            got.append((x0, y0))
        add((i, ch, (x0, top_y - y1, x1, top_y - y0)))
    return out


def line_box(tp, start: int, end: int, top_y: float) -> tuple | None:
    """(x0, top, x1, bottom) around the characters start ≤ index < end, measured down from
    `top_y`: the union of their boxes, which pdfium adds up itself (FPDFText_CountRects, one
    rectangle per text object), or None when none has a size."""
    raw = tp.raw
    k = praw.FPDFText_CountRects(raw, start, end - start)
    if k <= 0:
        return None
    left, t, r, b = (ctypes.c_double() for _ in range(4))
    x0 = y0 = float("inf")
    x1 = y1 = float("-inf")
    for j in range(k):
        praw.FPDFText_GetRect(raw, j, left, t, r, b)
        x0, x1 = min(x0, left.value), max(x1, r.value)
        y0, y1 = min(y0, b.value), max(y1, t.value)
    return (x0, top_y - y1, x1, top_y - y0)


_BUCKET = 32.0  # pt: a copy lies in one of at most 4 buckets, in most cases in its own
MAX_COPY_DIST = 2.0  # pt: the largest distance between a character and its copy


@dataclass
class Glyph:
    key: int  # the caller's index of the character
    ch: str
    x0: float
    x1: float
    top: float
    bottom: float
    base: float


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


def join_wrapped(a: str, b: str) -> str:
    """A line wrapped inside a cell joined to the text before it: nothing between CJK
    characters or digits, a space between two words."""
    if a and b and a[-1].isascii() and a[-1].isalpha() and b[0].isascii() and b[0].isalpha():
        return a + " " + b
    return a + b
