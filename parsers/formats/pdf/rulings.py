"""Ruled tables of a PDF page: visible axis-aligned path segments read through pdfium, handed
to pdfplumber's table finder (geometry only), and the cells it finds made into a grid with
row and column spans that characters are placed into."""

from __future__ import annotations

import ctypes
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat

import pypdfium2.raw as praw

from parsers.formats.pdf.chars import clean, join_wrapped
from parsers.model import Cell, Table


SNAP = 2.5  # pt: coordinates closer than this are one grid line
TABLE_SETTINGS = {
    "vertical_strategy": "lines",
    "horizontal_strategy": "lines",
    "snap_tolerance": 3,
    "join_tolerance": 3,
    "intersection_tolerance": 3,
    "edge_min_length": 3,
}


@dataclass
class PageCell:
    x0: float
    x1: float
    rowspan: int
    text: str
    top: float = 0.0  # the cell's box on its page (points, top measured down)
    bottom: float = 0.0
    page: int = 0

    def pos(self) -> dict | None:
        if not self.page:
            return None
        return {
            "page": self.page,
            "box": [round(v, 1) for v in (self.x0, self.top, self.x1, self.bottom)],
        }


@dataclass
class PageTable:
    """A table while pages are read: cells keep page x positions so pages can be joined."""

    rows: list[list[PageCell]]
    x0: float
    x1: float
    page: int
    ncols: int
    continued: bool = False  # recovered from the layout as the rest of the table before

    def to_table(self) -> Table:
        xs = _cluster([v for r in self.rows for c in r for v in (c.x0, c.x1)])
        rows = [
            [
                Cell(
                    c.text, c.rowspan, max(_nearest(xs, c.x1) - _nearest(xs, c.x0), 1), pos=c.pos()
                )
                for c in sorted(row, key=lambda c: c.x0)
            ]
            for row in self.rows
        ]
        return Table(rows=rows, page=self.page)


# A page's objects are listed through pdfium's own two functions typed to take and give plain
# addresses: pypdfium2's bindings make a pointer object of every handle they return, and at
# ~300 objects a page (one a line of text) that was a third of the listing's time.
_address = ctypes.c_void_p
_get_object = ctypes.CFUNCTYPE(_address, _address, ctypes.c_int)(
    ctypes.cast(praw.FPDFPage_GetObject, _address).value
)
_object_type = ctypes.CFUNCTYPE(ctypes.c_int, _address)(
    ctypes.cast(praw.FPDFPageObj_GetType, _address).value
)
_OBJECT = praw.FPDFPage_GetObject.restype  # what pypdfium2's functions take


def page_objects(page) -> list[tuple]:
    """(address, kind) of each top-level object of a page, listed once for all who look;
    `as_object` makes an address what pypdfium2's functions take."""
    raw = page.raw
    n = praw.FPDFPage_CountObjects(raw)
    objects = list(map(_get_object, repeat(ctypes.cast(raw, _address).value, n), range(n)))
    return list(zip(objects, map(_object_type, objects), strict=True))


def as_object(address: int):
    return ctypes.cast(address, _OBJECT)


def page_edges(page, objects: list | None = None) -> tuple[list[dict], list[dict]]:
    """Horizontal and vertical ruling edges (pdfplumber edge dicts, top measured down).
    `objects`: the page's `page_objects` when the caller has them."""
    top_y = page.get_bbox()[3]
    h: list[dict] = []
    v: list[dict] = []
    ident = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    path = praw.FPDF_PAGEOBJ_PATH
    stack = [
        (as_object(obj), ident)
        for obj, kind in (objects if objects is not None else page_objects(page))
        if kind == path or kind == praw.FPDF_PAGEOBJ_FORM
    ]
    m = praw.FS_MATRIX()
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    while stack:
        obj, outer = stack.pop()
        kind = praw.FPDFPageObj_GetType(obj)
        if kind == praw.FPDF_PAGEOBJ_FORM:
            praw.FPDFPageObj_GetMatrix(obj, m)
            inner = _mul((m.a, m.b, m.c, m.d, m.e, m.f), outer)
            stack.extend(
                (praw.FPDFFormObj_GetObject(obj, k), inner)
                for k in range(praw.FPDFFormObj_CountObjects(obj))
            )
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
        more_h, more_v = edges_of(segs)
        h += more_h
        v += more_v
    return h, v


