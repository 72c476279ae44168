"""Text normalisation shared by every parser and the extractor."""
from __future__ import annotations

import re
import unicodedata

# Kangxi radicals (U+2F00–U+2FD5) and CJK radicals supplement look like ordinary hanzi in PDFs
# made by some Word/WPS versions; NFKC maps the Kangxi block. A few supplement characters have
# no compatibility mapping, so they are listed.
_EXTRA = str.maketrans({
    "⺠": "民", "⻓": "长", "⻔": "门", "⻄": "西", "⻅": "见", "⻆": "角", "⻋": "车", "⻜": "飞",
    "⻢": "马", "⻥": "鱼", "⻚": "页", "⻩": "黄", "⻬": "齐", "⻓": "长", "⺟": "母", "⻙": "韦",
    "\u3000": " ", "\xa0": " ", "\u200b": "", "\ufeff": "", "\u2002": " ", "\u2003": " ",
})


def normalize_text(s: str) -> str:
    """Fold compatibility characters (⼀→一, fullwidth digits and letters) and odd spaces.

    CJK punctuation such as （）、：is kept: it carries meaning for labels and headings.
    """
    if not s:
        return ""
    s = s.translate(_EXTRA)
    out = []
    for ch in s:
        o = ord(ch)
        if 0x2F00 <= o <= 0x2FDF or 0xF900 <= o <= 0xFAFF or 0xFF10 <= o <= 0xFF19 \
                or 0xFF21 <= o <= 0xFF3A or 0xFF41 <= o <= 0xFF5A:
            ch = unicodedata.normalize("NFKC", ch)
        out.append(ch)
    return "".join(out)


_SPACE = re.compile(r"[ \t\r\f\v]+")


def squash_spaces(s: str) -> str:
    return _SPACE.sub(" ", s).strip()
