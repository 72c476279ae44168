"""Scanned versions of generated reports: the PDF's pages as slightly rotated, noisy images.

A portal that scans a printed report serves an image-only PDF; this makes one from the
generated PDF so the OCR path can be scored against the generator's truth.
"""
from __future__ import annotations

import io
import random

DPI = 200


def scan_pdf_bytes(pdf: bytes, *, seed: int = 0, dpi: int = DPI, max_angle: float = 1.0,
                   noise: float = 12.0, specks: int = 1500) -> bytes:
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


def _degrade(img, rng: random.Random, max_angle: float, noise: float, specks: int):
    from PIL import Image, ImageDraw
    angle = rng.uniform(-max_angle, max_angle)
    img = img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    if noise:
        grain = Image.effect_noise(img.size, noise)  # gaussian around 128
        img = Image.blend(img, grain, 0.12).point(lambda v: min(255, int(v * 1.13)))
    draw = ImageDraw.Draw(img)
    w, h = img.size
    for _ in range(specks):  # dust
        x, y = rng.randrange(w), rng.randrange(h)
        draw.point((x, y), fill=rng.choice((0, 60, 110)))
    return img
