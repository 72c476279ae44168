"""Render a synthetic report as a DOCX with real merged cells (gridSpan / vMerge)."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import _Cell

from synthetic.layout import Part, all_tables, choose_layout, placed_cells, section_blocks


def _font(run, size: float, bold: bool = False) -> None:
    if size != 10.5:  # the Normal style's size
        run.font.size = Pt(size)
    if bold:
        run.font.bold = True


def _normal_style(doc) -> None:
    font = doc.styles["Normal"].font
    font.name, font.size = "宋体", Pt(10.5)
    doc.styles["Normal"].element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")


def _table(doc, part: Part) -> None:
    nrows = len(part.rows)
    ncols = sum(c.colspan for c in part.rows[0])
    t = doc.add_table(rows=nrows, cols=ncols)
    t.style = "Table Grid"
    for r, col, c in placed_cells(part):
        cell = _Cell(_tc_at(t, r, col), t)
        if c.rowspan > 1 or c.colspan > 1:
            end = _Cell(_tc_at(t, r + c.rowspan - 1, col + c.colspan - 1), t)
            cell = cell.merge(end)
        lines = c.text.split("\n")
        par = cell.paragraphs[0]
        for i, line in enumerate(lines):
            if i:
                par = cell.add_paragraph()
            if c.kind != "label":
                par.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(par.add_run(line), 9, bold=c.kind == "head")
    t.autofit = False
    for gc, w in zip(t._tbl.tblGrid.gridCol_lst, part.widths, strict=True):
        gc.w = Cm(16.0 * w)


def _picture(doc, data: bytes) -> None:
    """A picture pasted in a paragraph of its own, as wide as the text (16 cm at most)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        w, dpi = img.width, (img.info.get("dpi") or (96, 96))[0] or 96
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run().add_picture(io.BytesIO(data), width=Cm(min(16.0, w / float(dpi) * 2.54)))


def _tc_at(t, r: int, col: int):
    """The <w:tc> covering grid column `col` of row `r` (table.cell() is quadratic)."""
    x = 0
    for tc in t._tbl.tr_lst[r].tc_lst:
        x += tc.grid_span
        if col < x:
            return tc
    raise IndexError((r, col))


def render_docx(report, layout=None, pictures: dict | None = None) -> bytes:
    """pictures: {table name: [image bytes of each part]} pastes those tables as pictures
    (synthetic/render_pictures.py)."""
    doc = new_document()
    add_report(doc, report, layout, pictures)
    # who saved the file: the body in a file that names it nowhere else, else the usual account
    meta_only = report.options.get("title_order") == "metadata"
    doc.core_properties.author = report.publisher if meta_only else "Administrator"
    return save(doc)


def new_document():
    doc = Document()
    _normal_style(doc)
    return doc


def save(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def add_report(doc, report, layout=None, pictures: dict | None = None, blocks=None) -> None:
    """One report's paragraphs and tables added to a document (a compilation adds several);
    `blocks` instead of the report's own (synthetic.layout.tables_blocks, text_blocks)."""
    lay = choose_layout(report, "docx", layout)
    tables = all_tables(report, lay)
    for kind, val in blocks or section_blocks(report):
        if kind == "title":
            p = doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(p.add_run(val), 18, bold=True)
        elif kind == "heading":
            p = doc.add_paragraph()
            _font(p.add_run(val), 12, bold=True)
        elif kind in ("subheading", "para"):
            p = doc.add_paragraph()
            p.paragraph_format.first_line_indent = Pt(21)
            _font(p.add_run(val), 10.5, bold=kind == "subheading")
        elif kind == "sign":
            p = doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _font(p.add_run(val), 10.5)
        elif kind == "table":
            for i, part in enumerate(tables[val]):
                if part.caption:
                    doc.add_paragraph().add_run(part.caption)
                elif i and lay.between == "page":
                    doc.add_page_break()
                elif i:  # Word needs a paragraph between two tables or it joins them
                    doc.add_paragraph()
                if pictures and val in pictures:
                    _picture(doc, pictures[val][i])
                    continue
                _table(doc, part)
