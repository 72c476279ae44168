"""Scans → Document: PP-OCRv6 tiny (or tesseract chi_sim) for the text; ruling lines,
tesseract and PP-OCRv6 tiny for the tables.

Per page: deskew (`deskew`), find the table ruling lines (`grid`) and rebuild each table's
cell grid; then, as tasks of their own across the threads, read each table's cells (`cells`,
which lets several readings vote on each number: `readings`) and OCR the rest of the page as
text lines (`ppocr` where its models are installed, else tesseract). A scan that carries its
own OCR layer is read the same way; the layer only gets a say against our numbers
(`layer_chars`). Pillow and OpenCV for the pictures; tesseract is called through `tesseract`
(in-process, or its command).
"""

from __future__ import annotations

import io
import math
import os
import re
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

from parsers.formats.ocr import ppocr
from parsers.formats.ocr.cells import read_table
from parsers.formats.ocr.deskew import Turned, rotated, skew, unrotated
from parsers.formats.ocr.grid import INK, Grid, find_tables
from parsers.formats.ocr.readings import join_words
from parsers.formats.ocr.tesseract import DPI, LANG, tesseract
from parsers.model import Block, Document, ParseError

TEXT_DPI = 200  # running text is read at this resolution (pages are rendered at DPI)
AHEAD = 2  # pages rendered and deskewed ahead of those being read, per thread
MAX_PAGES = 200


