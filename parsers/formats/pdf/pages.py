"""PDF pages → Document: each page's text lines, ruled tables (`rulings`) and tables printed
without rulings (`layout`), in reading order; a table that runs on at the top of the next page
is joined into one Table.

Every page's text comes from pypdfium2 (fast). A page that draws visible rulings also has its
ruling edges read from its path objects and handed to pdfplumber's table finder (pure
geometry, so pdfminer never parses the page); its characters are then placed into table
cells or into text lines by their boxes (`chars`).
"""

from __future__ import annotations

import ctypes
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import repeat

import pypdfium2 as pdfium

from parsers.formats.pdf import layout
from parsers.formats.pdf.chars import (
    LINE_BREAK,
    MAX_COPY_DIST,
    clean,
    line_box,
    page_chars,
    read_glyphs,
    text_lines,
)
from parsers.formats.pdf.rulings import (
    TABLE_SETTINGS,
    PageCell,
    PageTable,
    RuledGrid,
    as_object,
    find_grids,
    page_edges,
    page_objects,
)
from parsers.model import Block, Document, ParseError

MIN_RULINGS = 2  # a page needs this many horizontal and vertical rulings to be searched
_PAGE_NO = re.compile(
    r"^[\s\-—–_·•]*(第\s*)?\d{1,4}\s*(页)?(\s*/\s*(共\s*)?\d{1,4}\s*页?)?"
    r"[\s\-—–_·•]*$"
)


@dataclass
class PdfParseOptions:
    min_rulings: int = MIN_RULINGS
    table_settings: dict = field(default_factory=lambda: dict(TABLE_SETTINGS))


@dataclass
class PageItem:
    top: float
    text: str = ""
    table: PageTable | None = None
    margin: bool = False  # a page number or running header/footer line


def parse_pdf(data: bytes, options: PdfParseOptions | None = None) -> Document:
    opts = options or PdfParseOptions()
    pdf = _open(data)
    doc = Document(format="pdf", pages=len(pdf))
    try:
        info = pdf.get_metadata_dict()
        doc.title = clean(info.get("Title", "")) or None
        if clean(info.get("Author", "")):
            doc.meta["author"] = clean(info["Author"])
    except Exception:  # metadata is optional
        pass
    pages: list[list[PageItem]] = []
    unreadable = 0
    layers = [0]  # pages that are a picture under an OCR layer
    first_note = len(doc.notes)
    for i in range(len(pdf)):
        try:
            pages.append(
                _read_page(
                    pdf,
                    i,
                    opts,
                    doc.notes,
                    layers,
                    continuing=bool(pages) and _ends_in_table(pages[-1]),
                )
            )
        except pdfium.PdfiumError as e:  # one damaged page: keep the others
            doc.notes.append(f"page {i + 1}: unreadable ({str(e).splitlines()[0][:80]})")
            pages.append([])
            unreadable += 1
    if layers[0] and layers[0] >= len(pdf) / 2:
        doc.notes.insert(
            first_note,
            f"ocr layer: {layers[0]} of {len(pdf)} page(s) are pictures "
            "under an invisible text layer",
        )
    pdf.close()
    if unreadable == len(pages):
        raise ParseError("corrupt PDF: no page could be read")
    doc.blocks = page_blocks(pages, doc.notes)
    return doc


def page_blocks(pages: list[list[PageItem]], notes: list[str]) -> list[Block]:
    """The blocks of a paged document, each page's items in order, a table that runs on at
    the top of the next page joined into one (shared with parsers.formats.ofd)."""
    join_tables(pages, notes)
    blocks = []
    for n, items in enumerate(pages, 1):
        for it in items:
            if it.table is not None:
                if it.table.page == n:  # a joined continuation is already in its table
                    blocks.append(Block("table", table=it.table.to_table(), page=n))
            elif it.text:
                blocks.append(Block("paragraph", it.text, page=n))
    return blocks


def ocr_layer(page, objects: list | None = None) -> bool:
    """A scanned page with an OCR text layer: a picture covering most of the page, and the
    page's text drawn invisibly (render mode 3) over it. Its numbers are someone else's OCR,
    read without any agreement rule: the page is to be read by our OCR instead.
    `objects`: the page's (object, kind) pairs when the caller has them (`page_objects`)."""
    import pypdfium2.raw as praw

    w, h = page.get_size()
    left, b, r, t = (ctypes.c_float() for _ in range(4))
    objects = objects if objects is not None else page_objects(page)
    image = praw.FPDF_PAGEOBJ_IMAGE
    picture = any(
        praw.FPDFPageObj_GetBounds(as_object(obj), left, b, r, t)
        and (r.value - left.value) * (t.value - b.value) >= 0.5 * w * h
        for obj in [obj for obj, kind in objects if kind == image]
    )
    if not picture:
        return False
    invisible = sum(
        1
        for obj, kind in objects
        if kind == praw.FPDF_PAGEOBJ_TEXT
        and praw.FPDFTextObj_GetTextRenderMode(as_object(obj)) == praw.FPDF_TEXTRENDERMODE_INVISIBLE
    )
    texts = sum(1 for _, kind in objects if kind == praw.FPDF_PAGEOBJ_TEXT)
    return bool(picture) and invisible > 0 and invisible >= 0.8 * texts


