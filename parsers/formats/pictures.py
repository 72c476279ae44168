"""Pictures of tables: a web page, MHT, DOCX/DOC or OFD whose text is real but whose tables
were pasted as pictures (screenshots of an Excel or Word table). The numbers are only in the
pixels, so a picture that stands where a table belongs and no text table does is read by OCR
(`parsers.formats.ocr`: the same ruling-line grids and the same agreement rule as scans: a
number is kept only when its readings agree or one is confident, else the cell is null and
counted in the notes); every other picture is dropped from the document.

Where a table belongs: in section 二, 三 or 四 (主动公开 / 收到和处理申请 / 复议诉讼) when that
section prints no table as text; in a document without those headings, anywhere, when it
prints no table at all. A picture is scaled before OCR so its rows are as tall as a scan's at
300 dpi (screenshots are 96–150 dpi); one in which OCR finds no table grid is dropped.
"""

from __future__ import annotations

import io
import re
from itertools import pairwise

from parsers.model import Block, Document
from parsers.normalize import normalize_text

MAX_PICTURES = 12  # read at most this many pictures of one document
MIN_WIDTH, MIN_HEIGHT = 240, 60  # smaller pictures are icons, seals, rules
ROW_PX = 72  # a table row of a 300 dpi scan is about this tall
MAX_PIXELS = 40_000_000

_SECTION = [
    ("active", re.compile(r"^[二2][、.．]?\s*主动公开")),
    ("requests", re.compile(r"^[三3][、.．]?\s*(收到和处理|收到处理|依申请)")),
    ("appeals", re.compile(r"^[四4][、.．]?.{0,12}(复议|诉讼)")),
    (None, re.compile(r"^[一五六156][、.．]?\s*(总体情况|存在|其他需要|主要问题|其他事项)")),
]


def read_pictures(doc: Document) -> Document:
    """Replace the pictures that stand where a table belongs by what OCR reads in them; drop
    the other pictures. Notes say what was read."""
    if not any(b.kind == "image" for b in doc.blocks):
        return doc
    wanted = _where_tables_belong(doc.blocks)
    out: list[Block] = []
    read = found = unreadable = 0
    confs: list[float] = []
    set_aside = 0
    for i, block in enumerate(doc.blocks):
        if block.kind != "image":
            out.append(block)
            continue
        if i not in wanted or read >= MAX_PICTURES:
            continue
        gray = _open(block.image)
        if gray is None:
            unreadable += 1
            continue
        if gray.width < MIN_WIDTH or gray.height < MIN_HEIGHT:
            continue
        read += 1
        blocks, c, n = _ocr(gray, block.page)
        if not any(b.kind == "table" for b in blocks):
            continue  # a photo or a chart, not a table
        for b in blocks:  # cells: the picture's index among the document's pictures
            for cell in (x for row in (b.table.rows if b.table else []) for x in row):
                if cell.pos:
                    cell.pos = {
                        "picture": sum(1 for x in doc.blocks[:i] if x.kind == "image"),
                        **({"page": block.page} if block.page else {}),
                        "box": cell.pos["box"],
                    }
        found += 1
        out.extend(blocks)
        confs.extend(c)
        set_aside += n
    doc.blocks = out
    if read:
        mean = sum(confs) / len(confs) if confs else 0.0
        doc.notes.append(
            f"pictures: {read} read by OCR where a table belongs, {found} held a "
            f"table (mean confidence {mean:.1f})"
        )
    if set_aside:
        doc.notes.append(
            f"pictures: {set_aside} number cell(s) set aside as unreadable "
            "(readings disagree or low confidence)"
        )
    if unreadable:
        doc.notes.append(f"pictures: {unreadable} in a format that cannot be read (EMF, WMF …)")
    return doc


def _where_tables_belong(blocks: list[Block]) -> set[int]:
    """Indexes of the picture blocks that stand where a table belongs."""
    section = None
    headed = False
    tables: set = set()
    pictures: list[tuple[int, str | None]] = []
    for i, b in enumerate(blocks):
        if b.kind == "table":
            tables.add(section)
        elif b.kind == "image":
            pictures.append((i, section))
        else:
            line = "".join(normalize_text(b.text).split())[:30]
            for key, pat in _SECTION:
                if pat.search(line):
                    section, headed = key, headed or key is not None
                    break
    if not headed:
        return {i for i, _ in pictures} if not tables else set()
    return {i for i, s in pictures if s is not None and s not in tables}


def _open(data: bytes | None):
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = 120_000_000  # refuse decompression bombs
    try:
        img = Image.open(io.BytesIO(data or b""))
        img.load()
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        return None
    if img.mode in ("RGBA", "LA", "P"):  # transparency over white, as a page shows it
        img = img.convert("RGBA")
        bg = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(bg, img)
    return img.convert("L")


def _ocr(gray, page: int | None) -> tuple[list[Block], list[float], int]:
    from PIL import Image

    from parsers.formats.ocr.pages import ocr_page

    f = scale_for(gray)
    f = min(f, (MAX_PIXELS / max(gray.width * gray.height, 1)) ** 0.5)
    if abs(f - 1) > 0.05:
        gray = gray.resize(
            (max(int(gray.width * f), 1), max(int(gray.height * f), 1)), Image.Resampling.BICUBIC
        )
    else:
        f = 1.0
    blocks, confs, set_aside = ocr_page(_margin(gray), page or 1)
    from parsers.formats.ocr.pages import scale_boxes

    scale_boxes(blocks, 1 / f, shift=MARGIN)  # boxes in the picture's own pixels
    for b in blocks:
        b.page = page
        if b.table is not None:
            b.table.page = page
    return blocks, confs, set_aside


def scale_for(gray) -> float:
    """How much to enlarge a picture so its table rows are as tall as a 300 dpi scan's: from
    the spacing of its horizontal rulings (pixel rows mostly ink), else as if it were 96 dpi."""
    w, h = gray.size
    small = gray if w <= 1600 else gray.resize((1600, max(int(h * 1600 / w), 1)))
    data = small.point(lambda v: 0 if v < 160 else 255).tobytes()
    sw = small.width
    rows = [y for y in range(small.height) if data[y * sw : (y + 1) * sw].count(0) > 0.4 * sw]
    lines: list[float] = []
    run: list[int] = []
    for y in rows:
        if run and y - run[-1] > 1:
            lines.append(sum(run) / len(run))
            run = []
        run.append(y)
    if run:
        lines.append(sum(run) / len(run))
    gaps = sorted(b - a for a, b in pairwise(lines) if b - a > 4)
    if len(gaps) < 2:
        return 300 / 96
    pitch = gaps[len(gaps) // 2] * (w / sw)
    return min(max(ROW_PX / pitch, 1.0), 5.0)


MARGIN = 40  # px of white round a picture before OCR


def _margin(gray, pad: int = MARGIN):
    """A white margin round the picture: OCR finds a table's outer rulings more surely when
    they do not touch the picture's edge."""
    from PIL import ImageOps

    return ImageOps.expand(gray, pad, 255)
