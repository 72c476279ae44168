"""HTML report pages → Document: decoded as Scrapy decodes a response (`charset`: the HTTP
header's charset, a BOM, <meta>; each checked against the bytes), parsed by Beautiful Soup with
lxml as its tree builder, and walked in document order into one block per visual line, with
data tables (not the tables a CMS lays its page out with) kept as tables, and pictures (<img>)
as image blocks when their bytes are at hand (a data: URI, or a capture of the image given in
`resources`) for `parsers.formats.pictures` to read or drop."""

from __future__ import annotations

import base64
import re
from urllib.parse import unquote, urljoin

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PreformattedString, Tag

from parsers.formats.charset import declared_encodings, decode
from parsers.model import Block, Cell, Document, ParseError, Table
from parsers.normalize import normalize_text

SKIP = {
    "script",
    "style",
    "noscript",
    "template",
    "head",
    "title",
    "svg",
    "select",
    "iframe",
    "object",
    "textarea",
    "button",
}
BLOCK = {
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "center",
    "form",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "main",
    "aside",
    "figure",
    "figcaption",
    "address",
    "hr",
    "table",
    "tr",
    "td",
    "th",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "fieldset",
    "legend",
    "details",
    "summary",
    "body",
    "html",
}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
BREAKS = BLOCK | HEADINGS

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
# CSS Text 3: a line break between two East Asian wide characters renders as nothing
_SEG_BREAK = re.compile(f"(?<=[{_WIDE}])[ \\t\\r\\xa0]*\\n[ \\t\\r\\n\\xa0]*(?=[{_WIDE}])")
_WS = re.compile(r"\s+")
MAX_DEPTH = 2048  # elements deeper than this: formatting tags are dropped, then the page refused
_BLOCK_TAG = re.compile(r"</?(div|p|section|article|center|blockquote|li|ul|ol)\b[^>]*>", re.I)
_INLINE_TAG = re.compile(
    r"</?(span|font|b|i|u|s|em|strong|a|small|big|sup|sub|label|strike|"
    r"ins|del|o:p|st1:[a-z]+)\b[^>]*>",
    re.I,
)


class _TooDeep(Exception):
    pass


def parse_html(
    data: bytes, content_type: str = "", url: str = "", resources: dict | None = None
) -> Document:
    """A page's bytes → Document; `content_type` is the HTTP header the page came with, `url`
    where it was found and `resources` {absolute url: bytes} the images captured with it."""
    text = decode_html(data, content_type)
    text = _XML_DECL.sub("", text, count=1)
    if not text.strip():
        raise ParseError("empty HTML page")
    images = _Images(url, resources or {})
    try:
        soup, blocks = _read(text, images)
    except _TooDeep:  # formatting tags nested past any real page: drop them and read again
        try:
            soup, blocks = _read(_INLINE_TAG.sub("", _BLOCK_TAG.sub("<br>", text)), images)
        except _TooDeep:
            raise ParseError(f"HTML nested too deeply (over {MAX_DEPTH} levels)") from None
    title_el = next((t for t in _tags(soup) if t.name == "title"), None)
    title = clean(title_el.get_text()) if title_el is not None else ""
    return Document(blocks=blocks, format="html", title=title or None, meta=page_meta(soup))


# <meta> names government CMS pages give the article's source (政府网站 page metadata)
_META_KEYS = {"contentsource": "publisher", "source": "publisher", "author": "author"}


def page_meta(soup: BeautifulSoup) -> dict:
    out: dict[str, str] = {}
    for t in _tags(soup):
        if t.name == "meta":
            key = _META_KEYS.get(str(t.get("name") or "").strip().lower())
            value = clean(str(t.get("content") or ""))
            if key and value:
                out.setdefault(key, value)
    return out


def decode_html(data: bytes, content_type: str = "") -> str:
    return decode(data, declared_encodings(data, content_type))


def _read(text: str, images: "_Images") -> tuple[BeautifulSoup, list[Block]]:
    soup = BeautifulSoup(text, "lxml", multi_valued_attributes=None)
    body = next((t for t in _tags(soup) if t.name == "body"), None)
    return soup, _Walker(images).run(body if body is not None else soup)


MAX_DATA_URI = 20 * 2**20  # a picture inlined as a data: URI larger than this is left out


class _Images:
    """The bytes of an <img>: a data: URI decoded, or the capture of its URL (relative URLs
    resolved against the page's)."""

    def __init__(self, base: str, resources: dict):
        self.base, self.resources = base, resources

    def get(self, src: str) -> bytes | None:
        src = (src or "").strip()
        if src.lower().startswith("data:"):
            head, _, payload = src.partition(",")
            if ";base64" not in head.lower() or len(payload) > MAX_DATA_URI * 4 // 3:
                return None
            try:
                return base64.b64decode("".join(payload.split()), validate=False)
            except ValueError:
                return None
        if not src or not self.resources:
            return None
        url = urljoin(self.base, src).split("#")[0]
        for key in (url, unquote(url), src):
            if key in self.resources:
                return self.resources[key]
        return None


