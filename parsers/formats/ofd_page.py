"""One OFD page: its objects read into glyph boxes, ruling segments and pictures
(`read_text`, `read_path`, `read_image`), then into the PDF reader's page items: ruled tables,
tables without rulings and text lines in reading order (`page_items`)."""

from __future__ import annotations

from itertools import pairwise

from parsers.formats.ofd import _NUM, MM, _box, _deltas, _first, _floats, _local
from parsers.formats.pdf import layout
from parsers.formats.pdf.chars import Glyph, clean
from parsers.formats.pdf.pages import PageItem, is_margin, recovered_items
from parsers.formats.pdf.rulings import TABLE_SETTINGS, edges_of, find_grids
from parsers.model import Block

ASCENT, DESCENT = 0.86, 0.14  # of the font size, above and below the baseline


def _matrix(obj):
    """The object's CTM and boundary origin as one map from object space to page pt."""
    bx, by, _, _ = _box(obj.get("Boundary"))
    m = _floats(obj.get("CTM"))
    a, b, c, d, e, f = m if len(m) == 6 else (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)

    def at(x: float, y: float) -> tuple[float, float]:
        return ((a * x + c * y + e + bx) * MM, (b * x + d * y + f + by) * MM)

    return at, (abs(d) or 1.0)


def _wide(ch: str) -> bool:
    return ord(ch) >= 0x2E80


def read_text(obj, page) -> None:
    at, scale = _matrix(obj)
    try:
        size = float(obj.get("Size") or 3.5)
    except ValueError:
        size = 3.5
    x = y = 0.0
    for tc in obj:
        if _local(tc.tag) != "TextCode":
            continue
        x = float(tc.get("X")) if tc.get("X") else x
        y = float(tc.get("Y")) if tc.get("Y") else y
        text = tc.text or ""
        dx, dy = _deltas(tc.get("DeltaX")), _deltas(tc.get("DeltaY"))
        for k, ch in enumerate(text):
            nominal = size if _wide(ch) else size * 0.55
            adv = dx[k] if k < len(dx) else nominal
            w = adv if 0 < adv <= 1.1 * size else nominal  # the glyph fills its advance
            if not ch.isspace():
                x0, top = at(x, y - ASCENT * size)
                x1, bottom = at(x + w, y + DESCENT * size)
                _, base = at(x, y)
                page.glyphs.append(
                    (
                        ch,
                        min(x0, x1),
                        min(top, bottom),
                        max(x0, x1),
                        max(top, bottom),
                        base,
                        size * scale * MM,
                    )
                )
            x += adv
            y += dy[k] if k < len(dy) else 0.0


def _visible(obj, name: str) -> bool:
    """A colour that shows on white paper (no colour given: the default black)."""
    el = _first(obj, name)
    if el is None:
        return True
    v = _floats(el.get("Value"))
    return not (len(v) >= 3 and min(v[:3]) >= 242) and el.get("Alpha", "255") != "0"


def read_path(obj, page) -> None:
    stroke = obj.get("Stroke", "true").lower() != "false" and _visible(obj, "StrokeColor")
    fill = obj.get("Fill", "false").lower() == "true" and _visible(obj, "FillColor")
    if not (stroke or fill):
        return
    data = _first(obj, "AbbreviatedData")
    toks = _NUM.findall(data.text or "") if data is not None else []
    at, _ = _matrix(obj)
    segs, start, cur, i = [], None, None, 0
    takes = {"S": 2, "M": 2, "L": 2, "Q": 4, "B": 6, "A": 7, "C": 0}

    def nums(n):
        try:
            return [float(t) for t in toks[i : i + n]]
        except ValueError:
            return None

    while i < len(toks):
        cmd = toks[i]
        i += 1
        if cmd not in takes:
            continue
        v = nums(takes[cmd])
        if v is None or len(v) < takes[cmd]:
            break
        i += takes[cmd]
        if cmd in ("S", "M"):
            start = cur = at(v[0], v[1])
        elif cmd == "L":
            pt = at(v[0], v[1])
            if cur is not None:
                segs.append((*cur, *pt))
            cur = pt
        elif cmd in ("Q", "B", "A"):
            cur = at(v[-2], v[-1])  # a curve is no ruling
        elif cmd == "C" and cur is not None and start is not None:
            if cur != start:
                segs.append((*cur, *start))
            cur = start
    if not stroke:  # a filled shape counts only when thin: a line drawn as a rectangle
        xs = [p for s in segs for p in (s[0], s[2])]
        ys = [p for s in segs for p in (s[1], s[3])]
        if not xs or min(max(xs) - min(xs), max(ys) - min(ys)) > 3:
            return
    page.segments += segs


