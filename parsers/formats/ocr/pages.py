"""Scans → Document: tesseract (chi_sim) for the text, ruling lines for the table grids.

Per page: deskew, find the table ruling lines, rebuild each table's cell grid (merged cells
become row/column spans), OCR every cell on its own (the cells are stacked into one image, so
one tesseract run per page reads them all without text running across cells), and OCR the
rest of the page as text lines. Pillow only; tesseract is called through its TSV output.
"""
from __future__ import annotations

import io
import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from parsers.model import Block, Cell, Document, ParseError, Table
from parsers.normalize import normalize_text
from parsers.runner.commands import run_command

DPI = 300            # pages of image-only PDFs are rendered at this resolution
TEXT_DPI = 200       # ... and their running text is read at this one
LINE_PX = 40         # cell text is scaled to about this height for tesseract
LANG = "chi_sim"
TESS_TIMEOUT_S = 120
MAX_PAGES = 200
INK = 160            # grey level below which a pixel is ink


# ---------------------------------------------------------------- entry points

def ocr_pdf(data: bytes, pages: list[int] | None = None) -> Document:
    """OCR an image-only PDF (or only the given 1-based pages)."""
    import pypdfium2 as pdfium
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        raise ParseError(f"unreadable PDF: {e}") from None
    try:
        n = len(pdf)
        if n > MAX_PAGES:
            raise ParseError(f"too many pages to OCR: {n} (limit {MAX_PAGES})")
        wanted = pages or list(range(1, n + 1))
        images = []
        for p in wanted:
            page = pdf[p - 1]
            images.append(page.render(scale=DPI / 72, grayscale=True).to_pil().convert("L"))
            page.close()
    finally:
        pdf.close()
    doc = ocr_images(images, page_numbers=wanted)
    doc.format = "pdf"
    doc.pages = n
    return doc


def ocr_image(data: bytes) -> Document:
    """OCR an image file (PNG, JPEG, TIFF, GIF, BMP, WebP; every frame of a multi-page TIFF)."""
    from PIL import Image, ImageSequence
    Image.MAX_IMAGE_PIXELS = 120_000_000  # refuse decompression bombs
    try:
        img = Image.open(io.BytesIO(data))
        frames = [f.convert("L") for f in ImageSequence.Iterator(img)][:MAX_PAGES]
    except (OSError, ValueError, Image.DecompressionBombError) as e:
        raise ParseError(f"unreadable image: {e}") from None
    frames = [_to_dpi(f, img.info.get("dpi")) for f in frames]
    doc = ocr_images(frames)
    doc.format = "image"
    return doc


def ocr_images(images, page_numbers: list[int] | None = None) -> Document:
    doc = Document(format="image", pages=len(images))
    confs: list[float] = []
    set_aside = 0
    numbers = page_numbers or list(range(1, len(images) + 1))
    with ThreadPoolExecutor(max_workers=max(1, min(os.cpu_count() or 1, 4))) as pool:  # tesseract runs in parallel
        for blocks, c, n in pool.map(ocr_page, images, numbers):
            doc.blocks.extend(blocks)
            confs.extend(c)
            set_aside += n
    mean = sum(confs) / len(confs) if confs else 0.0
    doc.notes.append(f"ocr: tesseract {LANG}, {len(images)} page(s), mean confidence {mean:.1f}")
    if set_aside:
        doc.notes.append(f"ocr: {set_aside} number cell(s) set aside as unreadable "
                         "(readings disagree or low confidence)")
    return doc


def ocr_confidence(doc: Document) -> float | None:
    """The mean word confidence (0–100) recorded by OCR, or None if the document was not OCR'd."""
    for note in doc.notes:
        m = re.match(r"ocr: .*mean confidence ([\d.]+)", note)
        if m:
            return float(m.group(1))
    return None