def _layout_worth(text: str, continuing: bool) -> bool:
    """Is the page's text worth a look for tables without rulings? Enough numbers standing
    alone; after a page that ended in a table, one near the top (not the page number)."""
    if layout.maybe_table(text):
        return True
    if not continuing:
        return False
    head = "\n".join(ln for ln in LINE_BREAK.split(text[:600]) if not _PAGE_NO.match(ln.strip()))
    return layout.maybe_table(head, 1)


def _ends_in_table(items: list[PageItem]) -> bool:
    """The page ends in a table, maybe followed by a few short lines (the headers of the
    table's next band)."""
    tail = [it for it in items if not it.margin]
    k = next((n for n in range(len(tail) - 1, -1, -1) if tail[n].table is not None), None)
    return k is not None and len(tail) - k <= 4 and all(len(it.text) <= 40 for it in tail[k + 1 :])


def _read_page(
    pdf,
    i: int,
    opts: PdfParseOptions,
    notes: list[str],
    layers: list[int],
    continuing: bool = False,
) -> list[PageItem]:
    """A page's items; `layers[0]` counts the pages that are a picture under an OCR layer."""
    page = pdf[i]
    try:
        objects = page_objects(page)
        layers[0] += ocr_layer(page, objects)
        tp = page.get_textpage()
    except BaseException:
        page.close()
        raise
    try:
        try:
            grids = []
            h, v = page_edges(page, objects)
            if len(h) >= opts.min_rulings and len(v) >= opts.min_rulings:
                grids = find_grids(page, h + v, opts.table_settings)
            text = None
            if not grids:  # the fast path: a page of text with no numbers laid out in columns
                text = tp.get_text_range()
                if not _layout_worth(text, continuing):
                    return [PageItem(0, t) for t in text_lines(tp, text)]
            items = _table_page(page, tp, grids, i + 1, continuing)
            if items is not None:
                return items
        except Exception as e:  # keep the page's text even if table finding fails
            notes.append(f"page {i + 1}: table finder failed ({type(e).__name__}: {e})")
        return [PageItem(0, t) for t in text_lines(tp)]
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