def clean(s: str) -> str:
    """Visible text: line breaks between CJK vanish, whitespace squashed, normalised."""
    s = _SEG_BREAK.sub("", normalize_text(s.replace("\xa0", " ")))
    return _WS.sub(" ", s).strip()


def _events(root: Tag, skip_tables: bool):
    """("start", tag) / ("end", tag) / ("text", str) in document order, without recursion;
    the subtrees of SKIP tags (and of data tables, as ("table", tag)) are not entered."""
    stack = [iter(root.contents)]
    opened: list[Tag] = []
    yield "start", root
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
            yield "end", opened.pop() if opened else root
            continue
        if isinstance(node, Tag):
            if node.name in SKIP:
                continue
            if skip_tables and node.name == "table" and not is_layout_table(node):
                yield "table", node
                continue
            yield "start", node
            opened.append(node)
            if len(opened) > MAX_DEPTH:
                raise _TooDeep
            stack.append(iter(node.contents))
        elif isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
            yield "text", node  # not comments, CDATA, doctypes, processing instructions


class _Walker:
    """Emits one block per visual line: a block or heading element, or a <br>, ends one;
    a picture whose bytes are at hand is a block of its own."""

    def __init__(self, images: _Images) -> None:
        self.images = images
        self.blocks: list[Block] = []
        self.buf: list[str] = []
        self.in_heading = 0

    def flush(self) -> None:
        text = clean("".join(self.buf))
        self.buf = []
        if text:
            self.blocks.append(Block("heading" if self.in_heading else "paragraph", text))

    def run(self, root: Tag) -> list[Block]:
        for event, node in _events(root, skip_tables=True):
            if event == "text":
                self.buf.append(node)
            elif event == "table":
                self.flush()
                self.blocks.append(Block("table", table=build_table(node)))
            elif event == "start":
                if node.name in BREAKS or node.name == "br":
                    self.flush()
                if node.name == "img":
                    data = self.images.get(str(node.get("src") or node.get("data-src") or ""))
                    if data:
                        self.flush()
                        self.blocks.append(
                            Block("image", text=clean(str(node.get("alt") or "")), image=data)
                        )
                if node.name in HEADINGS:
                    self.in_heading += 1
            else:
                if node.name in BREAKS:
                    self.flush()
                if node.name in HEADINGS:
                    self.in_heading = max(self.in_heading - 1, 0)
        self.flush()
        return self.blocks


def is_layout_table(table: Tag) -> bool:
    """A table used for page layout is walked as ordinary text, not kept as a table.

    Choice: a table holding another table is layout (CMS pages wrap whole articles in
    tables); its inner tables become their own blocks in document order.
    """
    inner = _tags(table)
    if any(t.name == "table" for t in inner):
        return True
    cells = [t for t in inner if t.name in ("td", "th")]
    if len(cells) <= 1:
        return True
    # a cell holding a whole article: four or more lines and long text
    lines: dict[int, int] = {}  # id of a cell → block elements and line breaks in it
    for t in inner:
        if t.name in ("p", "div", "li", "br"):
            cell = t.parent
            while cell is not table and cell.name not in ("td", "th"):
                cell = cell.parent
            lines[id(cell)] = lines.get(id(cell), 0) + 1
    return any(lines.get(id(td), 0) >= 4 and len(td.get_text()) > 300 for td in cells)


def build_table(table: Tag) -> Table:
    """A <table> as a Table; each cell's position is the table's index among the page's
    <table> elements, its <tr>'s index in the table and its own index in the <tr>
    (`source_cells` finds it again)."""
    index = len(table.find_all_previous("table"))
    rows = []
    for r, tr in enumerate(table_rows(table)):
        rows.append(
            [
                Cell(
                    cell_text(td),
                    _span(td.get("rowspan")),
                    _span(td.get("colspan")),
                    pos={"table": index, "row": r, "col": c},
                )
                for c, td in enumerate(row_cells(tr))
            ]
        )
    return Table(rows=rows)


def table_rows(table: Tag) -> list[Tag]:
    return [t for t in _tags(table) if t.name == "tr"]


def row_cells(tr: Tag) -> list[Tag]:
    return [td for td in tr.children if isinstance(td, Tag) and td.name in ("td", "th")]


def _tags(el: Tag) -> list[Tag]:
    """The elements under el, in document order (bs4's find_all, without its matching
    machinery, which costs more here than the parse)."""
    return [t for t in el.descendants if isinstance(t, Tag)]


def cell_text(td: Tag) -> str:
    """A cell's text, its lines (block elements, <br>) joined as the eye reads them."""
    parts: list[str] = []
    for event, node in _events(td, skip_tables=False):
        if event == "text":
            parts.append(node)
        elif node is not td and (node.name in BREAKS or (event == "start" and node.name == "br")):
            parts.append("\n")
    return clean("".join(parts))


_NUMBER = re.compile(r"\s*(\d+)")


def _span(value) -> int:
    m = _NUMBER.match(value) if value else None
    return min(max(int(m.group(1)), 1), 1000) if m else 1
