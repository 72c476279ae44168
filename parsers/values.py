"""Reading one table cell: a number (with an optional unit), a blank, or a label."""
from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.normalize import normalize_text

_MARKERS = re.compile(r"\[bookmark:[^\]]*\]|\[[a-z]+:[^\]]*\]")
_NUMBER = re.compile(r"^([+\-−－]?)(\d+(?:\.\d+)?)(万元|亿元|元|件|个|项|次|人次|条)?$")
_BLANKS = {"", "-", "—", "——", "－", "/", "／", "\\", "…"}


@dataclass(frozen=True)
class Value:
    number: int | float | None  # None for a blank
    unit: str | None = None


def clean_cell(text: str) -> str:
    s = normalize_text(text or "")
    s = _MARKERS.sub("", s)
    return "".join(s.split())


def read_value(text: str) -> Value | None:
    """The cell as a value, or None when it is a label (text that is not a number)."""
    s = clean_cell(text).replace(",", "").replace("，", "")
    if s in _BLANKS:
        return Value(None)
    m = _NUMBER.match(s)
    if not m:
        return None
    sign, digits, unit = m.groups()
    number = float(digits) if "." in digits else int(digits)
    if sign in ("-", "−", "－"):
        number = -number
    return Value(number, unit)
