"""Spreadsheet versions of generated reports: the three tables as a portal's 统计表 export.

Two shapes, drawn from the seed (or asked for): `"sheets"` puts each table on a sheet of its
own named after its section; `"one"` puts the three on one sheet under a merged title row,
each table under a merged row with its section heading and a blank row between them. Headers
keep their merged cells; numbers are numeric cells, anything else (a dash, a blank) text.
The .xls is LibreOffice's conversion of the .xlsx (as `synthetic.render_doc` makes .doc).

`where`, when given, is filled with {"table.row.col": (sheet, row, col)} (0-based, row 0 col 0
is A1): where each value cell was written, for tests that follow a value back.
"""

from __future__ import annotations

import io
import random
import re

from synthetic import report as R
from synthetic.layout import all_tables, choose_layout, placed_cells

SHAPES = ("sheets", "one")
NAMES = {"active": "主动公开", "requests": "依申请公开", "appeals": "复议诉讼"}
SECTION = {"active": 1, "requests": 2, "appeals": 3}


def draw_shape(seed: int) -> str:
    return random.Random(f"{seed}:sheet").choice(SHAPES)


def render_xlsx(report, layout=None, shape: str | None = None, where: dict | None = None) -> bytes:
    import openpyxl
    from openpyxl.styles import Alignment, Border, Side

    shape = shape or draw_shape(report.seed)
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}; shapes: {SHAPES}")
    lay = choose_layout(report, "xlsx", layout)
    tables = {k: v for k, v in all_tables(report, lay).items() if v}
    wb = openpyxl.Workbook()
    line = Side(style="thin")
    grid = Border(left=line, right=line, top=line, bottom=line)
    ws = wb.active
    row = 0
    if shape == "one":
        ws.title = "统计表"
        width = max(sum(c.colspan for c in p.rows[0]) for ps in tables.values() for p in ps)
        ws.cell(1, 1, f"{report.title}统计表")
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        row = 2
    for n, (name, parts) in enumerate(tables.items()):
        if shape == "sheets":
            if n:
                ws = wb.create_sheet()
                row = 0
            ws.title = NAMES[name]
        elif n:
            row += 1  # a blank row between two tables
        ncols = sum(c.colspan for c in parts[0].rows[0])
        ws.cell(row + 1, 1, report.label(R.SECTIONS[SECTION[name]]))
        ws.merge_cells(start_row=row + 1, start_column=1, end_row=row + 1, end_column=ncols)
        row += 1
        for part in parts:
            if part.caption:
                ws.cell(row + 1, 1, part.caption)
                row += 1
            for r, col, c in placed_cells(part):
                cell = ws.cell(row + r + 1, col + 1, _value(c.text))
                cell.alignment = Alignment(
                    horizontal="left" if c.kind == "label" else "center",
                    vertical="center",
                    wrap_text=True,
                )
                if c.rowspan > 1 or c.colspan > 1:
                    ws.merge_cells(
                        start_row=row + r + 1,
                        start_column=col + 1,
                        end_row=row + r + c.rowspan,
                        end_column=col + c.colspan,
                    )
                for dr in range(c.rowspan):
                    for dc in range(c.colspan):
                        ws.cell(row + r + dr + 1, col + dc + 1).border = grid
                if c.key and where is not None:
                    where[c.key] = (ws.title, row + r, col)
            row += len(part.rows)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def render_xls(report, layout=None, shape: str | None = None, where: dict | None = None) -> bytes:
    """Excel 97–2003 (.xls) bytes: LibreOffice's conversion of the .xlsx."""
    from parsers.formats.office import convert

    return convert(render_xlsx(report, layout, shape, where), "xlsx", "xls")


def _value(text: str):
    """A number as a numeric cell, as a spreadsheet holds it; anything else as text."""
    if re.fullmatch(r"-?\d+", text or ""):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text or ""):
        return float(text)
    return text or None
