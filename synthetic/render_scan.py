"""Scanned versions of generated reports: the PDF's pages as slightly rotated, noisy images.

A portal that scans a printed report serves an image-only PDF; this makes one from the
generated PDF so the OCR path can be scored against the generator's truth.
"""

from __future__ import annotations

import io
import random

DPI = 200


def scan_pdf_bytes(
    pdf: bytes,
    *,
    seed: int = 0,
    dpi: int = DPI,
    max_angle: float = 1.0,
    noise: float = 12.0,
    specks: int = 1500,
) -> bytes:
    """Rasterise every page, rotate it by up to ±max_angle degrees, add noise: an image-only PDF."""
    rng = random.Random(seed)
    pages = [_degrade(img, rng, max_angle, noise, specks) for img in rasterise(pdf, dpi)]
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", save_all=True, append_images=pages[1:], resolution=dpi)
    return buf.getvalue()


def render_scan(report, *, seed: int | None = None, dpi: int = DPI, layout=None) -> bytes:
    """The generator's PDF of `report`, scanned."""
    from synthetic.render_pdf import render_pdf

    pdf = render_pdf(report) if layout is None else render_pdf(report, layout=layout)
    return scan_pdf_bytes(pdf, seed=getattr(report, "seed", 0) if seed is None else seed, dpi=dpi)


def rasterise(pdf: bytes, dpi: int = DPI):
    """Each page of a PDF as a greyscale PIL image."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        for page in doc:
            yield page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            page.close()
    finally:
        doc.close()


def _grain(size, sigma: float, rng: random.Random, tile: int = 256):
    """Gaussian grain around 128, drawn from `rng` (Pillow's effect_noise cannot be seeded, so
    the same seed would give another scan each time): a tile of it repeated over the page."""
    from PIL import Image

    cell = Image.frombytes(
        "L",
        (tile, tile),
        bytes(min(255, max(0, int(rng.gauss(128, sigma)))) for _ in range(tile * tile)),
    )
    out = Image.new("L", size)
    dx, dy = rng.randrange(tile), rng.randrange(tile)
    for x in range(-dx, size[0], tile):
        for y in range(-dy, size[1], tile):
            out.paste(cell, (x, y))
    return out


def _degrade(img, rng: random.Random, max_angle: float, noise: float, specks: int):
    from PIL import Image, ImageDraw

    angle = rng.uniform(-max_angle, max_angle)
    img = img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    if noise:
        img = Image.blend(img, _grain(img.size, noise, rng), 0.12).point(
            lambda v: min(255, int(v * 1.13))
        )
    draw = ImageDraw.Draw(img)
    w, h = img.size
    for _ in range(specks):  # dust
        x, y = rng.randrange(w), rng.randrange(h)
        draw.point((x, y), fill=rng.choice((0, 60, 110)))
    return img


def render_scan_ocr_layer(
    report, *, seed: int | None = None, dpi: int = DPI, layout=None, slips: float = 0.12
) -> bytes:
    """A scan whose PDF carries an OCR text layer of poor quality, as scanners and portals'
    converters add one: each page is the scanned picture with the page's text drawn over it
    invisibly (text render mode 3) where it stands, a share `slips` of its digits and of its
    hanzi read wrong (digits swapped for look-alikes, hanzi for others) — text present but
    wrong, so only a reader that does not trust the layer keeps its numbers right."""
    import pypdfium2 as pdfium
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from synthetic.render_pdf import FONT, _styles, render_pdf

    _styles()  # registers the font
    pdf = render_pdf(report) if layout is None else render_pdf(report, layout=layout)
    rng = random.Random(getattr(report, "seed", 0) if seed is None else seed)
    images = [_degrade(img, rng, 1.0, 12.0, 1500) for img in rasterise(pdf, dpi)]
    doc = pdfium.PdfDocument(pdf)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=True)
    try:
        for page, img in zip(doc, images, strict=True):
            w, h = page.get_size()
            c.setPageSize((w, h))
            c.drawImage(ImageReader(img), 0, 0, w, h)
            text = c.beginText()
            text.setTextRenderMode(3)  # invisible: the picture shows, the layer is searchable
            for ch, x, y, size in _chars(page):
                text.setFont(FONT, size)
                text.setTextOrigin(x, y)
                text.textOut(_slip(ch, rng, slips))
            c.drawText(text)
            c.showPage()
            page.close()
    finally:
        doc.close()
    c.save()
    return buf.getvalue()


_LOOK_ALIKE = {
    "0": "8",
    "1": "7",
    "2": "7",
    "3": "8",
    "4": "1",
    "5": "6",
    "6": "5",
    "7": "1",
    "8": "3",
    "9": "4",
}
_WRONG_HANZI = "囗口曰日目且旦白自百"


def _slip(ch: str, rng: random.Random, rate: float) -> str:
    if ch in _LOOK_ALIKE and rng.random() < rate:
        return _LOOK_ALIKE[ch]
    if "\u4e00" <= ch <= "\u9fff" and rng.random() < rate / 2:
        return rng.choice(_WRONG_HANZI)
    return ch


def _chars(page):
    """(char, x, baseline y, font size) of a PDF page's characters (pdfium)."""
    import ctypes

    import pypdfium2.raw as praw

    tp = page.get_textpage()
    raw = tp.raw
    x, y = ctypes.c_double(), ctypes.c_double()
    try:
        for i in range(tp.count_chars()):
            ch = chr(praw.FPDFText_GetUnicode(raw, i))
            if ch.isspace() or praw.FPDFText_IsGenerated(raw, i) == 1:
                continue
            if praw.FPDFText_GetCharOrigin(raw, i, x, y):
                yield ch, x.value, y.value, praw.FPDFText_GetFontSize(raw, i)
    finally:
        tp.close()
