"""HTML report pages → Document (lxml; charset declared, lying or absent)."""
from __future__ import annotations

import codecs
import re

from lxml import etree
from lxml import html as lxml_html

from parsers.model import Block, Cell, Document, ParseError, Table
from parsers.normalize import normalize_text

SKIP = {"script", "style", "noscript", "template", "head", "title", "svg", "select", "iframe",
        "object", "textarea", "button"}
BLOCK = {"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "center", "form",
         "section", "article", "header", "footer", "nav", "main", "aside", "figure",
         "figcaption", "address", "hr", "table", "tr", "td", "th", "caption", "thead", "tbody",
         "tfoot", "fieldset", "legend", "details", "summary", "body", "html"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
GB = {"gb2312", "gbk", "x-gbk", "cp936", "gb_2312-80", "csgb2312", "euc-cn", "gb18030", "936"}
LATIN = {"iso-8859-1", "latin1", "latin-1", "windows-1252", "cp1252", "us-ascii", "ascii"}

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:.]+)""", re.I)
_XML_ENC = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_\-.]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
# CSS Text 3: a line break between two East Asian wide characters renders as nothing
_SEG_BREAK = re.compile(f"(?<=[{_WIDE}])[ \\t\\r\\xa0]*\\n[ \\t\\r\\n\\xa0]*(?=[{_WIDE}])")
_WS = re.compile(r"\s+")
MAX_DEPTH = 2048  # libxml2's nesting limit with huge_tree
_BLOCK_TAG = re.compile(r"</?(div|p|section|article|center|blockquote|li|ul|ol)\b[^>]*>", re.I)
_INLINE_TAG = re.compile(r"</?(span|font|b|i|u|s|em|strong|a|small|big|sup|sub|label|strike|"
                         r"ins|del|o:p|st1:[a-z]+)\b[^>]*>", re.I)


def parse_html(data: bytes) -> Document:
    text = decode_html(data)
    text = _XML_DECL.sub("", text, count=1)
    if not text.strip():
        raise ParseError("empty HTML page")
    root = _parse(text)
    if root is None:  # nested past libxml2's depth limit: drop formatting tags and retry
        root = _parse(_INLINE_TAG.sub("", _BLOCK_TAG.sub("<br>", text)))
        if root is None:
            raise ParseError(f"HTML nested too deeply (over {MAX_DEPTH} levels)")
    title_el = root.find(".//title")
    title = clean(title_el.text_content()) if title_el is not None else ""
    doc = Document(blocks=_Walker().run(root), format="html", title=title or None)
    return doc


def _parse(text: str):
    """lxml tree, or None when the page nests deeper than libxml2 allows (it would silently
    stop reading there)."""
    parser = lxml_html.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True)
    try:
        root = lxml_html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as e:
        raise ParseError(f"unreadable HTML: {str(e).splitlines()[0] if str(e) else 'no content'}")
    if any("Excessive depth" in e.message for e in parser.error_log):
        return None
    return root


def decode_html(data: bytes) -> str:
    """Bytes → str: BOM, then UTF-8, the declared charset, GB18030, charset-normalizer."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    declared = _declared(data[:8192])
    order = ["utf-8"]
    if declared and declared not in LATIN:
        order.append(declared)
    order.append("gb18030")
    if declared in LATIN:  # servers default to latin-1; Chinese pages rarely are
        order.append(declared)
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


def _declared(head: bytes) -> str | None:
    m = _XML_ENC.search(head) or _CHARSET.search(head)
    if not m:
        return None
    enc = m.group(1).decode("ascii", "ignore").lower()
    if enc in GB:
        return "gb18030"
    try:
        return codecs.lookup(enc).name if enc not in LATIN else enc
    except LookupError:
        return None


def clean(s: str) -> str:
    """Visible text: line breaks between CJK vanish, whitespace squashed, normalised."""
    s = _SEG_BREAK.sub("", normalize_text(s.replace("\xa0", " ")))
    return _WS.sub(" ", s).strip()


class _Walker:
    """Walks the tree without recursion, emitting one block per visual line."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.buf: list[str] = []
        self.in_heading = 0

    def flush(self) -> None:
        text = clean("".join(self.buf))
        self.buf = []
        if text:
            self.blocks.append(Block("heading" if self.in_heading else "paragraph", text))

    def run(self, root) -> list[Block]:
        body = root.find("body")
        walker = etree.iterwalk(body if body is not None else root, events=("start", "end"))
        for event, el in walker:
            tag = el.tag.lower() if isinstance(el.tag, str) else ""
            if event == "start":
                if not tag or tag in SKIP:
                    walker.skip_subtree()
                elif tag == "table" and not is_layout_table(el):
                    self.flush()
                    self.blocks.append(Block("table", table=build_table(el)))
                    walker.skip_subtree()
                else:
                    if tag in BLOCK or tag in HEADINGS or tag == "br":
                        self.flush()
                    if tag in HEADINGS:
                        self.in_heading += 1
                    if el.text and tag not in ("br", "hr"):
                        self.buf.append(el.text)
            else:
                if tag in BLOCK or tag in HEADINGS:
                    self.flush()
                if tag in HEADINGS:
                    self.in_heading = max(self.in_heading - 1, 0)
                if el.tail:
                    self.buf.append(el.tail)
        self.flush()
        return self.blocks


def is_layout_table(table) -> bool:
    """A table used for page layout is walked as ordinary text, not kept as a table.

    Choice: a table holding another table is layout (CMS pages wrap whole articles in
    tables); its inner tables become their own blocks in document order.
    """
    if table.find(".//table") is not None:
        return True
    cells = table.xpath(".//td|.//th")
    if len(cells) <= 1:
        return True
    for td in cells:
        if len(td.xpath(".//p|.//div|.//li|.//br")) >= 4 and len(td.text_content()) > 300:
            return True
    return False


def build_table(table) -> Table:
    rows = []
    for tr in table.iter("tr"):
        row = [Cell(cell_text(td), _span(td.get("rowspan")), _span(td.get("colspan")))
               for td in tr if isinstance(td.tag, str) and td.tag.lower() in ("td", "th")]
        rows.append(row)
    return Table(rows=rows)


def cell_text(td) -> str:
    parts: list[str] = []
    walker = etree.iterwalk(td, events=("start", "end"))
    for event, el in walker:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if event == "start":
            if not tag or tag in SKIP:
                walker.skip_subtree()
                continue
            if el is not td and (tag in BLOCK or tag in HEADINGS or tag == "br"):
                parts.append("\n")
            if el.text and tag != "br":
                parts.append(el.text)
        else:
            if el is td:
                break
            if tag in BLOCK or tag in HEADINGS:
                parts.append("\n")
            if el.tail:
                parts.append(el.tail)
    return clean("".join(parts))


def _span(value: str | None) -> int:
    m = re.match(r"\s*(\d+)", value or "")
    return min(max(int(m.group(1)), 1), 1000) if m else 1
