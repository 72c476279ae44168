"""Born-digital PDFs → Document, all read through pdfium.

Every page's text comes from pypdfium2 (fast). A page that draws visible rulings also has its
ruling edges read from its path objects and handed to pdfplumber's table finder (pure
geometry, so pdfminer never parses the page); its characters are then placed into table
cells or into text lines by their boxes. A table that runs on at the top of the next page is
joined into one Table.
"""
from __future__ import annotations

import ctypes
import re
from bisect import bisect_right
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as praw

from parsers.formats.pdf import layout as pdf_layout
from parsers.model import Block, Cell, Document, ParseError, Table
from parsers.normalize import normalize_text, squash_spaces

MIN_RULINGS = 2  # a page needs this many horizontal and vertical rulings to be searched
SNAP = 2.5  # pt: coordinates closer than this are one grid line
TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines",
                  "snap_tolerance": 3, "join_tolerance": 3, "intersection_tolerance": 3,
                  "edge_min_length": 3}
_PAGE_NO = re.compile(r"^[\s\-—–_·•]*(第\s*)?\d{1,4}\s*(页)?(\s*/\s*(共\s*)?\d{1,4}\s*页?)?"
                      r"[\s\-—–_·•]*$")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass
class PdfParseOptions:
    min_rulings: int = MIN_RULINGS
    table_settings: dict = field(default_factory=lambda: dict(TABLE_SETTINGS))


@dataclass
class _Cell:
    x0: float
    x1: float
    rowspan: int
    text: str


@dataclass
class _Table:
    """A table while pages are read: cells keep page x positions so pages can be joined."""
    rows: list[list[_Cell]]
    x0: float
    x1: float
    page: int
    ncols: int
    continued: bool = False  # recovered from the layout as the rest of the table before

    def to_table(self) -> Table:
        xs = _cluster([v for r in self.rows for c in r for v in (c.x0, c.x1)])
        rows = [[Cell(c.text, c.rowspan, max(_nearest(xs, c.x1) - _nearest(xs, c.x0), 1))
                 for c in sorted(row, key=lambda c: c.x0)] for row in self.rows]
        return Table(rows=rows, page=self.page)


@dataclass
class _Item:
    top: float
    text: str = ""
    table: _Table | None = None
    margin: bool = False  # a page number or running header/footer line


def parse_pdf(data: bytes, options: PdfParseOptions | None = None) -> Document:
    opts = options or PdfParseOptions()
    pdf = _open(data)
    doc = Document(format="pdf", pages=len(pdf))
    try:
        doc.title = clean(pdf.get_metadata_dict().get("Title", "")) or None
    except Exception:  # metadata is optional
        pass
    pages: list[list[_Item]] = []
    unreadable = 0
    for i in range(len(pdf)):
        try:
            pages.append(_read_page(pdf, i, opts, doc.notes,
                                    continuing=bool(pages) and _ends_in_table(pages[-1])))
        except pdfium.PdfiumError as e:  # one damaged page: keep the others
            doc.notes.append(f"page {i + 1}: unreadable ({str(e).splitlines()[0][:80]})")
            pages.append([])
            unreadable += 1
    pdf.close()
    if unreadable == len(pages):
        raise ParseError("corrupt PDF: no page could be read")
    _join_tables(pages, doc.notes)
    for n, items in enumerate(pages, 1):
        for it in items:
            if it.table is not None:
                if it.table.page == n:  # a joined continuation is already in its table
                    doc.blocks.append(Block("table", table=it.table.to_table(), page=n))
            elif it.text:
                doc.blocks.append(Block("paragraph", it.text, page=n))
    return doc


def _layout_worth(text: str, continuing: bool) -> bool:
    """Is the page's text worth a look for tables without rulings? Enough numbers standing
    alone; after a page that ended in a table, one near the top (not the page number)."""
    if pdf_layout.maybe_table(text):
        return True
    if not continuing:
        return False
    head = "\n".join(ln for ln in _LINE_BREAK.split(text[:600]) if not _PAGE_NO.match(ln.strip()))
    return pdf_layout.maybe_table(head, 1)


def _ends_in_table(items: list[_Item]) -> bool:
    """The page ends in a table, maybe followed by a few short lines (the headers of the
    table's next band)."""
    tail = [it for it in items if not it.margin]
    k = next((n for n in range(len(tail) - 1, -1, -1) if tail[n].table is not None), None)
    return k is not None and len(tail) - k <= 4 and all(len(it.text) <= 40 for it in tail[k + 1:])


