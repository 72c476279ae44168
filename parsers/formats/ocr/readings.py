"""What an OCR'd cell says: a number only when independent readings agree, else a marker the
extractor keeps as unreadable (null); and OCR's usual slips in labels and digits mended."""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.normalize import normalize_text


# Number cells. A wrong number is worse than a blank: a number is kept only when independent
# readings agree on it and tesseract is sure enough of it; otherwise the cell becomes an
# unreadable marker ("?" plus what was seen, never a clean number) that the extractor keeps as null.
DIGITS = "tessedit_char_whitelist=0123456789.+-"
# calibrated on generated scans (seeds 2000-2009; checked on 3000-3029): see decide(); since
# PP-OCR's reading took the place of chi_sim's digits only (PARSER_VERSION 15), checked on
# the scans of bench/extract.py seeds 1-3 (1000-1019, 2000-2019, 3000-3019)
AGREE_CONF = 40.0
ALONE_CONF = 88.0
OPPOSE_CONF = 40.0
UNREADABLE = "?"
UNREADABLE_BLANK = "?0"  # no digit seen: the 0 only makes parsers.report.values take it for an
#                          unreadable value (a "?" alone would pass for a label); it is never
#                          read as a number


@dataclass
class Reading:
    text: str  # "" when the reading is not a number
    conf: float  # tesseract's lowest word confidence in the cell (0-100); PP-OCR's mean
    #              character probability × 100, capped (cells.PP_CONF)


BLANK_MARKS = {"/", "／", "\\", "…", "-", "－", "—", "——", "x", "X", "×"}
_GROUPED = re.compile(r"[+\-]?\d{1,3}(,\d{3})+(\.\d+)?")  # 4,047


# 1.613 may be 1,613 read with a dot: the digit readers' whitelist has no comma, and a comma
# printed between thousands comes out of them as a dot. Such a reading is no vote, and a cell
# read only so is set aside (decide) rather than taken for a decimal (a count of 1613 read as
# 1.613 was the one misread of the 20 generated scans of bench/extract.py --seed 1).
_DOT_THOUSANDS = re.compile(r"[+\-]?\d{1,3}(\.\d{3})+")


def reading(text: str, conf: float) -> Reading:
    t = text.replace(" ", "")
    if _GROUPED.fullmatch(t):
        t = t.replace(",", "")
    if not NUMBER.fullmatch(t) or _DOT_THOUSANDS.fullmatch(t):
        return Reading("", conf)
    return Reading(re.sub(r"^([+\-]?)0+(?=\d)", r"\1", t), conf)  # 00 (a 0 read twice) is 0


def first_reading(text: str, conf: float) -> Reading:
    # chi_sim reads a lone 1 as 工: a vote for 1 (at a fixed, modest confidence) that the
    # digits-only readings must confirm, and that stops a lone eng 4 (its slip on a 1)
    if text.strip() == "工":
        return Reading("1", OPPOSE_CONF)
    return reading(text, conf)


def decide(first: str, rs: list[Reading]) -> str:
    """The cell's text from its readings (tesseract's general reading; digits only by eng;
    PP-OCR's, its confidence capped under ALONE_CONF, or without its models digits only by
    chi_sim).

    The most confident number stands when no other reading says another number with some
    confidence (OPPOSE_CONF), and either a second reading agrees (the best then needs
    AGREE_CONF) or it alone is very sure (ALONE_CONF). A cell no reading takes for a number,
    or only faintly while the first reading has no digit, keeps its first reading (a label, a
    blank); any other cell becomes an unreadable marker.
    """
    numbers = [r for r in rs if r.text]
    if not numbers:
        return UNREADABLE + first if _DOT_THOUSANDS.fullmatch(first.replace(" ", "")) else first
    best = max(numbers, key=lambda r: r.conf)
    agree = sum(1 for r in numbers if r.text == best.text)
    opposed = any(r.text != best.text and r.conf >= OPPOSE_CONF for r in numbers)
    if not opposed and (best.conf >= ALONE_CONF or (agree >= 2 and best.conf >= AGREE_CONF)):
        return best.text
    if not re.search(r"\d", first) and best.conf < OPPOSE_CONF:
        return first  # a label (四、) the digits-only readings made a faint number of
    return UNREADABLE + best.text


