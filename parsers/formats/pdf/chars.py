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
    return squash_spaces(normalize_text(_CONTROL.sub("", s)))


# --- text lines: pdfium's own line breaks, characters with their boxes ---------------------

def text_lines(tp, text: str | None = None) -> list[str]:
    text = tp.get_text_range() if text is None else text
    if re.search(r"([^\s\d])\1", text):  # maybe "fake bold": 二二、、主主动动
        text = "".join(ch for _, ch, box in page_chars(tp))
    return [t for t in (clean(s) for s in LINE_BREAK.split(text)) if t]


def page_chars(tp, top_y: float = 0.0):
    """(index, char, box) in content order without fake-bold copies; box = (x0, top, x1,
    bottom) measured down from `top_y`, or None for spaces and generated line breaks."""
    seen: dict = {}
    l, r, b, t = (ctypes.c_double() for _ in range(4))
    raw = tp.raw
    for i in range(tp.count_chars()):
        ch = chr(praw.FPDFText_GetUnicode(raw, i))
        if ch.isspace() or praw.FPDFText_IsGenerated(raw, i) == 1:
            yield i, ch, None
            continue
        if not praw.FPDFText_GetCharBox(raw, i, l, r, b, t):
            continue
        size = max(t.value - b.value, r.value - l.value, 1.0)
        if _seen_before(seen, ch, l.value, b.value, min(max(size * 0.2, 0.5), 2.0)):
            continue
        yield i, ch, (l.value, top_y - t.value, r.value, top_y - b.value)


def _seen_before(seen: dict, ch: str, x: float, y: float, tol: float) -> bool:
    """The same character already drawn within `tol` of (x, y)?"""
    ix, iy = int(x // 2), int(y // 2)
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            for px, py in seen.get((ch, ix + dx, iy + dy), ()):
                if abs(px - x) <= tol and abs(py - y) <= tol:
                    return True
    seen.setdefault((ch, ix, iy), []).append((x, y))
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
