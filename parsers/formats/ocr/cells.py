"""Reading the cells of a scanned table: each cell's ink cropped clean; the labels read by
PP-OCR (`read_labels`); the other cells stacked into one image so one tesseract run reads
them all without text running across cells; and every cell that may hold a number read twice
more, by tesseract's eng digits and by PP-OCR (without its models, by tesseract's chi_sim
and eng digits), for the vote (`readings`)."""

from __future__ import annotations

from parsers.formats.ocr import ppocr
from parsers.formats.ocr.grid import INK, Grid, cell_regions
from parsers.formats.ocr.readings import (
    BLANK_MARKS,
    DIGITS,
    NUMBER,
    UNREADABLE,
    UNREADABLE_BLANK,
    Reading,
    clean_cell,
    confirm,
    decide,
    first_reading,
    fix_slips,
    join_words,
    numberish,
    opposes,
    reading,
)
from parsers.formats.ocr.tesseract import LANG, tesseract, tesseract_each
from parsers.model import Cell, Table

LINE_PX = 40  # cell text is scaled to about this height for tesseract
LABEL_CONF = 0.85  # PP-OCR's mean character probability over which its reading of a label stands
NARROW = 2.5  # a one-line cell narrower than this many heights may be a number
PP_CONF = 80.0  # PP-OCR's vote on a number is at most this sure: under ALONE_CONF
SURE_CONF = 60.0  # three readings this sure of one number outvote a PDF's own OCR layer
# Tesseract reads a line it is unsure of (mean confidence under invert_threshold) once more
# inverted, white on black, and keeps the surer reading. A cell's ink is dark on light
# (`_ink_crop` turns a dark fill's light print), and over 1,243 cells of 3 scans that second
# reading took 72 zeros for 6, 10, 9, 8 or nothing, in 28 % of the sheets' time.
NO_INVERT = "invert_threshold=0"


def read_table(gray, g: Grid, layer=None) -> tuple[Table, list[float], int]:
    """OCR every cell of a grid; returns the Table (with spans), the confidences (tesseract's
    words, PP-OCR's labels) and how many number cells were set aside as unreadable. `layer`:
    the page's own OCR layer [(char, x, y)], whose reading of a number must not contradict
    ours."""
    regions = cell_regions(g)
    crops = []
    boxes = []
    for r, c, rs, cs in regions:
        boxes.append((g.xs[c], g.ys[r], g.xs[c + cs], g.ys[r + rs]))
        box = (g.xs[c] + 5, g.ys[r] + 5, g.xs[c + cs] - 4, g.ys[r + rs] - 4)
        crops.append(_ink_crop(gray, box))
    cell_conf: list[float] = []
    labels = read_labels(crops)
    sheet = [None if k in labels else c for k, c in enumerate(crops)]
    texts, confs = ocr_stacked(sheet, cell_conf=cell_conf)
    for k, (text, conf) in labels.items():
        texts[k] = text
        confs.append(conf)
    texts = [fix_slips(t) for t in texts]
    sure: set[int] = set()
    texts, set_aside = read_numbers(crops, texts, cell_conf, sure)
    if layer:
        set_aside += _against_layer(texts, boxes, layer, sure)
    # right of a number, a cell is a value too: one no reading takes for a number (a 0 read as
    # 一) would pass for a label and shift the row's numbers one column, so it is set aside
    row_has_number: set[int] = set()
    for k, (r, *_) in enumerate(regions):
        t = texts[k].replace(" ", "")
        if NUMBER.fullmatch(t):
            row_has_number.add(r)
        elif (
            r in row_has_number
            and crops[k] is not None
            and numberish(t)
            and t not in BLANK_MARKS
            and not t.startswith(UNREADABLE)
        ):
            texts[k] = UNREADABLE_BLANK
            set_aside += 1
    set_aside += _value_columns(regions, texts, crops, row_has_number)
    rows: list[list[Cell]] = [[] for _ in range(len(g.ys) - 1)]
    for (r, _, rs, cs), text, box in zip(regions, texts, boxes, strict=True):
        rows[r].append(Cell(text, rowspan=rs, colspan=cs, pos={"box": list(box)}))
    return Table(rows=rows, ocr=True), confs, set_aside