def read_image(obj, data: bytes, page) -> None:
    _, _, w, h = _box(obj.get("Boundary"))
    page.images.append((data, w * h * MM * MM))


class _Bounds:
    """Just enough of a page for find_grids: its box."""

    def __init__(self, width: float, height: float):
        self.box = (0.0, 0.0, width, height)

    def get_bbox(self):
        return self.box


def page_items(page, pageno: int, continuing: bool = False) -> list[PageItem]:
    """Ruled tables, tables without rulings and text lines of a page, top to bottom."""
    h, v = edges_of(page.segments)
    grids = (
        find_grids(_Bounds(page.width, page.height), h + v, dict(TABLE_SETTINGS))
        if len(h) >= 2 and len(v) >= 2
        else []
    )
    cells: list[dict] = [{} for _ in grids]
    free = []
    for i, (ch, x0, top, x1, bottom, base, _size) in enumerate(page.glyphs):
        cx, cy = (x0 + x1) / 2, (top + bottom) / 2
        for g, grid in enumerate(grids):
            k = grid.owner(cx, cy)
            if k is not None:
                cells[g].setdefault(k, []).append((ch, (x0, top, x1, bottom)))
                break
        else:
            free.append(Glyph(i, ch, x0, x1, top, bottom, base))
    lines = _lines(free)
    recovered = []
    text = "\n".join(t for _, _, t, _ in lines)
    if layout.maybe_table(text) or (continuing and layout.maybe_table(text[:600], 1)):
        first = min((g.ys[0] for g in grids), default=page.height)
        recovered = layout.find_tables(
            free, continuing and first > page.height * 0.2, margin=page.height * 0.08
        )
        taken = {k for t in recovered for k in t.keys}
        lines = _lines([g for g in free if g.key not in taken])
    items = [
        PageItem(top, t, margin=is_margin(t, top, bottom, page.height))
        for top, bottom, t, _ in lines
        if t
    ]
    items += [
        PageItem(grid.ys[0], table=grid.finish(chars, pageno))
        for grid, chars in zip(grids, cells, strict=True)
    ]
    items += recovered_items(recovered, pageno)
    items.sort(key=lambda it: it.top)
    return items


def _lines(glyphs: list[Glyph]) -> list[tuple[float, float, str, float]]:
    """Glyphs grouped into lines by their baselines, each read left to right; a gap wider
    than a third of the glyphs' height is a space. (top, bottom, text, baseline)."""
    out: list[list[Glyph]] = []
    for g in sorted(glyphs, key=lambda g: (g.base, g.x0)):
        h = g.bottom - g.top
        if out and abs(g.base - out[-1][0].base) <= 0.35 * h:
            out[-1].append(g)
        else:
            out.append([g])
    lines = []
    for ln in out:
        ln.sort(key=lambda g: g.x0)
        h = max(g.bottom - g.top for g in ln)
        s = ln[0].ch
        for a, b in pairwise(ln):
            s += (" " if b.x0 - a.x1 > h / 3 else "") + b.ch
        lines.append((min(g.top for g in ln), max(g.bottom for g in ln), clean(s), ln[0].base))
    lines.sort(key=lambda x: x[0])
    return lines


def scan_blocks(image: bytes, pageno: int, notes: list[str]) -> list[Block]:
    """A page that is only a picture: read by OCR as a scan."""
    from parsers.formats.ocr import ocr_image
    from parsers.model import ParseError

    try:
        scanned = ocr_image(image)
    except ParseError as e:
        notes.append(f"page {pageno}: its picture cannot be read ({e})")
        return []
    notes.extend(f"page {pageno}: {n}" for n in scanned.notes)
    for b in scanned.blocks:
        b.page = pageno
        if b.table is not None:
            b.table.page = pageno
            for cell in (x for row in b.table.rows for x in row):
                if cell.pos:  # a box in the pixels of the page's picture
                    cell.pos = {"page": pageno, "picture": 0, "box": cell.pos["box"]}
    return scanned.blocks