def _read_page(pdf, i: int, opts: PdfParseOptions, notes: list[str],
               continuing: bool = False) -> list[_Item]:
    page = pdf[i]
    tp = page.get_textpage()
    try:
        try:
            grids = []
            h, v = page_edges(page)
            if len(h) >= opts.min_rulings and len(v) >= opts.min_rulings:
                grids = _find_grids(page, h + v, opts)
            text = None
            if not grids:  # the fast path: a page of text with no numbers laid out in columns
                text = tp.get_text_range()
                if not _layout_worth(text, continuing):
                    return [_Item(0, t) for t in text_lines(tp, text)]
            items = _table_page(page, tp, grids, i + 1, continuing)
            if items is not None:
                return items
        except Exception as e:  # keep the page's text even if table finding fails
            notes.append(f"page {i + 1}: table finder failed ({type(e).__name__}: {e})")
        return [_Item(0, t) for t in text_lines(tp)]
    finally:
        tp.close()
        page.close()


def _open(data: bytes) -> pdfium.PdfDocument:
    if not data:
        raise ParseError("empty file (0 bytes)")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        msg = str(e).splitlines()[0] if str(e) else "unreadable"
        if "password" in msg.lower() or "security" in msg.lower():
            raise ParseError("encrypted PDF (a password is needed to open it)") from None
        raise ParseError(f"corrupt PDF: {msg}") from None
    if len(pdf) == 0:
        raise ParseError("corrupt PDF: no pages")
    return pdf


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def clean(s: str) -> str:
    return squash_spaces(normalize_text(_CONTROL.sub("", s)))


# --- text pages: pdfium's own line breaks -------------------------------------------------

def text_lines(tp, text: str | None = None) -> list[str]:
    text = tp.get_text_range() if text is None else text
    if re.search(r"([^\s\d])\1", text):  # maybe "fake bold": 二二、、主主动动
        text = "".join(ch for _, ch, box in page_chars(tp))
    return [t for t in (clean(s) for s in _LINE_BREAK.split(text)) if t]


def page_chars(tp, top_y: float = 0.0):
    """(index, char, box) in content order without fake-bold copies; box = (x0, top, x1,
    bottom) measured down from `top_y`, or None for spaces and generated line breaks."""
    seen: dict = {}
    l, r, b, t = (ctypes.c_double() for _ in range(4))
    raw = tp.raw
    for i in range(tp.count_chars()):
        ch = chr(praw.FPDFText_GetUnicode(raw, i))
        if ch.isspace() or praw.FPDFText_IsGenerated(raw, i) == 1:
            yield i, ch, None
            continue
        if not praw.FPDFText_GetCharBox(raw, i, l, r, b, t):
            continue
        size = max(t.value - b.value, r.value - l.value, 1.0)
        if _seen_before(seen, ch, l.value, b.value, min(max(size * 0.2, 0.5), 2.0)):
            continue
        yield i, ch, (l.value, top_y - t.value, r.value, top_y - b.value)