def edges_of(segments) -> tuple[list[dict], list[dict]]:
    """Axis-aligned segments (x0, y0, x1, y1; y down) at least 3 pt long as pdfplumber's
    horizontal and vertical edges (shared with parsers.formats.ofd_page)."""
    h: list[dict] = []
    v: list[dict] = []
    for x0, y0, x1, y1 in segments:
        if abs(y1 - y0) < 0.5 and abs(x1 - x0) >= 3:
            a, b = sorted((x0, x1))
            h.append(
                {
                    "object_type": "line_edge",
                    "orientation": "h",
                    "x0": a,
                    "x1": b,
                    "top": y0,
                    "bottom": y0,
                    "width": b - a,
                    "height": 0.0,
                }
            )
        elif abs(x1 - x0) < 0.5 and abs(y1 - y0) >= 3:
            a, b = sorted((y0, y1))
            v.append(
                {
                    "object_type": "line_edge",
                    "orientation": "v",
                    "x0": x0,
                    "x1": x0,
                    "top": a,
                    "bottom": b,
                    "width": 0.0,
                    "height": b - a,
                }
            )
    return h, v


def _ink(getter, obj) -> bool:
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not getter(obj, r, g, b, a):
        return True  # a pattern or unknown colour: assume visible
    return a.value > 0 and min(r.value, g.value, b.value) < 242


def _mul(m, n):
    """Matrix product m·n for PDF matrices (a, b, c, d, e, f)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (
        a * A + b * C,
        a * B + b * D,
        c * A + d * C,
        c * B + d * D,
        e * A + f * C + E,
        e * B + f * D + F,
    )


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


class _EdgePage:
    """Just enough of a pdfplumber page for its TableFinder: our edges and a bbox."""

    def __init__(self, edges, bbox):
        self.edges, self.bbox = edges, bbox


def find_grids(page, edges, table_settings: dict) -> list[RuledGrid]:
    """Ruled tables of a page. A grid of one column (rules between rows only, in a frame)
    is not taken: its rows are left to the layout reader."""
    left, bottom, right, top_y = page.get_bbox()
    edges = edges + _closing_edges(edges)
    grids = [
        g
        for g in (
            _grid(cells)
            for cells in table_cells(
                _EdgePage(edges, (left, 0, right, top_y - bottom)), table_settings
            )
        )
        if g is not None
    ]
    return [g for g in grids if len(g.xs) > 2]


def table_cells(page, table_settings: dict) -> list[list[tuple]]:
    """The cell boxes of each table pdfplumber's TableFinder finds on `page`: its own edge
    merging, intersections and grouping into tables, with the one quadratic step (cells
    from intersections, most of its time) done by `_cells`, which gives the same cells."""
    from pdfplumber.table import TableFinder, TableSettings, edges_to_intersections

    settings = TableSettings.resolve(dict(table_settings))
    finder = TableFinder.__new__(TableFinder)  # its __init__ would run the slow step
    finder.page, finder.settings = page, settings
    points = edges_to_intersections(
        finder.get_edges(), settings.intersection_x_tolerance, settings.intersection_y_tolerance
    )
    return _tables(_cells(points))


def _tables(cells: list[tuple]) -> list[list[tuple]]:
    """pdfplumber's cells_to_tables by a walk over shared corners: the cells that touch one
    another corner to corner, as groups (of more than one cell), top to bottom, left to right.
    (Its greedy passes find the same groups, in time quadratic in the cells.)"""
    by_corner: dict = {}
    for k, (x0, top, x1, bottom) in enumerate(cells):
        for corner in ((x0, top), (x0, bottom), (x1, top), (x1, bottom)):
            by_corner.setdefault(corner, []).append(k)
    seen: set[int] = set()
    tables = []
    for k in range(len(cells)):
        if k in seen:
            continue
        group, todo = [], [k]
        seen.add(k)
        while todo:
            j = todo.pop()
            group.append(j)
            x0, top, x1, bottom = cells[j]
            for corner in ((x0, top), (x0, bottom), (x1, top), (x1, bottom)):
                for n in by_corner[corner]:
                    if n not in seen:
                        seen.add(n)
                        todo.append(n)
        tables.append([cells[j] for j in sorted(group)])
    tables.sort(key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in tables if len(t) > 1]


def _cells(intersections: dict) -> list[tuple]:
    """pdfplumber's intersections_to_cells, indexed: from each intersection (in sorted
    order), the smallest cell whose four corners are intersections joined by common
    edges. The points below and right of a point come from per-column and per-row lists,
    and each point's edges are sets, instead of a scan of all points for each."""

    def boxes(edges):
        return frozenset((e["x0"], e["top"], e["x1"], e["bottom"]) for e in edges)

    vs = {p: boxes(v["v"]) for p, v in intersections.items()}
    hs = {p: boxes(v["h"]) for p, v in intersections.items()}
    points = sorted(intersections)
    column: dict = {}
    row: dict = {}
    at: dict = {}  # a point's places in its column and in its row
    for p in points:  # in sorted order: a column's points top down, a row's left to right
        c, r = column.setdefault(p[0], []), row.setdefault(p[1], [])
        at[p] = (len(c), len(r))
        c.append(p)
        r.append(p)
    cells = []
    for pt in points:
        in_col, in_row = at[pt]
        v, h = vs[pt], hs[pt]
        right = None  # the points right of pt joined to it, listed when first needed
        found = None
        for b in column[pt[0]][in_col + 1 :]:
            if v.isdisjoint(vs[b]):
                continue
            if right is None:
                right = [r for r in row[pt[1]][in_row + 1 :] if not h.isdisjoint(hs[r])]
            for r in right:
                corner = (r[0], b[1])
                if (
                    corner in vs
                    and not vs[corner].isdisjoint(vs[r])
                    and not hs[corner].isdisjoint(hs[b])
                ):
                    found = (pt[0], pt[1], corner[0], corner[1])
                    break
            if found:
                cells.append(found)
                break
    return cells


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
        if not any(
            h["x0"] < x1 and h["x1"] > x0 and top - SNAP <= h["top"] <= bottom + SNAP for h in hs
        ):
            continue
        covered = any(
            abs(h["top"] - y) <= SNAP * 1.5 and h["x0"] <= x0 + SNAP and h["x1"] >= x1 - SNAP
            for h in hs
        )
        if not covered:
            out.append(
                {
                    "object_type": "line_edge",
                    "orientation": "h",
                    "x0": x0,
                    "x1": x1,
                    "top": y,
                    "bottom": y,
                    "width": x1 - x0,
                    "height": 0.0,
                }
            )
    return out


