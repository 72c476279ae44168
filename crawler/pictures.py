"""The pictures of a report's detail page that may hold a table (a table pasted as a
screenshot): fetched with the page, politely like every request, and captured as kind `image`
with the page as referer, so the archive hands the page and its pictures to the parser
together (archive/build.py).

A picture is left alone when it is furniture: inlined (data:, the parser has it already),
named or classed as a logo, icon, button, banner, QR code or share link, or declared smaller
than a table could be.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

MAX_PICTURES = 20  # per page
MIN_SIDE = 120  # px: a width or height attribute below this is an icon
FURNITURE = re.compile(
    r"logo|icon|ico_|btn|button|banner|arrow|qrcode|qr_|ewm|erweima|二维码|"
    r"share|weixin|wechat|weibo|wx_|print|close|search|top\.|nav|bg_|"
    r"header|footer|jiathis|gongan|beian|govicon|dzjg|conac|blank\.gif|"
    r"spacer|pixel",
    re.I,
)


def table_pictures(response) -> list[str]:
    """Absolute URLs of the <img> of a page that may hold a table, in page order."""
    out: list[str] = []
    for img in response.css("body img"):
        src = (img.attrib.get("src") or img.attrib.get("data-src") or "").strip()
        if not src or src.lower().startswith(("data:", "javascript:")):
            continue
        names = " ".join(img.attrib.get(k, "") for k in ("src", "class", "id", "alt"))
        if FURNITURE.search(names) or _small(img.attrib):
            continue
        url = urljoin(response.url, src).split("#")[0]
        if url not in out:
            out.append(url)
        if len(out) >= MAX_PICTURES:
            break
    return out


def _small(attrs) -> bool:
    for key in ("width", "height"):
        m = re.match(r"\s*(\d+)\s*(px)?\s*$", attrs.get(key) or "")
        if m and int(m.group(1)) < MIN_SIDE:
            return True
    return False
