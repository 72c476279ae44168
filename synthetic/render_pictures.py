"""Reports whose tables are pictures: a web page or a DOCX whose text is real but whose three
tables were pasted as screenshots of a Word or Excel table (the numbers only in the pixels).

Each part of a table is drawn on a page of its own with reportlab (the cells of
`synthetic.layout`, a screen font size), rasterised at a screen resolution and saved as PNG or
JPEG at some quality: `Shot` says which. `render_html_pictures` returns the page and its
pictures ({url: bytes}, as a crawl captures them beside the page) or the page with the
pictures inlined as data: URIs; `render_docx_pictures` pastes them into the DOCX. Each can
also say where it drew each cell's text in each picture (`drawn`), for tests that follow a
value back to its pixels.
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


@dataclass
class Picture:
    data: bytes
    cells: list[tuple[str | None, str, tuple[int, int, int, int]]]  # (key, text, ink box)


def part_image(part: Part, shot: Shot) -> bytes:
    """One table part as a picture: drawn by reportlab, rasterised, cropped to the table."""
    return part_picture(part, shot).data


def part_picture(part: Part, shot: Shot) -> Picture:
    """The picture and where it drew each cell's text: the box (x0, top, x1, bottom, in the
    picture's pixels) of the ink inside the cell's rulings."""
    import pypdfium2 as pdfium
    from PIL import Image

    pdf, rects, page_h = _part_pdf(part, shot.font)
    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[0]
        img = page.render(scale=shot.dpi / 72).to_pil().convert("RGB")
        page.close()
    finally:
        doc.close()
    ink = Image.eval(img.convert("L"), lambda v: 255 if v < 160 else 0)
    k = shot.dpi / 72
    drawn = []
    for key, text, (x0, y0, x1, y1) in rects:  # PDF points, y up
        cell = (x0 * k, (page_h - y1) * k, x1 * k, (page_h - y0) * k)
        m = max(shot.dpi / 48, 2)  # inside the rulings
        inner = tuple(round(v) for v in (cell[0] + m, cell[1] + m, cell[2] - m, cell[3] - m))
        box = ink.crop(inner).getbbox() if text.strip() else None
        if box:
            drawn.append(
                (
                    key,
                    text,
                    (inner[0] + box[0], inner[1] + box[1], inner[0] + box[2], inner[1] + box[3]),
                )
            )
    bbox = Image.eval(img.convert("L"), lambda v: 255 - v).getbbox()
    if bbox:
        pad = max(shot.dpi // 12, 4)
        crop = (
            max(bbox[0] - pad, 0),
            max(bbox[1] - pad, 0),
            min(bbox[2] + pad, img.width),
            min(bbox[3] + pad, img.height),
        )
        img = img.crop(crop)
        drawn = [
            (key, text, (b[0] - crop[0], b[1] - crop[1], b[2] - crop[0], b[3] - crop[1]))
            for key, text, b in drawn
        ]
    buf = io.BytesIO()
    if shot.kind == "jpeg":
        img.save(buf, "JPEG", quality=shot.quality, dpi=(shot.dpi, shot.dpi))
    else:
        img.save(buf, "PNG", dpi=(shot.dpi, shot.dpi))
    return Picture(buf.getvalue(), drawn)


def _part_pdf(part: Part, font: float) -> tuple[bytes, list, float]:
    """The part drawn on a page of its own; also each cell's (key, text, rect) — the rect in
    PDF points (x0, y0, x1, y1, y up) — and the page's height."""
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
    placed: list = []

    class _Table(Table):  # remembers where the frame put it
        def drawOn(self, canvas, x, y, _sW=0):
            placed.append((self._hAlignAdjust(x, _sW), y))
            super().drawOn(canvas, x, y, _sW)

    t = _Table(data, colWidths=[w * width for w in part.widths])
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
    (x, y), cols, rows = placed[0], t._colpositions, t._rowpositions
    rects = [
        (
            c.key,
            c.text,
            (x + cols[col], y + rows[r + c.rowspan], x + cols[col + c.colspan], y + rows[r]),
        )
        for r, col, c in placed_cells(part)
    ]
    return buf.getvalue(), rects, doc.pagesize[1]


def table_pictures(
    report, layout=None, shot: Shot | None = None, fmt: str = "html", drawn: dict | None = None
) -> tuple[dict[str, list[bytes]], Shot]:
    """{table name: [picture of each part]} of the report's three tables. `drawn`, when
    given, is filled with {picture bytes: Picture.cells}: where each cell's text was drawn."""
    shot = shot or draw_shot(report.seed)
    lay = choose_layout(report, fmt, layout)
    out: dict[str, list[bytes]] = {}
    for name, parts in all_tables(report, lay).items():
        if name in TABLES and parts:
            for p in parts:
                pic = part_picture(p, shot)
                out.setdefault(name, []).append(pic.data)
                if drawn is not None:
                    drawn[pic.data] = pic.cells
    return out, shot


def render_html_pictures(
    report,
    layout=None,
    shot: Shot | None = None,
    base: str = "",
    inline: bool = False,
    encoding: str = "utf-8",
    drawn: dict | None = None,
):
    """(page bytes, {absolute url: picture bytes}): the page prints its tables as <img>;
    `inline` puts the pictures in the page as data: URIs (and returns no resources)."""
    from synthetic.render_html import render_html

    pics, shot = table_pictures(report, layout, shot, "html", drawn)
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


def render_docx_pictures(
    report, layout=None, shot: Shot | None = None, drawn: dict | None = None
) -> bytes:
    from synthetic.render_docx import render_docx

    pics, _ = table_pictures(report, layout, shot, "docx", drawn)
    return render_docx(report, layout=layout, pictures=pics)


def _join(base: str, src: str) -> str:
    from urllib.parse import urljoin

    return urljoin(base or "http://example.invalid/report/page.html", src)