def ocr_reason(doc: Document) -> str | None:
    """Why a parsed PDF needs OCR: no text layer, or a text layer that is not readable Chinese
    (fonts without a ToUnicode map give private-use or Latin garbage). None if the text is fine."""
    text = "".join(doc.text().split())
    pages = max(doc.pages or 1, 1)
    if len(text) < 40 * pages:
        return "the PDF has no text layer"
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    if cjk < 0.3 * len(text):
        return f"the PDF's text layer is garbage ({cjk / len(text):.0%} Chinese characters)"
    return None


# ---------------------------------------------------------------- one page

def ocr_page(gray, page_no: int = 1) -> tuple[list[Block], list[float], int]:
    """Blocks of one page image in reading order, the word confidences, and how many number
    cells were set aside as unreadable."""
    from PIL import Image, ImageDraw
    gray = deskew(gray)
    ink = gray.point(lambda v: 0 if v < INK else 255)
    tables = find_tables(ink)
    placed: list[tuple[int, Block]] = []
    confs: list[float] = []
    set_aside = 0
    for t in tables:
        table, c, n = read_table(gray, t)
        set_aside += n
        table.page = page_no
        placed.append((t.ys[0], Block("table", table=table, page=page_no)))
        confs.extend(c)
    # the rest of the page, tables blanked out
    rest = gray.copy()
    draw = ImageDraw.Draw(rest)
    for t in tables:
        draw.rectangle((t.xs[0] - 6, t.ys[0] - 6, t.xs[-1] + 6, t.ys[-1] + 6), fill=255)
    for y, text, c in text_lines(rest):
        placed.append((y, Block("paragraph", text=text, page=page_no)))
        confs.extend(c)
    placed.sort(key=lambda p: p[0])
    return [b for _, b in placed], confs, set_aside


def text_lines(img) -> list[tuple[int, str, list[float]]]:
    """(top y, text, word confidences) of each text line tesseract finds."""
    from PIL import Image
    f = TEXT_DPI / DPI  # body text and titles read better at a lower resolution
    small = img.resize((int(img.width * f), int(img.height * f)), Image.Resampling.LANCZOS)
    words = tesseract(small, psm=3)
    lines: dict[tuple, list] = {}
    for w in words:
        lines.setdefault((w.block, w.par, w.line), []).append(w)
    out = []
    for ws in lines.values():
        text = join_words([w.text for w in ws])
        if text.strip():
            out.append((int(min(w.top for w in ws) / f), text, [w.conf for w in ws]))
    return out


# ---------------------------------------------------------------- deskew

