"""Bytes → str for web pages and plain-text reports.

The declarations are read as Scrapy reads them (w3lib: a BOM, the HTTP Content-Type charset,
then <meta charset> or <?xml encoding?>, with its aliases: gb2312 and gbk are gb18030,
latin-1 is cp1252). What w3lib's html_to_unicode does not do, and no library does the way a
Chinese portal needs, is check a declaration against the bytes: portals declare UTF-8 over GBK
and GBK over UTF-8, and servers send latin-1 by default. So each candidate is tried strictly
first — UTF-8 (bytes that decode as UTF-8 almost never are anything else), the declarations in
order, GB18030, a Latin declaration last — then tolerating a few broken bytes (a character cut
by an editor), and only then is the encoding guessed (charset-normalizer). bs4's UnicodeDammit
tries its candidates strictly too, but takes a Latin declaration at its word and has no
tolerant pass.
"""

from __future__ import annotations

from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

LATIN = {"cp1252"}  # what w3lib makes of latin-1, iso-8859-1 and ascii: servers' default


def declared_encodings(data: bytes, content_type: str = "") -> list[str]:
    """The encodings a page declares: its HTTP header's, then its markup's (w3lib)."""
    found = [http_content_type_encoding(content_type), html_body_declared_encoding(data[:8192])]
    return [e for e in found if e]


def decode(data: bytes, declared: list[str] = ()) -> str:
    """Decode with the first candidate that fits the bytes (see the module's docstring)."""
    bom, mark = read_bom(data)
    if bom:
        return data[len(mark) :].decode(bom, "replace")
    order = [
        "utf-8",
        *(e for e in declared if e not in LATIN),
        "gb18030",
        *(e for e in declared if e in LATIN),
    ]
    order = list(dict.fromkeys(resolve_encoding(e) or e for e in order))
    for enc in order:  # strictly first
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            pass
    for enc in order:  # then tolerate a few broken bytes (a cut character, a stray byte)
        try:
            s = data.decode(enc, "replace")
        except LookupError:
            continue
        if s.count("\ufffd") <= max(2, len(s) // 2000):
            return s
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        return str(best)
    return data.decode("gb18030", "replace")