def opposes(r: Reading, number: str) -> bool:
    """Whether a reading says another number than `number` with OPPOSE_CONF."""
    return bool(r.text) and r.conf >= OPPOSE_CONF and r.text != number.lstrip("+")


def confirm(rs: list[Reading], more: list[Reading], current: str) -> str:
    """A set-aside cell read again (digits chi_sim, digits eng, larger): the number the new
    readings decide by the rule of decide(), when an earlier reading saw it too; else the
    cell stays as it was (`current`)."""
    got = decide("", [rs[0], *more]) if rs else ""
    if got and not got.startswith(UNREADABLE) and any(r.text == got for r in rs):
        return got
    return current


_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
_DIGITISH = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "〇": "0",
        "D": "0",
        "Q": "0",
        "l": "1",
        "I": "1",
        "|": "1",
        "i": "1",
        "!": "1",
        "]": "1",
        "[": "1",
        "S": "5",
        "s": "5",
        "B": "8",
        "Z": "2",
        "z": "2",
        "g": "9",
        "，": ",",
        "。": ".",
        "．": ".",
    }
)
_JUNK = "_'\"`‘’“”~,.:;()（）《》〈〉。、-—=*^"
NUMBER = re.compile(r"[+\-]?\d+(\.\d+)?")
_ONES = re.compile(r"[|lI\]\[!i]+|[OoD〇]")  # a lone 1 or 0 often reads as one of these


def join_words(words: list[str]) -> str:
    """Join tesseract words: no space between CJK characters, one between Latin words."""
    out = ""
    for w in words:
        w = normalize_text(w).strip()
        if not w:
            continue
        if out and not _CJK.match(w[0]) and not _CJK.match(out[-1]):
            out += " "
        out += w
    return out


_DASHES = re.compile(r"[一\-—–_－~～]+")


def clean_cell(text: str) -> str:
    """A cell that reads as a number with OCR's usual slips (letters for digits, specks read
    as punctuation at the ends) gets the number; a dash printed for "nothing" (—), which
    chi_sim reads as 一一, is the blank mark it is."""
    if _DASHES.fullmatch(text.replace(" ", "")):
        return "—"
    t = text.replace(" ", "").strip(_JUNK)
    d = r"[0-9OoDQlIi|!\]\[SsBZzg〇]"
    if (
        t
        and re.fullmatch(rf"[+\-]?{d}+([.,．。]{d}+)?", t)
        and (re.search(r"[0-9]", t) or _ONES.fullmatch(t))
    ):
        return t.translate(_DIGITISH)
    return text


_WITH_UNIT = re.compile(r"[+\-]?\d+(\.\d+)?(万元|亿元|元|件|个|项|次|人次|条)")


# chi_sim slips in the tables' labels: 予 read as 子 (予以公开, 不予处理); 子以 and 不子 are
# not Chinese
_SLIPS = [(re.compile(r"子以"), "予以"), (re.compile(r"不子"), "不予")]


def fix_slips(text: str) -> str:
    for pat, good in _SLIPS:
        text = pat.sub(good, text)
    return text


def numberish(text: str) -> bool:
    """Whether a cell's first reading may be a number: no Chinese, one character only,
    digits with one stray character (人4, 4】: noise on a number), or punctuation alone (a 0
    read as ")"), a blank mark aside. A number with its unit is read well already and keeps
    its unit."""
    t = text.replace(" ", "")
    if t and not t.strip(_JUNK):
        return t not in BLANK_MARKS
    t = t.strip(_JUNK)
    if not t or len(t) > 16 or _WITH_UNIT.fullmatch(t):
        return False
    cjk = len(_CJK.findall(t))
    return cjk == 0 or len(t) == 1 or (cjk == 1 and bool(re.search(r"\d", t)))
