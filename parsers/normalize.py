"""Text normalisation shared by every parser and the extractor."""

from __future__ import annotations

import re
import unicodedata

# Kangxi radicals (U+2F00–U+2FD5) and CJK radicals supplement look like ordinary hanzi in PDFs
# made by some Word/WPS versions; NFKC maps the Kangxi block. A few supplement characters have
# no compatibility mapping, so they are listed.
_EXTRA = {
    "⺠": "民",
    "⻓": "长",
    "⻔": "门",
    "⻄": "西",
    "⻅": "见",
    "⻆": "角",
    "⻋": "车",
    "⻜": "飞",
    "⻢": "马",
    "⻥": "鱼",
    "⻚": "页",
    "⻩": "黄",
    "⻬": "齐",
    "⺟": "母",
    "⻙": "韦",
    "\u3000": " ",
    "\xa0": " ",
    "\u200b": "",
    "\ufeff": "",
    "\u2002": " ",
    "\u2003": " ",
}

# the characters NFKC folds that matter here: Kangxi radicals, compatibility ideographs,
# fullwidth digits and letters (NFKC of whole texts would also fold punctuation, and is slow);
# one regex finds them and the extra ones (str.translate with a dict is slower on CJK text)
_FOLD = re.compile(
    "[%s\u2f00-\u2fdf\uf900-\ufaff\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]" % "".join(_EXTRA)
)


def _fold(m: re.Match) -> str:
    ch = m.group()
    extra = _EXTRA.get(ch)
    return extra if extra is not None else unicodedata.normalize("NFKC", ch)


def normalize_text(s: str) -> str:
    """Fold compatibility characters (⼀→一, fullwidth digits and letters) and odd spaces.

    CJK punctuation such as （）、：is kept: it carries meaning for labels and headings.
    """
    if not s:
        return ""
    return _FOLD.sub(_fold, s)


_SPACE = re.compile(r"[ \t\r\f\v]+")


def squash_spaces(s: str) -> str:
    return _SPACE.sub(" ", s).strip()