def _table_page(
    page, tp, grids: list[RuledGrid], pageno: int, continuing: bool = False
) -> list[PageItem] | None:
    """Characters into ruled cells, tables recovered from the layout of the rest, and text
    lines. None when the page has no table after all."""
    left, bottom, right, top_y = page.get_bbox()
    height = top_y - bottom
    cell_chars: list[dict] = [{} for _ in grids]
    free: list[tuple[int, str, tuple | None]] = []  # outside the ruled tables, with breaks
    add_free = free.append
    owner_chars = None  # the character list of the cell the last character went into
    # each grid's frame, lines and cells, unpacked for the loop below (RuledGrid.owner, inline:
    # it runs for every character of every page that holds a table)
    frames = [
        (
            grid.xs[0],
            grid.ys[0],
            grid.xs[-1],
            grid.ys[-1],
            grid.xs,
            grid.ys,
            len(grid.xs) - 2,
            len(grid.ys) - 2,
            grid.owner_at,
            cell_chars[g],
        )
        for g, grid in enumerate(grids)
    ]
    text = tp.get_text_range()
    seen: dict = {}  # where page_chars saw each character drawn, over all spans
    plain: list[tuple[int, int, int]] = []  # (position in free, start, end) of prose lines
    for start, end, box in _spans(tp, text, top_y, frames):
        if box is not None:  # a line of running text clear of every table: all of it is free
            plain.append((len(free), start, end))
            free.extend(
                zip(range(start, end), text[start:end], repeat(box, end - start), strict=True)
            )
            owner_chars = None
            continue
        for i, ch, box in page_chars(tp, top_y, text, (start, end), seen):
            if box is None:
                if ch in "\r\n" or owner_chars is None:
                    add_free((i, ch, None))
                else:
                    owner_chars.append((" ", None))
                continue
            cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
            for gx0, gy0, gx1, gy1, xs, ys, last_c, last_r, owner_at, chars in frames:
                if gx0 <= cx <= gx1 and gy0 <= cy <= gy1:  # inside the frame: which cell?
                    c = bisect_right(xs, cx) - 1
                    r = bisect_right(ys, cy) - 1
                    k = owner_at.get((r if r < last_r else last_r, c if c < last_c else last_c))
                    if k is not None:
                        owner_chars = chars.get(k)
                        if owner_chars is None:
                            owner_chars = chars[k] = []
                        owner_chars.append((ch, box))
                        break
            else:
                owner_chars = None
                add_free((i, ch, box))
    recovered: list[layout.Recovered] = []
    if _layout_worth("".join(ch for _, ch, _ in free), continuing):
        glyphs = read_glyphs(tp, [(i, ch) for i, ch, box in free if box], top_y)
        first_grid = min((g.ys[0] for g in grids), default=height)
        recovered = layout.find_tables(
            glyphs, continuing and first_grid > height * 0.2, margin=height * 0.08
        )
    if not grids and not recovered:
        return None
    taken = {k for t in recovered for k in t.keys}
    if taken:  # the prose lines a recovered table took characters from: each character's box
        for at, start, end in reversed(plain):  # (a later line first: `at` stays true)
            if any(start <= k < end for k in taken):
                free[at : at + end - start] = page_chars(tp, top_y, text, (start, end))
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
        if cur_top is None:
            cur_top, cur_bottom = box[1], box[3]
        else:
            if box[1] < cur_top:
                cur_top = box[1]
            if box[3] > cur_bottom:
                cur_bottom = box[3]
    if cur and cur_top is not None:
        lines.append((cur_top, cur_bottom, cur))
    items = []
    for line_top, line_bottom, chars in lines:
        text = clean("".join(chars))
        if text:
            items.append(
                PageItem(line_top, text, margin=is_margin(text, line_top, line_bottom, height))
            )
    for grid, chars in zip(grids, cell_chars, strict=True):
        items.append(PageItem(grid.ys[0], table=grid.finish(chars, pageno)))
    items += recovered_items(recovered, pageno)
    items.sort(key=lambda it: it.top)
    return items


_LINE = re.compile(r"[^\r\n]+")
# a line read character by character: one with a space (which may be drawn, with a box of its
# own) or a character twice in a row (maybe "fake bold", whose copies page_chars drops)
_NOT_PLAIN = re.compile(r"\s|([^\s\d])\1")


def _spans(tp, text: str, top_y: float, frames: list) -> list[tuple[int, int, tuple | None]]:
    """The page's characters in spans, in order: (start, end, box) for a line of running text
    whose box lies clear of every table frame (so none of its characters can be in a cell: it
    is taken whole, and pdfium is asked for one box instead of one per character), (start,
    end, None) for the rest, which `page_chars` reads character by character. The frames are
    widened by the distance a fake-bold copy may lie from its character."""
    n = tp.count_chars()
    if len(text) != n:
        return [(0, n, None)]
    pad = MAX_COPY_DIST + 0.5
    boxes = [(f[0] - pad, f[1] - pad, f[2] + pad, f[3] + pad) for f in frames]
    out: list[tuple[int, int, tuple | None]] = []
    at = 0  # where the pending span read character by character begins
    for m in _LINE.finditer(text):
        start, end = m.span()
        if _NOT_PLAIN.search(text, start, end):
            continue
        box = line_box(tp, start, end, top_y)
        if box is None or any(
            box[0] <= x1 and x0 <= box[2] and box[1] <= y1 and y0 <= box[3]
            for x0, y0, x1, y1 in boxes
        ):
            continue
        if at < start:
            out.append((at, start, None))
        out.append((start, end, box))
        at = end
    if at < n:
        out.append((at, n, None))
    return out


def recovered_items(recovered: list[layout.Recovered], pageno: int) -> list[PageItem]:
    """Tables recovered from the layout as page items (shared with parsers.formats.ofd_page)."""
    out = []
    for t in recovered:
        ys = t.ys or [(0.0, 0.0)] * len(t.rows)
        rows = [
            [PageCell(x0, x1, 1, clean(text), top, bottom, pageno) for x0, x1, text in row]
            for row, (top, bottom) in zip(t.rows, ys, strict=False)
        ]
        out.append(
            PageItem(
                t.top, table=PageTable(rows, t.x0, t.x1, pageno, t.ncols, continued=t.continued)
            )
        )
    return out


def is_margin(text: str, top: float, bottom: float, height: float) -> bool:
    if _PAGE_NO.match(text):
        return True
    return len(text) <= 30 and (bottom < height * 0.055 or top > height * 0.945)


def join_tables(pages: list[list[PageItem]], notes: list[str]) -> None:
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