def read_labels(crops) -> dict[int, tuple[str, float]]:
    """The cells PP-OCR reads as words, a label's (its text, its confidence 0-100), by
    index: a label is read there at about a third of tesseract's cost a character. A cell
    that may hold a number (one short line), that reads as one (`numberish`) or that PP-OCR
    is not sure of is left to tesseract's stacked sheet, whose reading of a number the
    digit readers vote on. Empty without PP-OCR's models."""
    if not ppocr.available():
        return {}
    live = sorted(c.height - 8 for c in crops if c is not None)  # _ink_crop's margins
    if not live:
        return {}
    digits_h = live[len(live) // 4]  # most cells hold one line of digits
    out = {}
    with ppocr.reader() as r:
        for k, crop in enumerate(crops):
            if crop is None:
                continue
            rows = text_rows(crop, digits_h)
            if len(rows) == 1 and crop.width < NARROW * crop.height:
                continue
            read = [r.read_line(crop.crop((0, y0, crop.width, y1))) for y0, y1 in rows]
            conf = min((c for _, c in read), default=0.0)
            text = clean_cell(join_words([w for t, _ in read for w in t.split()]))
            if conf >= LABEL_CONF and text and not numberish(text):
                out[k] = (text, 100 * conf)
    return out


def text_rows(crop, digits_h: float) -> list[tuple[int, int]]:
    """The (top, bottom) of each line of a cell's text, where a line of digits is about
    `digits_h` high: runs of inked rows, each joined to the line above while the two span
    no more than a line of hanzi with its brackets (1.6 digits: the strokes of 二 are one
    line, two lines with their spacing span more than 2.3). A thin run left alone (under
    half a digit: what is left of a ruling, a dash) is no line."""
    import numpy as np

    rows: list[tuple[int, int]] = []
    for a, b in ppocr.runs((np.asarray(crop) < INK).any(axis=1)):
        if rows and b - rows[-1][0] <= 1.6 * digits_h:
            rows[-1] = (rows[-1][0], b)
        else:
            rows.append((a, b))
    pad = 3
    return [(max(0, a - pad), min(crop.height, b + pad)) for a, b in rows if b - a >= digits_h / 2]


def _against_layer(texts: list[str], boxes, layer, sure: set[int]) -> int:
    """A number the page's own OCR layer reads otherwise in the same cell is set aside: two
    engines disagree, and which one is right is not known — unless all three of our readings
    said it with SURE_CONF (a layer that holds no number there, or garbage, says nothing).
    Returns how many."""
    n = 0
    for k, (x0, y0, x1, y1) in enumerate(boxes):
        t = texts[k].replace(" ", "")
        if not NUMBER.fullmatch(t) or k in sure:
            continue
        said = reading("".join(ch for ch, x, y in layer if x0 < x < x1 and y0 < y < y1), 100.0)
        if said.text and said.text.lstrip("+") != t.lstrip("+"):
            texts[k] = UNREADABLE + t
            n += 1
    return n


def _value_columns(regions, texts: list[str], crops, numbered: set[int]) -> int:
    """In a column where most rows print a number, a cell of a row with numbers that reads as
    words (a 4 read as 人才) is a value OCR could not read, not a label: left as a label it
    would shift the row's numbers one column. It is set aside; returns how many."""
    numbers: dict[int, int] = {}
    filled: dict[int, int] = {}
    for k, (r, c, _rs, cs) in enumerate(regions):
        t = texts[k].replace(" ", "")
        if cs == 1 and t and r in numbered:
            filled[c] = filled.get(c, 0) + 1
            numbers[c] = numbers.get(c, 0) + bool(NUMBER.fullmatch(t) or t.startswith(UNREADABLE))
    values = {c for c, n in numbers.items() if n >= 3 and n >= 0.8 * filled[c]}
    n = 0
    for k, (r, c, _rs, cs) in enumerate(regions):
        t = texts[k].replace(" ", "")
        if (
            c in values
            and cs == 1
            and r in numbered
            and crops[k] is not None
            and t
            and not NUMBER.fullmatch(t)
            and t not in BLANK_MARKS
            and not t.startswith(UNREADABLE)
        ):
            texts[k] = UNREADABLE + t
            n += 1
    return n


def read_numbers(
    crops, texts: list[str], cell_conf: list[float], sure: set | None = None
) -> tuple[list[str], int]:
    """Re-read every cell whose general reading may be a number twice more, and let
    decide() vote: digits only by tesseract's eng model, and by PP-OCR where its models are
    installed (else digits only by chi_sim, as the general reading). Returns the cell
    texts and how many were set aside; `sure` collects the cells whose three readings all
    say the number with SURE_CONF."""
    nums = [i for i, t in enumerate(texts) if crops[i] is not None and numberish(t)]
    if not nums:
        return texts, 0
    sub = [crops[i] for i in nums]
    readings: list[list[Reading]] = [[first_reading(texts[i], cell_conf[i])] for i in nums]
    pp = pp_readings(sub)
    for lang in ("eng",) if pp else ("chi_sim", "eng"):  # different models, different slips
        conf: list[float] = []
        got, _ = ocr_stacked(sub, lang=lang, config=(DIGITS,), cell_conf=conf)
        for rs, t, c in zip(readings, got, conf, strict=False):
            rs.append(reading(t, c))
    for rs, r in zip(readings, pp or [], strict=False):
        rs.append(r)
    out = list(texts)
    for i, rs in zip(nums, readings, strict=True):
        out[i] = decide(texts[i], rs)
        if (
            sure is not None
            and len({r.text for r in rs}) == 1
            and rs[0].text
            and min(r.conf for r in rs) >= SURE_CONF
        ):
            sure.add(i)
    _recheck(crops, nums, readings, out)
    for i, rs in zip(nums, readings, strict=True):
        # a minus sign every reading dropped: the number's sign is unknown
        if NUMBER.fullmatch(out[i]) and out[i][0] not in "+-" and leading_dash(crops[i]):
            out[i] = UNREADABLE + out[i]
        # what the second look confirmed, PP-OCR may still oppose
        if pp and NUMBER.fullmatch(out[i]) and opposes(rs[-1], out[i]):
            out[i] = UNREADABLE + out[i]
    return out, sum(1 for i in nums if out[i].startswith(UNREADABLE))


def pp_readings(crops) -> list[Reading] | None:
    """PP-OCR's reading of each number cell, its confidence capped at PP_CONF: a vote of an
    engine of its own (the general reading and chi_sim's digits only are one model read
    twice, and on a sheet of number cells alone they read alike: a 0 both read as 9), that
    agrees or opposes but never decides a number alone (its confidence is not on
    tesseract's scale: ALONE_CONF). None without PP-OCR's models."""
    if not ppocr.available():
        return None
    with ppocr.reader() as r:
        return [reading(text, min(100 * conf, PP_CONF)) for text, conf in map(r.read_line, crops)]


def _recheck(crops, nums: list[int], readings: list[list[Reading]], out: list[str]) -> None:
    """Cells set aside are read once more by both digit readers, larger (small print and
    low resolution are what they slip on). A cell takes a number only when the new readings
    decide it by the same rule and it is one an earlier reading saw (so at least three
    readings of both models agree); otherwise it stays set aside."""
    again = [
        (i, rs)
        for i, rs in zip(nums, readings, strict=True)
        if out[i].startswith(UNREADABLE) and any(r.text for r in rs)
    ]
    if not again:
        return
    sub = [crops[i] for i, _ in again]
    more: list[list[Reading]] = [[] for _ in again]
    for lang in ("chi_sim", "eng"):
        conf: list[float] = []
        got, _ = ocr_stacked(
            sub, lang=lang, config=(DIGITS,), cell_conf=conf, line_px=LINE_PX * 1.6
        )
        for m, t, c in zip(more, got, conf, strict=False):
            m.append(reading(t, c))
    for (i, rs), m in zip(again, more, strict=True):
        out[i] = confirm(rs, m, out[i])


def leading_dash(crop) -> bool:
    """The cell's ink begins with a short horizontal bar standing apart, at mid-height: a
    minus sign (a plus has a vertical stroke, a digit is as tall as the others)."""
    if crop is None:
        return False
    w, h = crop.size
    data = crop.point(lambda v: 0 if v < INK else 255).tobytes()
    cols = [any(data[y * w + x] == 0 for y in range(h)) for x in range(w)]
    runs, x = [], 0
    while x < w:
        if cols[x]:
            start = x
            while x < w and cols[x]:
                x += 1
            runs.append((start, x))
        x += 1
    if len(runs) < 2 or runs[1][0] - runs[0][1] < 1:
        return False
    (a, b), rows_all = runs[0], [y for y in range(h) if 0 in data[y * w : (y + 1) * w]]
    rows = [y for y in range(h) if 0 in data[y * w + a : y * w + b]]
    if not rows or not rows_all:
        return False
    bar, tall = rows[-1] - rows[0] + 1, rows_all[-1] - rows_all[0] + 1
    middle = (rows[0] + rows[-1]) / 2 - rows_all[0]
    return bar <= 0.25 * tall and (b - a) >= 1.5 * bar and 0.25 * tall <= middle <= 0.75 * tall


def _ink_crop(gray, box):
    """The inked part of a cell as a clean black-on-white image (specks and the edges of
    neighbouring rulings removed; light print on a dark fill turned dark on light), or None
    for a blank cell."""
    from PIL import Image, ImageOps, ImageStat

    x0, y0, x1, y1 = box
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    crop = gray.crop(box)
    if ImageStat.Stat(crop).median[0] < 128:  # a dark fill: tesseract reads dark on light only
        crop = ImageOps.invert(crop)
    edges = _trim_rulings(crop.point(lambda v: 0 if v < INK else 255))
    if edges is None:
        return None
    left, top, right, bottom = edges
    inner = crop.crop(edges)
    # ink seen at a third of the size: strokes survive, single specks of dust fade away
    small = inner.resize(
        (max(inner.width // 3, 1), max(inner.height // 3, 1)), Image.Resampling.BOX
    )
    bbox = small.point(lambda v: 255 if v < INK else 0).getbbox()
    if bbox is None:
        return None
    bx0, by0, bx1, by1 = (v * 3 for v in bbox)
    # grey text keeps its anti-aliasing; light background (shading, grain) becomes white
    return inner.crop((max(bx0 - 4, 0), max(by0 - 4, 0), bx1 + 4, by1 + 4)).point(
        lambda v: v if v < 200 else 255
    )


def _trim_rulings(img, depth: int = 10):
    """Cut away edge rows/columns that are mostly ink: the cell's own border lines."""
    w, h = img.size
    data = img.tobytes()

    def col_ink(x):
        return data[x::w].count(0) / h

    def row_ink(y):
        return data[y * w : (y + 1) * w].count(0) / w

    # the innermost mostly-ink line within `depth` of each edge
    left = max((x + 1 for x in range(min(depth, w)) if col_ink(x) > 0.5), default=0)
    right = min((x for x in range(max(w - depth, 0), w) if col_ink(x) > 0.5), default=w)
    top = max((y + 1 for y in range(min(depth, h)) if row_ink(y) > 0.5), default=0)
    bottom = min((y for y in range(max(h - depth, 0), h) if row_ink(y) > 0.5), default=h)
    if right - left < 3 or bottom - top < 3:
        return None
    return left, top, right, bottom


def ocr_stacked(
    crops,
    lang: str = LANG,
    config: tuple[str, ...] = (),
    cell_conf: list | None = None,
    line_px: float = LINE_PX,
) -> tuple[list[str], list[float]]:
    """Stack cell images in one tall image, OCR it once, hand each cell its text."""
    from PIL import Image, ImageOps

    config = (NO_INVERT, *config)
    gap = 24
    live = [c for c in crops if c is not None]
    if not live:
        return [""] * len(crops), []
    heights = sorted(c.height for c in live)
    f = min(max(line_px / heights[len(heights) // 2], 0.5), 2.5 * line_px / LINE_PX)
    if abs(f - 1) > 0.1:
        crops = [
            c
            and c.resize(
                (max(int(c.width * f), 1), max(int(c.height * f), 1)), Image.Resampling.LANCZOS
            )
            for c in crops
        ]
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
    confs = [w.conf for w in words]
    # tesseract dropped a lone glyph: those cells are read each alone (one run for them all)
    dropped = [
        i for i, (c, ws) in enumerate(zip(crops, texts, strict=True)) if c is not None and not ws
    ]
    alone = tesseract_each(
        [ImageOps.expand(crops[i], 20, 255) for i in dropped], psm=7, lang=lang, config=config
    )
    for i, ws in zip(dropped, alone, strict=True):
        texts[i] = ws
        confs.extend(w.conf for w in ws)
    out = []
    for ws in texts:
        ws.sort(key=lambda w: (w.block, w.par, w.line, w.word))
        out.append(clean_cell(join_words([w.text for w in ws])))
        if cell_conf is not None:
            cell_conf.append(min((w.conf for w in ws), default=0.0))
    return out, confs
