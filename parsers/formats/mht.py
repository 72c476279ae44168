"""MHT/MHTML (a web page saved as one file, RFC 2557; Word's 单个文件网页, often served as .doc)
→ Document: the MIME message read by the standard library's email parser, its root HTML part
decoded from quoted-printable or base64 in its declared charset and read as the web page it
is (`parsers.formats.html`), with the pictures the message carries as the page's resources."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

from parsers.model import Document, ParseError

MAX_PARTS = 2000


def parse_mht(data: bytes) -> Document:
    from parsers.formats.html import parse_html

    try:
        msg = email.message_from_bytes(data, policy=email.policy.default)
    except Exception as e:  # noqa: BLE001 — the email package raises several kinds
        raise ParseError(f"unreadable MHT: {type(e).__name__}: {e}") from None
    parts = [p for p in msg.walk() if not p.is_multipart()]
    if len(parts) > MAX_PARTS:
        raise ParseError(f"MHT has too many parts: {len(parts)} (limit {MAX_PARTS})")
    root = _root(msg, parts)
    if root is None:
        raise ParseError("MHT without a web page in it (no text/html part)")
    html = _payload(root)
    if not html:
        raise ParseError("MHT whose web page is empty")
    charset = root.get_content_charset()
    resources: dict[str, bytes] = {}
    for part in parts:
        if part is root or part.get_content_maintype() != "image":
            continue
        body = _payload(part)
        if not body:
            continue
        for key in _names(part):
            resources[key] = body
    base = str(root.get("Content-Location") or "").strip()
    doc = parse_html(
        html, f"text/html; charset={charset}" if charset else "", url=base, resources=resources
    )
    doc.format = "mht"
    return doc


def _root(msg: EmailMessage, parts: list) -> EmailMessage | None:
    """The page: the part the `start` parameter names (RFC 2387), else the first HTML part."""
    start = (msg.get_param("start") or "") if msg.is_multipart() else ""
    start = str(start).strip("<>")
    for part in parts:
        if start and str(part.get("Content-ID") or "").strip("<>") == start:
            return part
    return next((p for p in parts if p.get_content_type() == "text/html"), None)


def _payload(part) -> bytes:
    try:
        return part.get_payload(decode=True) or b""
    except Exception:  # noqa: BLE001 — a broken transfer encoding: the part is lost
        return b""


def _names(part) -> list[str]:
    """The names an <img> may use for a part: its Content-Location, and cid: of its Content-ID."""
    out = []
    loc = str(part.get("Content-Location") or "").strip()
    if loc:
        out.append(loc)
    cid = str(part.get("Content-ID") or "").strip().strip("<>")
    if cid:
        out.append(f"cid:{cid}")
    return out