def _seen_before(seen: dict, ch: str, x: float, y: float, tol: float) -> bool:
    """The same character already drawn within `tol` of (x, y)?"""
    ix, iy = int(x // 2), int(y // 2)
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            for px, py in seen.get((ch, ix + dx, iy + dy), ()):
                if abs(px - x) <= tol and abs(py - y) <= tol:
                    return True
    seen.setdefault((ch, ix, iy), []).append((x, y))
    return False


# --- rulings: visible axis-aligned path segments ------------------------------------------

def page_edges(page) -> tuple[list[dict], list[dict]]:
    """Horizontal and vertical ruling edges (pdfplumber edge dicts, top measured down)."""
    top_y = page.get_bbox()[3]
    h: list[dict] = []
    v: list[dict] = []
    raw = page.raw
    ident = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    stack = [(praw.FPDFPage_GetObject(raw, k), ident)
             for k in range(praw.FPDFPage_CountObjects(raw))]
    m = praw.FS_MATRIX()
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    while stack:
        obj, outer = stack.pop()
        kind = praw.FPDFPageObj_GetType(obj)
        if kind == praw.FPDF_PAGEOBJ_FORM:
            praw.FPDFPageObj_GetMatrix(obj, m)
            inner = _mul((m.a, m.b, m.c, m.d, m.e, m.f), outer)
            stack.extend((praw.FPDFFormObj_GetObject(obj, k), inner)
                         for k in range(praw.FPDFFormObj_CountObjects(obj)))
            continue
        if kind != praw.FPDF_PAGEOBJ_PATH or not praw.FPDFPath_GetDrawMode(obj, fill_mode, stroke):
            continue
        stroked = stroke.value and _ink(praw.FPDFPageObj_GetStrokeColor, obj)
        filled = fill_mode.value and _ink(praw.FPDFPageObj_GetFillColor, obj)
        if not (stroked or filled):
            continue
        praw.FPDFPageObj_GetMatrix(obj, m)
        segs = _segments(obj, _mul((m.a, m.b, m.c, m.d, m.e, m.f), outer), top_y)
        if not stroked:  # a filled shape counts only when thin: a line drawn as a rectangle
            xs = [p for s in segs for p in (s[0], s[2])]
            ys = [p for s in segs for p in (s[1], s[3])]
            if not xs or min(max(xs) - min(xs), max(ys) - min(ys)) > 3:
                continue
        for x0, y0, x1, y1 in segs:
            if abs(y1 - y0) < 0.5 and abs(x1 - x0) >= 0.5:
                a, b = sorted((x0, x1))
                h.append({"object_type": "line_edge", "orientation": "h", "x0": a, "x1": b,
                          "top": y0, "bottom": y0, "width": b - a, "height": 0.0})
            elif abs(x1 - x0) < 0.5 and abs(y1 - y0) >= 0.5:
                a, b = sorted((y0, y1))
                v.append({"object_type": "line_edge", "orientation": "v", "x0": x0, "x1": x0,
                          "top": a, "bottom": b, "width": 0.0, "height": b - a})
    long_h = [e for e in h if e["width"] >= 3]
    long_v = [e for e in v if e["height"] >= 3]
    return long_h, long_v


def _ink(getter, obj) -> bool:
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not getter(obj, r, g, b, a):
        return True  # a pattern or unknown colour: assume visible
    return a.value > 0 and min(r.value, g.value, b.value) < 242


def _mul(m, n):
    """Matrix product m·n for PDF matrices (a, b, c, d, e, f)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
            e * A + f * C + E, e * B + f * D + F)


def _segments(obj, mat, top_y):
    """Straight segments of a path in page space, y measured down from the page top."""
    a, b, c, d, e, f = mat
    x, y = ctypes.c_float(), ctypes.c_float()
    out, start, cur = [], None, None
    for k in range(praw.FPDFPath_CountSegments(obj)):
        seg = praw.FPDFPath_GetPathSegment(obj, k)
        praw.FPDFPathSegment_GetPoint(seg, x, y)
        pt = (a * x.value + c * y.value + e, top_y - (b * x.value + d * y.value + f))
        kind = praw.FPDFPathSegment_GetType(seg)
        if kind == praw.FPDF_SEGMENT_MOVETO:
            start = pt
        elif kind == praw.FPDF_SEGMENT_LINETO and cur is not None:
            out.append((*cur, *pt))
        cur = pt
        if praw.FPDFPathSegment_GetClose(seg) and start is not None and cur != start:
            out.append((*cur, *start))
            cur = start
    return out


# --- pages with tables -----------------------------------------------------------------------

class _EdgePage:
    """Just enough of a pdfplumber page for its TableFinder: our edges and a bbox."""

    def __init__(self, edges, bbox):
        self.edges, self.bbox = edges, bbox


def _find_grids(page, edges, opts: PdfParseOptions) -> list[_Grid]:
    """Ruled tables of a page. A grid of one column (rules between rows only, in a frame)
    is not taken: its rows are left to the layout reader."""
    from pdfplumber.table import TableFinder

    left, bottom, right, top_y = page.get_bbox()
    edges = edges + _closing_edges(edges)
    finder = TableFinder(_EdgePage(edges, (left, 0, right, top_y - bottom)),
                         dict(opts.table_settings))
    grids = [g for g in (_grid(t.cells) for t in finder.tables) if g is not None]
    return [g for g in grids if len(g.xs) > 2]


def _table_page(page, tp, grids: list[_Grid], pageno: int,
                continuing: bool = False) -> list[_Item] | None:
    """Characters into ruled cells, tables recovered from the layout of the rest, and text
    lines. None when the page has no table after all."""
    left, bottom, right, top_y = page.get_bbox()
    height = top_y - bottom
    cell_chars: list[dict] = [{} for _ in grids]
    free: list[tuple[int, str, tuple | None]] = []  # outside the ruled tables, with breaks
    last_owner = None  # (grid index, cell index) of the last char placed in a cell
    for i, ch, box in page_chars(tp, top_y):
        if box is None:
            if ch in "\r\n":
                free.append((i, ch, None))
            elif last_owner is not None:
                cell_chars[last_owner[0]].setdefault(last_owner[1], []).append((" ", None))
            else:
                free.append((i, ch, None))
            continue
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        for g, grid in enumerate(grids):
            k = grid.owner(cx, cy)
            if k is not None:
                cell_chars[g].setdefault(k, []).append((ch, box))
                last_owner = (g, k)
                break
        else:
            last_owner = None
            free.append((i, ch, box))
    recovered: list[pdf_layout.Recovered] = []
    if _layout_worth("".join(ch for _, ch, _ in free), continuing):
        glyphs = pdf_layout.read_glyphs(tp, [(i, ch) for i, ch, box in free if box], top_y)
        first_grid = min((g.ys[0] for g in grids), default=height)
        recovered = pdf_layout.find_tables(glyphs, continuing and first_grid > height * 0.2,
                                           margin=height * 0.08)
    if not grids and not recovered:
        return None
    taken = {k for t in recovered for k in t.keys}
    lines: list[tuple[float, float, list[str]]] = []  # running text outside the tables
    cur: list[str] = []
    cur_top, cur_bottom = None, None
    for i, ch, box in free:
        if box is None:
            if ch in "\r\n":
                if cur and cur_top is not None:
                    lines.append((cur_top, cur_bottom, cur))
                cur, cur_top, cur_bottom = [], None, None
            elif cur:
                cur.append(ch)
            continue
        if i in taken:
            continue
        cur.append(ch)
        cur_top = box[1] if cur_top is None else min(cur_top, box[1])
        cur_bottom = box[3] if cur_bottom is None else max(cur_bottom, box[3])
    if cur and cur_top is not None:
        lines.append((cur_top, cur_bottom, cur))
    items = []
    for line_top, line_bottom, chars in lines:
        text = clean("".join(chars))
        if text:
            items.append(_Item(line_top, text, margin=_is_margin(text, line_top, line_bottom,
                                                                 height)))
    for grid, chars in zip(grids, cell_chars):
        items.append(_Item(grid.ys[0], table=grid.finish(chars, pageno)))
    for t in recovered:
        rows = [[_Cell(x0, x1, 1, clean(text)) for x0, x1, text in row] for row in t.rows]
        items.append(_Item(t.top, table=_Table(rows, t.x0, t.x1, pageno, t.ncols,
                                               continued=t.continued)))
    items.sort(key=lambda it: it.top)
    return items


def _is_margin(text: str, top: float, bottom: float, height: float) -> bool:
    if _PAGE_NO.match(text):
        return True
    return len(text) <= 30 and (bottom < height * 0.055 or top > height * 0.945)


def _closing_edges(edges: list[dict]) -> list[dict]:
    """Where several vertical rulings end at one height with no ruling across (the last row
    before a page break, the first after it), add the missing horizontal edge."""
    vs = [e for e in edges if e["orientation"] == "v"]
    hs = [e for e in edges if e["orientation"] == "h"]
    ends: dict[int, list[dict]] = {}
    for e in vs:
        for y in (e["top"], e["bottom"]):
            ends.setdefault(round(y / SNAP), []).append(e)
    out = []
    for key, group in ends.items():
        if len(group) < 2:
            continue
        y, x0, x1 = key * SNAP, min(e["x0"] for e in group), max(e["x0"] for e in group)
        top, bottom = min(e["top"] for e in group), max(e["bottom"] for e in group)
        # only grids that have real horizontal rulings of their own get closed
        if not any(h["x0"] < x1 and h["x1"] > x0 and top - SNAP <= h["top"] <= bottom + SNAP
                   for h in hs):
            continue
        covered = any(abs(h["top"] - y) <= SNAP * 1.5 and h["x0"] <= x0 + SNAP
                      and h["x1"] >= x1 - SNAP for h in hs)
        if not covered:
            out.append({"object_type": "line_edge", "orientation": "h", "x0": x0, "x1": x1,
                        "top": y, "bottom": y, "width": x1 - x0, "height": 0.0})
    return out


class _Grid:
    """One table found on a page: grid lines, cell ranges, and which cell owns a point."""

    def __init__(self, xs, ys, cells):
        self.xs, self.ys, self.cells = xs, ys, cells  # cells: (r0, r1, c0, c1)
        self.owner_at = {(r, c): k for k, (r0, r1, c0, c1) in enumerate(cells)
                         for r in range(r0, r1) for c in range(c0, c1)}

    def owner(self, x: float, y: float) -> int | None:
        if not (self.xs[0] <= x <= self.xs[-1] and self.ys[0] <= y <= self.ys[-1]):
            return None
        c = min(bisect_right(self.xs, x) - 1, len(self.xs) - 2)
        r = min(bisect_right(self.ys, y) - 1, len(self.ys) - 2)
        return self.owner_at.get((r, c))

    def finish(self, cell_chars: dict, pageno: int) -> _Table:
        rows: list[list[_Cell]] = [[] for _ in range(len(self.ys) - 1)]
        for k, (r0, r1, c0, c1) in enumerate(self.cells):
            rows[r0].append(_Cell(self.xs[c0], self.xs[c1], r1 - r0,
                                  cell_text(cell_chars.get(k, []))))
        for row in rows:
            row.sort(key=lambda c: c.x0)
        return _Table(rows, self.xs[0], self.xs[-1], pageno, len(self.xs) - 1)


def _grid(bboxes) -> _Grid | None:
    """Cell boxes → grid with spans. A hole in the grid becomes a cell of its own (a cell whose
    top ruling is missing at a page break still keeps its text)."""
    if not bboxes:
        return None
    xs = _cluster([v for bb in bboxes for v in (bb[0], bb[2])])
    ys = _cluster([v for bb in bboxes for v in (bb[1], bb[3])])
    if len(xs) < 2 or len(ys) < 2:
        return None
    taken: set = set()
    cells = []
    for x0, top, x1, bottom in sorted(bboxes, key=lambda bb: (bb[1], bb[0])):
        r0, r1, c0, c1 = _nearest(ys, top), _nearest(ys, bottom), _nearest(xs, x0), _nearest(xs, x1)
        span = {(r, c) for r in range(r0, r1) for c in range(c0, c1)}
        if span and not span & taken:
            taken |= span
            cells.append((r0, r1, c0, c1))
    cells += [(r, r + 1, c, c + 1) for r in range(len(ys) - 1) for c in range(len(xs) - 1)
              if (r, c) not in taken]
    if len(cells) <= 1:  # a box drawn around text, not a table
        return None
    return _Grid(xs, ys, cells)


def _cluster(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > SNAP:
            out.append(v)
    return out


def _nearest(points: list[float], v: float) -> int:
    i = bisect_right(points, v)
    if i == 0:
        return 0
    if i == len(points) or v - points[i - 1] <= points[i] - v:
        return i - 1
    return i


def cell_text(chars: list[tuple]) -> str:
    """A cell's characters in content order → one line of text. A character that does not
    move right of the previous one starts a new line (a wrap, or vertical text); the lines are
    joined without breaks."""
    lines: list[list[str]] = [[]]
    prev = None
    for ch, box in chars:
        if box is not None:
            if prev is not None and box[0] < (prev[0] + prev[2]) / 2:
                lines.append([])
            prev = box
        lines[-1].append(ch)
    return join_lines(clean("".join(ln)) for ln in lines)


def join_lines(lines) -> str:
    """Join wrapped lines of a cell: nothing between CJK or digits, a space between words."""
    out = ""
    for ln in lines:
        if not ln:
            continue
        if out and out[-1].isascii() and out[-1].isalpha() and ln[0].isascii() and ln[0].isalpha():
            out += " "
        out += ln
    return out


# --- tables that run on over a page break -------------------------------------------------

def _join_tables(pages: list[list[_Item]], notes: list[str]) -> None:
    for n in range(len(pages) - 1):
        last = next((it for it in reversed(pages[n]) if not it.margin), None)
        first = next((it for it in pages[n + 1] if not it.margin), None)
        if last is None or first is None or last.table is None or first.table is None:
            continue
        a, b = last.table, first.table
        width = max(a.x1 - a.x0, 1.0)
        same_frame = abs(a.x0 - b.x0) <= width * 0.03 and abs(a.x1 - b.x1) <= width * 0.03
        if not (same_frame or a.ncols == b.ncols or b.continued):
            continue
        a.rows.extend(b.rows)
        first.table = a  # page n+1's item now stands for the joined table (emitted once)
        notes.append(f"table on page {a.page} continues on page {n + 2}: joined")