def ocr_pdf(data: bytes, pages: list[int] | None = None, layer: bool = False) -> Document:
    """OCR an image-only PDF (or only the given 1-based pages). `layer`: the PDF's text is an
    OCR layer of its own, kept as one more reading of each number (`layer_chars`)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        raise ParseError(f"unreadable PDF: {e}") from None
    try:
        n = len(pdf)
        if n > MAX_PAGES:
            raise ParseError(f"too many pages to OCR: {n} (limit {MAX_PAGES})")

        def rendered():  # in this thread only (pdfium is not thread-safe), as pages are read
            for p in pages or range(1, n + 1):
                page = pdf[p - 1]
                yield drawn(page, DPI / 72), p, layer_chars(page) if layer else None
                page.close()

        doc = _ocr_pages(rendered())
    finally:
        pdf.close()
    scale_boxes(doc.blocks, 72 / DPI)  # pixels of the page read at DPI → PDF points
    doc.format = "pdf"
    doc.pages = n
    return doc


def drawn(page, scale: float):
    """A PDF page as a greyscale picture, `scale` pixels a point, as pdfium renders it. A
    scanned page whose picture is scaled up (`_scan_picture`) is that picture decoded by
    pdfium and scaled by OpenCV's bilinear resize instead: pdfium scales a picture up
    bilinearly too, so the pixels are the same within a few grey levels, in 28 against 73 ms
    for a 200-dpi page drawn at 300 (pdfium's smoothing takes most of its time)."""
    import cv2
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image

    bitmap = None
    try:  # what pdfium cannot tell or decode here, it renders as before
        picture = _scan_picture(page, scale)
        if picture is not None:
            bitmap = picture.get_bitmap(render=True)  # its mask and colours applied
            pixels = bitmap.to_numpy()
    except (pdfium.PdfiumError, MemoryError):
        bitmap = None
    if bitmap is not None and bitmap.mode in ("BGRA", "BGRa", "BGRX"):
        gray = cv2.cvtColor(pixels, cv2.COLOR_BGRA2GRAY)
        if bitmap.mode != "BGRX" and pixels[..., 3].min() < 255:
            # transparent parts show the page's white ("BGRa": colours premultiplied)
            alpha = pixels[..., 3].astype(np.float32) / 255
            shown = gray * (alpha if bitmap.mode == "BGRA" else 1)
            gray = (shown + 255 * (1 - alpha)).round().clip(0, 255).astype(np.uint8)
        size = (math.ceil(page.get_width() * scale), math.ceil(page.get_height() * scale))
        return Image.fromarray(cv2.resize(gray, size, interpolation=cv2.INTER_LINEAR))
    return page.render(scale=scale, grayscale=True).to_pil().convert("L")


def _scan_picture(page, scale: float):
    """The page's one picture where the page is a scan drawn larger than it was scanned:
    the picture covers the page's box upright, holds 8 bits or more a pixel and fewer
    pixels than the page drawn at `scale`, and nothing else is drawn (no annotation; text
    objects drawn invisibly, an OCR layer, aside). None otherwise: pdfium renders the page
    (a 1-bit or larger picture it draws faster, and scales down by area)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as praw

    if page.get_rotation() or praw.FPDFPage_GetAnnotCount(page.raw) > 0:
        return None
    pictures = []
    for obj in page.get_objects(max_depth=0):
        if obj.type == praw.FPDF_PAGEOBJ_IMAGE:
            pictures.append(obj)
        elif not (
            obj.type == praw.FPDF_PAGEOBJ_TEXT
            and praw.FPDFTextObj_GetTextRenderMode(obj.raw) == praw.FPDF_TEXTRENDERMODE_INVISIBLE
        ):
            return None
    if len(pictures) != 1 or not isinstance(pictures[0], pdfium.PdfImage):
        return None
    picture = pictures[0]
    a, b, c, d, _, _ = picture.get_matrix().get()
    if b or c or a <= 0 or d <= 0:
        return None
    box = page.get_bbox()  # the box pdfium draws: the crop box within the media box
    if any(abs(u - v) > 0.5 for u, v in zip(picture.get_bounds(), box, strict=True)):
        return None
    meta = picture.get_metadata()
    drawn_px = (box[2] - box[0]) * scale * (box[3] - box[1]) * scale
    if meta.bits_per_pixel < 8 or meta.width * meta.height > drawn_px:
        return None
    return picture


def ocr_image(data: bytes) -> Document:
    """OCR an image file (PNG, JPEG, TIFF, GIF, BMP, WebP; every frame of a multi-page TIFF)."""
    from PIL import Image, ImageSequence

    Image.MAX_IMAGE_PIXELS = 120_000_000  # refuse decompression bombs
    try:
        img = Image.open(io.BytesIO(data))
        frames = [f.convert("L") for f in ImageSequence.Iterator(img)][:MAX_PAGES]
    except (OSError, ValueError, Image.DecompressionBombError) as e:
        raise ParseError(f"unreadable image: {e}") from None
    sizes = [f.size for f in frames]
    frames = [_to_dpi(f, img.info.get("dpi")) for f in frames]
    doc = ocr_images(frames)
    for b in doc.blocks:  # boxes in the image's own pixels
        if b.table is not None and b.page:
            scale_boxes([b], sizes[b.page - 1][0] / frames[b.page - 1].width)
    doc.format = "image"
    return doc


def scale_boxes(blocks: list[Block], f: float, shift: float = 0.0) -> None:
    """Cell boxes of the tables read, (v - shift) * f: from the pixels OCR read to the
    source's own units."""
    for b in blocks:
        for row in b.table.rows if b.table is not None else []:
            for cell in row:
                if cell.pos and "box" in cell.pos:
                    cell.pos["box"] = [round((v - shift) * f, 1) for v in cell.pos["box"]]


def layer_chars(page) -> list[tuple[str, float, float]]:
    """(char, x, y) of a PDF page's text layer, the centre of each character in the pixels of
    the page rendered at DPI."""
    import ctypes

    import pypdfium2.raw as praw

    tp = page.get_textpage()
    raw = tp.raw
    top = page.get_size()[1]
    left, r, b, t = (ctypes.c_double() for _ in range(4))
    out = []
    try:
        for i in range(tp.count_chars()):
            ch = chr(praw.FPDFText_GetUnicode(raw, i))
            if ch.isspace() or not praw.FPDFText_GetCharBox(raw, i, left, r, b, t):
                continue
            out.append(
                (
                    ch,
                    (left.value + r.value) / 2 * DPI / 72,
                    (top - (b.value + t.value) / 2) * DPI / 72,
                )
            )
    finally:
        tp.close()
    return out


def ocr_images(images, page_numbers: list[int] | None = None, layers=None) -> Document:
    numbers = page_numbers or range(1, len(images) + 1)
    return _ocr_pages(zip(images, numbers, layers or [None] * len(images), strict=True))


def _ocr_pages(pages) -> Document:
    """A Document of the pages (picture, page number, OCR layer or None) as they come. Each
    page is deskewed and its tables found (`prepare_page`), then each table and the rest of
    the page are read as tasks of their own, so both cores stay busy to the end of a report (a
    task is at most one page's text). The next pages are rendered meanwhile, at most AHEAD
    per thread beyond those being read, and a page's pictures are let go once it is read: a
    long scan holds a few pages' pictures, not all of them. A page that fails cancels the
    rest."""
    doc = Document(format="image", pages=0)
    confs: list[float] = []
    set_aside = 0
    workers = max(1, min(os.cpu_count() or 1, 4))
    found: deque = deque()  # (a page's prepare_page future, its number), oldest first
    reads = []  # (the page without its pictures, its number, table futures, text future)
    # onnxruntime and tesseract let go of the GIL while they read
    pool = ThreadPoolExecutor(max_workers=workers)

    def read(future, no: int) -> None:
        page = future.result()
        tables = [pool.submit(read_table, page.gray, t, page.layer) for t in page.tables]
        text = pool.submit(text_lines, page.rest, page.text)
        reads.append((page._replace(gray=None, rest=None, layer=None), no, tables, text))

    try:
        for gray, no, layer in pages:
            found.append((pool.submit(prepare_page, gray, layer), no))
            doc.pages += 1
            if len(found) > AHEAD * workers:
                read(*found.popleft())
        while found:
            read(*found.popleft())
        for page, no, tables, text in reads:
            blocks, c, n = _placed(page, no, [t.result() for t in tables], text.result())
            doc.blocks.extend(blocks)
            confs.extend(c)
            set_aside += n
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()
    mean = sum(confs) / len(confs) if confs else 0.0
    pp = ppocr.available()
    text = ppocr.NAME if pp else f"tesseract {LANG}"
    tables = f"tesseract {LANG} and {ppocr.NAME}" if pp else f"tesseract {LANG}"
    doc.notes.append(
        f"ocr: text {text}, tables {tables}, {doc.pages} page(s), mean confidence {mean:.1f}"
    )
    if set_aside:
        doc.notes.append(
            f"ocr: {set_aside} number cell(s) set aside as unreadable "
            "(readings disagree or low confidence)"
        )
    return doc


def ocr_confidence(doc: Document) -> float | None:
    """The mean word confidence (0–100) recorded by OCR, or None if the document was not OCR'd."""
    for note in doc.notes:
        m = re.match(r"ocr: .*mean confidence ([\d.]+)", note)
        if m:
            return float(m.group(1))
    return None


_HANZI = re.compile("[\u4e00-\u9fff]")


def ocr_reason(doc: Document) -> str | None:
    """Why a parsed PDF needs OCR: no text layer, a text layer that is not readable Chinese
    (fonts without a ToUnicode map give private-use or Latin garbage), or an OCR layer (text
    drawn invisibly over pictures of the pages: right or wrong, it is not our reading). None
    if the text is fine."""
    layer = next((n for n in doc.notes if n.startswith("ocr layer:")), None)
    if layer:  # someone else's OCR: its numbers were never checked against a second reading
        return "the PDF's text is an OCR layer over pictures of its pages (" + layer[11:] + ")"
    text = "".join(doc.text().split())
    pages = max(doc.pages or 1, 1)
    if len(text) < 40 * pages:
        return "the PDF has no text layer"
    cjk = _HANZI.subn("", text)[1]  # (a count, without a list of every match)
    if cjk < 0.3 * len(text):
        return f"the PDF's text layer is garbage ({cjk / len(text):.0%} Chinese characters)"
    return None


def ocr_page(gray, page_no: int = 1, layer=None) -> tuple[list[Block], list[float], int]:
    """Blocks of one page image in reading order, the word confidences, and how many number
    cells were set aside as unreadable. `layer`: the page's own OCR layer (layer_chars), a
    reading each number must not contradict."""
    page = prepare_page(gray, layer)
    tables = [read_table(page.gray, t, page.layer) for t in page.tables]
    return _placed(page, page_no, tables, text_lines(page.rest, page.text))


class PreparedPage(NamedTuple):
    gray: Turned  # the page deskewed, drawn where its cells are read
    size: tuple[int, int]
    angle: float  # the rotation that deskewed it
    layer: list | None  # its OCR layer, rotated with it
    tables: list[Grid]
    rest: object  # the page deskewed roughly, its tables blanked out: its text lines

    @property
    def text(self) -> Turned:
        """The page deskewed bicubic, its tables blanked out: the running text tesseract
        reads where PP-OCR's models are absent."""
        return self.gray.blanked(_blanks(self.tables))


def _blanks(tables: list[Grid]) -> list[tuple[int, int, int, int]]:
    """The boxes blanked out of a page's running text: its tables with a margin."""
    return [(t.xs[0] - 6, t.ys[0] - 6, t.xs[-1] + 6, t.ys[-1] + 6) for t in tables]


def prepare_page(gray, layer=None) -> PreparedPage:
    """A page deskewed, its tables' grids found and blanked out of a copy. The rulings are
    found and the running text read on the page turned by nearest neighbour; only the cells
    read are drawn turned bicubic (`Turned`: ~0.7 s of a scan's CPU less, the cells read as
    well: docs/architecture.md), and the whole page for tesseract's running text where
    PP-OCR's models are absent."""
    from PIL import ImageDraw

    angle = skew(gray)
    if angle and layer:
        layer = rotated(layer, angle, gray.size)
    page = Turned(gray, angle)
    rough = page.coarse()
    tables = find_tables(rough.point(lambda v: 0 if v < INK else 255))
    draw = ImageDraw.Draw(rough)
    for box in _blanks(tables):
        draw.rectangle(box, fill=255)
    return PreparedPage(page, gray.size, angle, layer, tables, rough)


def _placed(page: PreparedPage, page_no: int, tables: list, lines: list):
    """A page's blocks in reading order from its tables' readings (read_table's) and its
    text lines, with the confidences and the count of cells set aside (the page's pictures
    are not needed)."""
    placed: list[tuple[int, Block]] = []
    confs: list[float] = []
    set_aside = 0
    for t, (table, c, n) in zip(page.tables, tables, strict=True):
        set_aside += n
        table.page = page_no
        for row in table.rows:
            for cell in row:
                box = unrotated(cell.pos["box"], page.angle, page.size)
                cell.pos = {"page": page_no, "box": box}
        placed.append((t.ys[0], Block("table", table=table, page=page_no)))
        confs.extend(c)
    for y, text, c in lines:
        placed.append((y, Block("paragraph", text=text, page=page_no)))
        confs.extend(c)
    placed.sort(key=lambda p: p[0])
    return [b for _, b in placed], confs, set_aside


def text_lines(rough, page: Turned) -> list[tuple[int, str, list[float]]]:
    """(top y, text, confidences) of each text line: PP-OCR's where its models are installed
    (faster and fewer wrong characters on this CPU), found and read on `rough`, the page
    turned by nearest neighbour (its lines are narrowed to the recogniser's height, which
    smooths the turn's steps away: they read as well as lines turned bicubic, for ~0.4 s of
    a scan's CPU less: docs/architecture.md); else tesseract's, on `page` drawn whole."""
    if ppocr.available():
        with ppocr.reader() as r:
            return r.lines(rough)
    return tesseract_lines(page.whole())


def tesseract_lines(img) -> list[tuple[int, str, list[float]]]:
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
