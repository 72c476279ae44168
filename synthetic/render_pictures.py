"""Reports whose tables are pictures: a web page or a DOCX whose text is real but whose three
tables were pasted as screenshots of a Word or Excel table (the numbers only in the pixels).

Each part of a table is drawn on a page of its own with reportlab (the cells of
`synthetic.layout`, a screen font size), rasterised at a screen resolution and saved as PNG or
JPEG at some quality: `Shot` says which. `render_html_pictures` returns the page and its
pictures ({url: bytes}, as a crawl captures them beside the page) or the page with the
pictures inlined as data: URIs; `render_docx_pictures` pastes them into the DOCX.
"""

from __future__ import annotations

import base64
import io
import random
from dataclasses import dataclass

from synthetic.layout import Part, all_tables, choose_layout, placed_cells

TABLES = ("active", "requests", "appeals")


@dataclass(frozen=True)
class Shot:
    dpi: int = 120  # the screen's resolution (96 … 150 dpi)
    kind: str = "png"  # "png" | "jpeg"
    quality: int = 90  # JPEG quality
    font: float = 10.5  # the table's font size in pt (五号)

    @property
    def ext(self) -> str:
        return "jpg" if self.kind == "jpeg" else "png"


SHOTS = [
    Shot(96, "png", font=12),
    Shot(110, "jpeg", 90, 10.5),
    Shot(120, "png", font=10.5),
    Shot(144, "jpeg", 80, 10.5),
    Shot(150, "png", font=9),
    Shot(130, "jpeg", 70, 10.5),
]


def draw_shot(seed: int) -> Shot:
    return random.Random(f"{seed}:shot").choice(SHOTS)


def part_image(part: Part, shot: Shot) -> bytes:
    """One table part as a picture: drawn by reportlab, rasterised, cropped to the table."""
    import pypdfium2 as pdfium
    from PIL import Image

    pdf = _part_pdf(part, shot.font)
    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[0]
        img = page.render(scale=shot.dpi / 72).to_pil().convert("RGB")
        page.close()
    finally:
        doc.close()
    bbox = Image.eval(img.convert("L"), lambda v: 255 - v).getbbox()
    if bbox:
        pad = max(shot.dpi // 12, 4)
        img = img.crop(
            (
                max(bbox[0] - pad, 0),
                max(bbox[1] - pad, 0),
                min(bbox[2] + pad, img.width),
                min(bbox[3] + pad, img.height),
            )
        )
    buf = io.BytesIO()
    if shot.kind == "jpeg":
        img.save(buf, "JPEG", quality=shot.quality, dpi=(shot.dpi, shot.dpi))
    else:
        img.save(buf, "PNG", dpi=(shot.dpi, shot.dpi))
    return buf.getvalue()


def _part_pdf(part: Part, font: float) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle
    from xml.sax.saxutils import escape

    from synthetic.render_pdf import FONT, _styles

    _styles()  # registers the font
    cell = ParagraphStyle(
        "pc", fontName=FONT, wordWrap="CJK", fontSize=font, leading=font * 1.3, alignment=TA_CENTER
    )
    label = ParagraphStyle("pl", parent=cell, alignment=0)
    width = 170 * mm
    data = [[""] * len(part.widths) for _ in part.rows]
    spans = []
    for r, col, c in placed_cells(part):
        text = c.text.replace("\u2212", "\uff0d")
        if text:
            data[r][col] = Paragraph(
                "<br/>".join(escape(x) for x in text.split("\n")),
                label if c.kind == "label" else cell,
            )
        if c.rowspan > 1 or c.colspan > 1:
            spans.append(("SPAN", (col, r), (col + c.colspan - 1, r + c.rowspan - 1)))
    t = Table(data, colWidths=[w * width for w in part.widths])
    t.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.8, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
            + spans
        )
    )
    _, height = t.wrap(width, 10_000)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=(width + 20 * mm, height + 20 * mm),
        invariant=True,
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=10 * mm,
        bottomMargin=5 * mm,
    )
    doc.build([t])
    return buf.getvalue()


def table_pictures(
    report, layout=None, shot: Shot | None = None, fmt: str = "html"
) -> tuple[dict[str, list[bytes]], Shot]:
    """{table name: [picture of each part]} of the report's three tables."""
    shot = shot or draw_shot(report.seed)
    lay = choose_layout(report, fmt, layout)
    return {
        name: [part_image(p, shot) for p in parts]
        for name, parts in all_tables(report, lay).items()
        if name in TABLES and parts
    }, shot


def render_html_pictures(
    report,
    layout=None,
    shot: Shot | None = None,
    base: str = "",
    inline: bool = False,
    encoding: str = "utf-8",
):
    """(page bytes, {absolute url: picture bytes}): the page prints its tables as <img>;
    `inline` puts the pictures in the page as data: URIs (and returns no resources)."""
    from synthetic.render_html import render_html

    pics, shot = table_pictures(report, layout, shot, "html")
    mime = "image/jpeg" if shot.kind == "jpeg" else "image/png"
    srcs: dict[str, list[str]] = {}
    resources: dict[str, bytes] = {}
    for name, images in pics.items():
        for i, data in enumerate(images):
            if inline:
                src = f"data:{mime};base64," + base64.b64encode(data).decode("ascii")
            else:
                src = f"images/{report.seed}_{name}_{i}.{shot.ext}"
                resources[_join(base, src)] = data
            srcs.setdefault(name, []).append(src)
    page = render_html(report, layout=layout, encoding=encoding, pictures=srcs)
    return page, resources


def render_docx_pictures(report, layout=None, shot: Shot | None = None) -> bytes:
    from synthetic.render_docx import render_docx

    pics, _ = table_pictures(report, layout, shot, "docx")
    return render_docx(report, layout=layout, pictures=pics)


def _join(base: str, src: str) -> str:
    from urllib.parse import urljoin

    return urljoin(base or "http://example.invalid/report/page.html", src)
