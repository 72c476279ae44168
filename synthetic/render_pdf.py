"""Render a synthetic report as a multi-page PDF: embedded CJK font, ruled tables.

Needs Debian's fonts-wqy-zenhei (/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc).
"""

from __future__ import annotations

import io
from functools import lru_cache
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from synthetic.layout import Part, all_tables, choose_layout, placed_cells, section_blocks

FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
FONT = "WQYZenHei"


@lru_cache(maxsize=1)
def _styles() -> dict[str, ParagraphStyle]:
    pdfmetrics.registerFont(TTFont(FONT, FONT_PATH, subfontIndex=0))
    base = dict(fontName=FONT, wordWrap="CJK")
    return {
        "title": ParagraphStyle("t", fontSize=18, leading=26, alignment=TA_CENTER, **base),
        "heading": ParagraphStyle("h", fontSize=12.5, leading=20, spaceBefore=6, **base),
        "para": ParagraphStyle("p", fontSize=10.5, leading=17, firstLineIndent=21, **base),
        "sign": ParagraphStyle("s", fontSize=10.5, leading=17, alignment=TA_RIGHT, **base),
        "cell": ParagraphStyle("c", fontSize=8, leading=10, alignment=TA_CENTER, **base),
        "label": ParagraphStyle("l", fontSize=8, leading=10, **base),
    }


def _para(text: str, style: str) -> Paragraph:
    # WenQuanYi has no glyph for U+2212 (−): a page would show nothing where the text layer has
    # a minus, and a scan of it would lose the sign. Print the fullwidth minus it does have.
    text = text.replace("\u2212", "\uff0d")
    return Paragraph("<br/>".join(escape(x) for x in text.split("\n")), _styles()[style])


def _table(part: Part, width: float) -> Table:
    ncols = len(part.widths)
    data = [[""] * ncols for _ in part.rows]
    spans = []
    for r, col, c in placed_cells(part):
        data[r][col] = _para(c.text, "label" if c.kind == "label" else "cell") if c.text else ""
        end = (col + c.colspan - 1, r + c.rowspan - 1)
        if c.rowspan > 1 or c.colspan > 1:
            spans.append(("SPAN", (col, r), end))
        if c.kind != "value":  # room for punctuation that CJK wrapping hangs past the edge
            spans.append(("RIGHTPADDING", (col, r), end, 9))
    t = Table(data, colWidths=[w * width for w in part.widths], splitByRow=1)
    t.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
            + spans
        )
    )
    return t


def _footer(canvas, doc) -> None:
    canvas.saveState()
    canvas.setFont(FONT, 9)
    canvas.drawCentredString(A4[0] / 2, 12 * mm, f"- {doc.page} -")
    canvas.restoreState()


def render_pdf(report, layout=None) -> bytes:
    return render_pdf_doc(
        story(report, layout), title=report.title, author=report.publisher or report.agency
    )


def story(report, layout=None, blocks=None) -> list:
    """The platypus flowables of one report (a compilation chains several); `blocks` instead
    of the report's own (synthetic.layout.tables_blocks, text_blocks)."""
    lay = choose_layout(report, "pdf", layout)
    tables = all_tables(report, lay)
    width = A4[0] - 44 * mm
    out: list = []
    for kind, val in blocks or section_blocks(report):
        if kind == "title":
            out.append(_para(val, "title"))
        elif kind == "heading":
            out.append(_para(val, "heading"))
        elif kind == "subheading":
            out.append(_para(val, "para"))
        elif kind in ("para", "sign"):
            out.append(_para(val, kind))
        elif kind == "table":
            parts = tables[val]
            for i, part in enumerate(parts):
                if part.caption:
                    out.append(_para(part.caption, "para"))
                elif i:  # a split table: the rest starts on the next page
                    out.append(PageBreak())
                out.append(_table(part, width))
            out.append(Spacer(1, 4))
    return out


def render_pdf_doc(flowables: list, title: str = "", author: str = "") -> bytes:
    """A PDF of flowables (a compilation's cover, contents and reports)."""
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        invariant=True,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=25 * mm,
        bottomMargin=22 * mm,
        title=title,
        author=author,
    )
    doc.build(flowables, onFirstPage=_footer, onLaterPages=_footer)
    return buf.getvalue()