def deskew(gray, max_angle: float = 2.0):
    """Rotate so text lines and rulings are horizontal (projection-profile search)."""
    from PIL import Image
    w, h = gray.size
    small = gray.resize((w // 3, h // 3), Image.Resampling.BOX).point(lambda v: 255 if v < INK + 40 else 0)

    def score(angle: float) -> float:
        rot = small.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=0)
        prof = rot.resize((1, rot.height), Image.Resampling.BOX).tobytes()
        return sum((a - b) ** 2 for a, b in zip(prof, prof[1:]))

    best = max((a / 10 for a in range(int(-max_angle * 10), int(max_angle * 10) + 1)), key=score)
    best = max((best + d / 100 for d in range(-9, 10)), key=score)
    if abs(best) < 0.02:
        return gray
    return gray.rotate(best, resample=Image.Resampling.BICUBIC, fillcolor=255)


# ---------------------------------------------------------------- table grids

@dataclass
class Grid:
    xs: list[int]   # column boundaries, left to right
    ys: list[int]   # row boundaries, top to bottom
    ink: object     # the thickened ink image the rulings were found in


def find_tables(ink) -> list[Grid]:
    """Table grids from the ruling lines of a binarised page (0 = ink)."""
    from PIL import Image, ImageFilter
    thick = ink.filter(ImageFilter.MinFilter(3))  # close small gaps in scanned rulings
    unit = max(ink.width // 40, 20)                # a ruling is longer than any character stroke
    hlines = _runs(thick, unit * 2)                       # (y, x0, x1)
    vlines = _runs(thick.transpose(Image.Transpose.TRANSPOSE), unit)  # (x, y0, y1)
    tol = 8
    # keep vertical lines that touch a horizontal one: character strokes do not
    vlines = [v for v in vlines if any(h[1] - tol <= v[0] <= h[2] + tol and v[1] - tol <= h[0] <= v[2] + tol
                                       for h in hlines)]
    # group crossing lines into tables
    items = [("h", h) for h in hlines] + [("v", v) for v in vlines]
    parent = list(range(len(items)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    for i, (ki, a) in enumerate(items):
        for j in range(i + 1, len(items)):
            kj, b = items[j]
            if ki == kj:
                continue
            h, v = (a, b) if ki == "h" else (b, a)
            if h[1] - tol <= v[0] <= h[2] + tol and v[1] - tol <= h[0] <= v[2] + tol:
                parent[find(i)] = find(j)
    groups: dict[int, list] = {}
    for i, it in enumerate(items):
        groups.setdefault(find(i), []).append(it)
    grids = []
    for members in groups.values():
        hs = [m for k, m in members if k == "h"]
        vs = [m for k, m in members if k == "v"]
        if len(hs) < 2 or len(vs) < 2:
            continue
        # boundaries come from the rulings; an open edge (a table cut by the page) from
        # where the crossing lines end
        ys = [h[0] for h in hs] + _open_edges([v[1] for v in vs], [v[2] for v in vs], [h[0] for h in hs])
        xs = [v[0] for v in vs] + _open_edges([h[1] for h in hs], [h[2] for h in hs], [v[0] for v in vs])
        ys, xs = _cluster(ys), _cluster(xs)
        if len(ys) < 2 or len(xs) < 2:
            continue
        grids.append(Grid(xs, ys, thick))
    grids.sort(key=lambda g: g.ys[0])
    return grids


def _runs(img, min_len: int) -> list[tuple[int, int, int]]:
    """Lines of ink at least min_len long in each pixel row, merged across adjacent rows."""
    w = img.width
    data = img.tobytes()
    pat = re.compile(rb"\x00{%d,}" % min_len)
    segs = []
    for y in range(img.height):
        for m in pat.finditer(data, y * w, (y + 1) * w):
            segs.append((y, m.start() - y * w, m.end() - y * w))
    lines: list[list[int]] = []  # [y_first, y_last, x0, x1]
    for y, x0, x1 in segs:
        hit = [ln for ln in lines if y - ln[1] <= 2 and x0 < ln[3] and x1 > ln[2]]
        if not hit:
            lines.append([y, y, x0, x1])
            continue
        keep = hit[0]
        for ln in hit[1:]:  # a segment that bridges two pieces joins them
            keep[0], keep[2], keep[3] = min(keep[0], ln[0]), min(keep[2], ln[2]), max(keep[3], ln[3])
            lines.remove(ln)
        keep[1], keep[2], keep[3] = y, min(keep[2], x0), max(keep[3], x1)
    return [((a + b) // 2, x0, x1) for a, b, x0, x1 in lines]


def _open_edges(starts: list[int], ends: list[int], rulings: list[int], tol: int = 12) -> list[int]:
    out = []
    lo, hi = min(starts), max(ends)
    if lo < min(rulings) - tol:
        out.append(lo)
    if hi > max(rulings) + tol:
        out.append(hi)
    return out


def _cluster(values: list[int], tol: int = 10) -> list[int]:
    out: list[list[int]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(c) // len(c) for c in out]


def _ruled(ink, x0: int, y0: int, x1: int, y1: int) -> bool:
    """Whether a ruling runs along the thin box (x0,y0)-(x1,y1) (most of its length has ink)."""
    box = ink.crop((x0, y0, x1, y1))
    w, h = box.size
    data = box.tobytes()
    if h >= w:   # vertical ruling: each pixel row should have ink
        hits = sum(1 for r in range(h) if 0 in data[r * w:(r + 1) * w])
        return hits >= 0.75 * h
    hits = sum(1 for c in range(w) if 0 in data[c::w])
    return hits >= 0.75 * w


def cell_regions(g: Grid) -> list[tuple[int, int, int, int]]:
    """Merged cells as (row, col, rowspan, colspan), found from the missing rulings."""
    nr, nc = len(g.ys) - 1, len(g.xs) - 1
    m = 4
    parent = {(r, c): (r, c) for r in range(nr) for c in range(nc)}

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k
    for r in range(nr):
        ya, yb = g.ys[r] + m, g.ys[r + 1] - m
        for c in range(nc):
            xa, xb = g.xs[c] + m, g.xs[c + 1] - m
            if c + 1 < nc and yb > ya and not _ruled(g.ink, g.xs[c + 1] - 3, ya, g.xs[c + 1] + 4, yb):
                parent[find((r, c))] = find((r, c + 1))
            if r + 1 < nr and xb > xa and not _ruled(g.ink, xa, g.ys[r + 1] - 3, xb, g.ys[r + 1] + 4):
                parent[find((r, c))] = find((r + 1, c))
    boxes: dict[tuple, list[int]] = {}
    for (r, c) in parent:
        b = boxes.setdefault(find((r, c)), [r, c, r, c])
        b[0], b[1], b[2], b[3] = min(b[0], r), min(b[1], c), max(b[2], r), max(b[3], c)
    taken: set[tuple[int, int]] = set()
    out = []
    for r in range(nr):
        for c in range(nc):
            if (r, c) in taken:
                continue
            r0, c0, r1, c1 = boxes[find((r, c))]
            if (r0, c0) != (r, c) or any((i, j) in taken for i in range(r0, r1 + 1) for j in range(c0, c1 + 1)):
                r1, c1 = r, c  # not a clean rectangle: keep the single cell
            taken.update((i, j) for i in range(r, r1 + 1) for j in range(c, c1 + 1))
            out.append((r, c, r1 - r + 1, c1 - c + 1))
    return out


def read_table(gray, g: Grid) -> tuple[Table, list[float], int]:
    """OCR every cell of a grid; returns the Table (with spans), the word confidences and how
    many number cells were set aside as unreadable."""
    regions = cell_regions(g)
    crops = []
    for r, c, rs, cs in regions:
        box = (g.xs[c] + 5, g.ys[r] + 5, g.xs[c + cs] - 4, g.ys[r + rs] - 4)
        crops.append(_ink_crop(gray, box))
    cell_conf: list[float] = []
    texts, confs = ocr_stacked(crops, cell_conf=cell_conf)
    texts = [fix_slips(t) for t in texts]
    texts, set_aside = read_numbers(crops, texts, cell_conf)
    # right of a number, a cell is a value too: one no reading takes for a number (a 0 read as
    # 一) would pass for a label and shift the row's numbers one column, so it is set aside
    row_has_number: set[int] = set()
    for k, (r, c, rs, cs) in enumerate(regions):
        t = texts[k].replace(" ", "")
        if NUMBER.fullmatch(t):
            row_has_number.add(r)
        elif (r in row_has_number and crops[k] is not None and numberish(t) and t not in _BLANK_MARKS
              and not t.startswith(UNREADABLE)):
            texts[k] = UNREADABLE_BLANK
            set_aside += 1
    rows: list[list[Cell]] = [[] for _ in range(len(g.ys) - 1)]
    for (r, c, rs, cs), text in zip(regions, texts):
        rows[r].append(Cell(text, rowspan=rs, colspan=cs))
    return Table(rows=rows), confs, set_aside


# Number cells. A wrong number is worse than a blank: a number is kept only when independent
# readings agree on it and tesseract is sure enough of it; otherwise the cell becomes an
# unreadable marker ("?" plus what was seen, never a clean number) that the extractor keeps as null.
DIGITS = "tessedit_char_whitelist=0123456789.+-"
# calibrated on generated scans (seeds 2000-2009; checked on 3000-3029): see decide()
AGREE_CONF = 40.0
ALONE_CONF = 88.0
OPPOSE_CONF = 40.0
UNREADABLE = "?"
UNREADABLE_BLANK = "?0"  # no digit seen: the 0 only makes parsers.report.values take it for an
#                          unreadable value (a "?" alone would pass for a label); it is never
#                          read as a number


@dataclass
class Reading:
    text: str      # "" when the reading is not a number
    conf: float    # tesseract's lowest word confidence in the cell (0-100)


def read_numbers(crops, texts: list[str], cell_conf: list[float]) -> tuple[list[str], int]:
    """Re-read every cell whose general reading may be a number twice more, digits only
    (chi_sim, eng), and let decide() vote. Returns the cell texts and how many were set aside."""
    nums = [i for i, t in enumerate(texts) if crops[i] is not None and numberish(t)]
    if not nums:
        return texts, 0
    sub = [crops[i] for i in nums]
    readings: list[list[Reading]] = [[_first_reading(texts[i], cell_conf[i])] for i in nums]
    for lang in ("chi_sim", "eng"):  # different models make different slips
        conf: list[float] = []
        got, _ = ocr_stacked(sub, lang=lang, config=(DIGITS,), cell_conf=conf)
        for rs, t, c in zip(readings, got, conf):
            rs.append(_reading(t, c))
    out = list(texts)
    set_aside = 0
    for i, rs in zip(nums, readings):
        text = decide(texts[i], rs)
        if text.startswith(UNREADABLE):
            set_aside += 1
        out[i] = text
    return out, set_aside


_BLANK_MARKS = {"/", "／", "\\", "…", "-", "－", "—", "——", "x", "X", "×"}
_GROUPED = re.compile(r"[+\-]?\d{1,3}(,\d{3})+(\.\d+)?")  # 4,047


def _reading(text: str, conf: float) -> Reading:
    t = text.replace(" ", "")
    if _GROUPED.fullmatch(t):
        t = t.replace(",", "")
    if not NUMBER.fullmatch(t):
        return Reading("", conf)
    return Reading(re.sub(r"^([+\-]?)0+(?=\d)", r"\1", t), conf)  # 00 (a 0 read twice) is 0


def _first_reading(text: str, conf: float) -> Reading:
    # chi_sim reads a lone 1 as 工: a vote for 1 (at a fixed, modest confidence) that the
    # digits-only readings must confirm, and that stops a lone eng 4 (its slip on a 1)
    if text.strip() == "工":
        return Reading("1", OPPOSE_CONF)
    return _reading(text, conf)


def decide(first: str, rs: list[Reading]) -> str:
    """The cell's text from its readings (general; digits-only chi_sim; digits-only eng).

    The most confident number stands when no other reading says another number with some
    confidence (OPPOSE_CONF), and either a second reading agrees (the best then needs
    AGREE_CONF) or it alone is very sure (ALONE_CONF). A cell no reading takes for a number,
    or only faintly while the first reading has no digit, keeps its first reading (a label, a
    blank); any other cell becomes an unreadable marker.
    """
    numbers = [r for r in rs if r.text]
    if not numbers:
        return first
    best = max(numbers, key=lambda r: r.conf)
    agree = sum(1 for r in numbers if r.text == best.text)
    opposed = any(r.text != best.text and r.conf >= OPPOSE_CONF for r in numbers)
    if not opposed and (best.conf >= ALONE_CONF or (agree >= 2 and best.conf >= AGREE_CONF)):
        return best.text
    if not re.search(r"\d", first) and best.conf < OPPOSE_CONF:
        return first  # a label (四、) the digits-only readings made a faint number of
    return UNREADABLE + best.text


def _ink_crop(gray, box):
    """The inked part of a cell as a clean black-on-white image (specks and the edges of
    neighbouring rulings removed), or None for a blank cell."""
    from PIL import Image
    x0, y0, x1, y1 = box
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    crop = gray.crop(box)
    edges = _trim_rulings(crop.point(lambda v: 0 if v < INK else 255))
    if edges is None:
        return None
    left, top, right, bottom = edges
    inner = crop.crop(edges)
    # ink seen at a third of the size: strokes survive, single specks of dust fade away
    small = inner.resize((max(inner.width // 3, 1), max(inner.height // 3, 1)), Image.Resampling.BOX)
    bbox = small.point(lambda v: 255 if v < INK else 0).getbbox()
    if bbox is None:
        return None
    bx0, by0, bx1, by1 = (v * 3 for v in bbox)
    # grey text keeps its anti-aliasing; light background (shading, grain) becomes white
    return inner.crop((max(bx0 - 4, 0), max(by0 - 4, 0), bx1 + 4, by1 + 4)).point(lambda v: v if v < 200 else 255)


def _trim_rulings(img, depth: int = 10):
    """Cut away edge rows/columns that are mostly ink: the cell's own border lines."""
    w, h = img.size
    data = img.tobytes()

    def col_ink(x):
        return data[x::w].count(0) / h

    def row_ink(y):
        return data[y * w:(y + 1) * w].count(0) / w
    left, right, top, bottom = 0, w, 0, h
    for x in range(min(depth, w)):
        if col_ink(x) > 0.5:
            left = x + 1
    for x in range(w - 1, max(w - 1 - depth, -1), -1):
        if col_ink(x) > 0.5:
            right = x
    for y in range(min(depth, h)):
        if row_ink(y) > 0.5:
            top = y + 1
    for y in range(h - 1, max(h - 1 - depth, -1), -1):
        if row_ink(y) > 0.5:
            bottom = y
    if right - left < 3 or bottom - top < 3:
        return None
    return left, top, right, bottom


def ocr_stacked(crops, lang: str = LANG, config: tuple[str, ...] = (),
                cell_conf: list | None = None) -> tuple[list[str], list[float]]:
    """Stack cell images in one tall image, OCR it once, hand each cell its text."""
    from PIL import Image, ImageOps
    gap = 24
    live = [c for c in crops if c is not None]
    if not live:
        return [""] * len(crops), []
    heights = sorted(c.height for c in live)
    f = min(max(LINE_PX / heights[len(heights) // 2], 0.5), 2.5)
    if abs(f - 1) > 0.1:
        crops = [c and c.resize((max(int(c.width * f), 1), max(int(c.height * f), 1)), Image.Resampling.LANCZOS)
                 for c in crops]
        live = [c for c in crops if c is not None]
    width = max(c.width for c in live) + 2 * gap
    height = sum(c.height + gap for c in live) + gap
    sheet = Image.new("L", (width, height), 255)
    bands = []
    y = gap
    for c in crops:
        if c is None:
            bands.append(None)
            continue
        sheet.paste(c, (gap, y))
        bands.append((y - gap // 2, y + c.height + gap // 2))
        y += c.height + gap
    words = tesseract(sheet, psm=6, lang=lang, config=config)
    texts: list[list] = [[] for _ in crops]
    for w in words:
        mid = w.top + w.height / 2
        for i, b in enumerate(bands):
            if b and b[0] <= mid < b[1]:
                texts[i].append(w)
                break
    out = []
    confs = [w.conf for w in words]
    for crop, ws in zip(crops, texts):
        ws.sort(key=lambda w: (w.block, w.par, w.line, w.word))
        if crop is not None and not ws:  # tesseract dropped a lone glyph: read the cell alone
            ws = tesseract(ImageOps.expand(crop, 20, 255), psm=7, lang=lang, config=config)
            confs.extend(w.conf for w in ws)
        out.append(clean_cell(join_words([w.text for w in ws])))
        if cell_conf is not None:
            cell_conf.append(min((w.conf for w in ws), default=0.0))
    return out, confs


# ---------------------------------------------------------------- text clean-up

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
_DIGITISH = str.maketrans({"O": "0", "o": "0", "〇": "0", "D": "0", "Q": "0", "l": "1", "I": "1",
                           "|": "1", "i": "1", "!": "1", "]": "1", "[": "1", "S": "5", "s": "5",
                           "B": "8", "Z": "2", "z": "2", "g": "9", "，": ",", "。": ".", "．": "."})
_JUNK = "_'\"`‘’“”~,.:;()（）《》〈〉。、-—=*^"
NUMBER = re.compile(r"[+\-]?\d+(\.\d+)?")
_ONES = re.compile(r"[|lI\]\[!i]+|[OoD〇]")  # a lone 1 or 0 often reads as one of these


def join_words(words: list[str]) -> str:
    """Join tesseract words: no space between CJK characters, one between Latin words."""
    out = ""
    for w in words:
        w = normalize_text(w).strip()
        if not w:
            continue
        if out and not _CJK.match(w[0]) and not _CJK.match(out[-1]):
            out += " "
        out += w
    return out


def clean_cell(text: str) -> str:
    """A cell that reads as a number with OCR's usual slips (letters for digits, specks read
    as punctuation at the ends) gets the number."""
    t = text.replace(" ", "").strip(_JUNK)
    d = r"[0-9OoDQlIi|!\]\[SsBZzg〇]"
    if t and re.fullmatch(rf"[+\-]?{d}+([.,．。]{d}+)?", t) and (re.search(r"[0-9]", t) or _ONES.fullmatch(t)):
        return t.translate(_DIGITISH)
    return text


_WITH_UNIT = re.compile(r"[+\-]?\d+(\.\d+)?(万元|亿元|元|件|个|项|次|人次|条)")


# chi_sim slips in the tables' labels: 予 read as 子 (予以公开, 不予处理); 子以 and 不子 are not Chinese
_SLIPS = [(re.compile(r"子以"), "予以"), (re.compile(r"不子"), "不予")]


def fix_slips(text: str) -> str:
    for pat, good in _SLIPS:
        text = pat.sub(good, text)
    return text


def numberish(text: str) -> bool:
    """Whether a cell's first reading may be a number: no Chinese, one character only, or
    digits with one stray character (人4, 4】: noise on a number). A number with its unit is
    read well already and keeps its unit."""
    t = text.replace(" ", "").strip(_JUNK)
    if not t or len(t) > 16 or _WITH_UNIT.fullmatch(t):
        return False
    cjk = len(_CJK.findall(t))
    return cjk == 0 or len(t) == 1 or (cjk == 1 and bool(re.search(r"\d", t)))


# ---------------------------------------------------------------- tesseract

@dataclass
class Word:
    block: int
    par: int
    line: int
    word: int
    left: int
    top: int
    width: int
    height: int
    conf: float
    text: str


def tesseract(img, psm: int = 3, lang: str = LANG, config: tuple[str, ...] = ()) -> list[Word]:
    with tempfile.TemporaryDirectory(prefix="ogi-ocr-") as tmp:
        src = Path(tmp) / "page.png"
        img.save(src, dpi=(DPI, DPI))
        opts = [x for c in config for x in ("-c", c)]
        res = run_command(["tesseract", str(src), "stdout", "-l", lang, "--psm", str(psm),
                           "--dpi", str(DPI), *opts, "tsv"],
                          timeout_s=TESS_TIMEOUT_S, env={"OMP_THREAD_LIMIT": "1"}, what="tesseract")
    if res.returncode != 0:
        raise ParseError("tesseract failed: " + res.stderr.decode("utf-8", "replace").strip().splitlines()[-1:][0]
                         if res.stderr.strip() else "tesseract failed")
    words = []
    for line in res.stdout.decode("utf-8", "replace").splitlines()[1:]:
        f = line.split("\t")
        if len(f) < 12 or f[0] != "5" or not f[11].strip():
            continue
        words.append(Word(*(int(x) for x in f[2:10]), float(f[10]), f[11]))
    return words


def _to_dpi(img, dpi):
    """Scale an image so its text is about the size tesseract reads best."""
    from PIL import Image
    try:
        d = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        d = 0.0
    if d <= 0:
        d = 200.0 if img.width < 2000 else 300.0
    if d < 250:
        f = DPI / d
        img = img.resize((int(img.width * f), int(img.height * f)), Image.Resampling.BICUBIC)
    return img