class RuledGrid:
    """One table found on a page: grid lines, cell ranges, and which cell owns a point."""

    def __init__(self, xs, ys, cells):
        self.xs, self.ys, self.cells = xs, ys, cells  # cells: (r0, r1, c0, c1)
        self.owner_at = {
            (r, c): k
            for k, (r0, r1, c0, c1) in enumerate(cells)
            for r in range(r0, r1)
            for c in range(c0, c1)
        }

    def owner(self, x: float, y: float) -> int | None:
        if not (self.xs[0] <= x <= self.xs[-1] and self.ys[0] <= y <= self.ys[-1]):
            return None
        c = min(bisect_right(self.xs, x) - 1, len(self.xs) - 2)
        r = min(bisect_right(self.ys, y) - 1, len(self.ys) - 2)
        return self.owner_at.get((r, c))

    def finish(self, cell_chars: dict, pageno: int) -> PageTable:
        rows: list[list[PageCell]] = [[] for _ in range(len(self.ys) - 1)]
        for k, (r0, r1, c0, c1) in enumerate(self.cells):
            rows[r0].append(
                PageCell(
                    self.xs[c0],
                    self.xs[c1],
                    r1 - r0,
                    cell_text(cell_chars.get(k, [])),
                    self.ys[r0],
                    self.ys[r1],
                    pageno,
                )
            )
        for row in rows:
            row.sort(key=lambda c: c.x0)
        return PageTable(rows, self.xs[0], self.xs[-1], pageno, len(self.xs) - 1)


def _grid(bboxes) -> RuledGrid | None:
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
    cells += [
        (r, r + 1, c, c + 1)
        for r in range(len(ys) - 1)
        for c in range(len(xs) - 1)
        if (r, c) not in taken
    ]
    if len(cells) <= 1:  # a box drawn around text, not a table
        return None
    return RuledGrid(xs, ys, cells)


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
    if len(chars) == 1:  # (most cells of a report's tables: one digit)
        return _clean_one(chars[0][0])
    lines: list[list[str]] = [[]]
    prev = None
    for ch, box in chars:
        if box is not None:
            if prev is not None and box[0] < (prev[0] + prev[2]) / 2:
                lines.append([])
            prev = box
        lines[-1].append(ch)
    return join_lines(clean("".join(ln)) for ln in lines)


_clean_one = lru_cache(maxsize=4096)(clean)  # a cell of one character: a few distinct ones


def join_lines(lines) -> str:
    """Join wrapped lines of a cell: nothing between CJK or digits, a space between words."""
    out = ""
    for ln in lines:
        out = join_wrapped(out, ln)
    return out
