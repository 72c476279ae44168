"""Reading one table cell: a number (with an optional unit), a blank, or a label."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from parsers.normalize import normalize_text

_MARKERS = re.compile(r"\[bookmark:[^\]]*\]|\[[a-z]+:[^\]]*\]")
_NUMBER = re.compile(r"^([+\-−－]?)(\d+(?:\.\d+)?)(万元|亿元|元|件|个|项|次|人次|条)?$")
_BLANKS = {"", "-", "—", "——", "－", "/", "／", "\\", "…"}


_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Value:
    number: int | float | None  # None for a blank or an unreadable cell
    unit: str | None = None
    unreadable: bool = False  # text where a number belongs (OCR noise): kept as null
    pos: dict | None = field(default=None, compare=False)  # where the source printed it


def clean_cell(text: str) -> str:
    """The text without markers, compatibility characters or whitespace. (The extractor's
    readers each clean the lines they look at, so a short line is cleaned once and then
    looked up; a long one, which could be any size, is not kept.)"""
    if text and len(text) <= 200:
        return _clean_short(text)
    return _clean(text or "")


def _clean(text: str) -> str:
    s = normalize_text(text)
    if "[" in s:  # (most cells hold no marker: the regex not run for them)
        s = _MARKERS.sub("", s)
    return "".join(s.split())


_clean_short = lru_cache(maxsize=4096)(_clean)


@lru_cache(maxsize=8192)  # a report's cells repeat (0, 1, —): each text read once
def read_value(text: str) -> Value | None:
    """The cell as a value, or None when it is a label (a Value is immutable: one is shared
    by every cell that reads the same).

    A label has two or more hanzi, or one and no digit (一、 is a label, 人4 is noise). Other
    text that is not a number is an unreadable value: null, its digits never guessed at.
    """
    s = clean_cell(text).replace(",", "").replace("，", "")
    if s in _BLANKS:
        return Value(None)
    if s.startswith(("?", "？")):  # a reader's mark for a number it could not read (OCR)
        return Value(None, unreadable=True)
    m = _NUMBER.match(s)
    if not m:
        hanzi = len(_CJK.findall(s))
        if hanzi >= 2 or (hanzi == 1 and not re.search(r"\d", s)) or not re.search(r"\d", s):
            return None
        return Value(None, unreadable=True)
    sign, digits, unit = m.groups()
    number = float(digits) if "." in digits else int(digits)
    if sign in ("-", "−", "－"):
        number = -number
    return Value(number, unit)
