""".xls / .xlsx → Document: each sheet a heading (its name) and a table with merged cells as
spans."""

from __future__ import annotations

import io

from parsers.model import Block, Cell, Document, ParseError, Table

MAX_CELLS = 200_000  # per sheet; an OGI table has a few hundred


def parse_sheet(data: bytes, fmt: str = "xlsx") -> Document:
    sheets = _read_xls(data) if fmt == "xls" else _read_xlsx(data)
    doc = Document(format=fmt)
    for name, values, merges in sheets:
        doc.blocks.append(Block("heading", text=name))
        table = to_table(values, merges, name)
        if table.rows:
            doc.blocks.append(Block("table", table=table))
    return doc


def to_table(
    values: list[list[str]], merges: list[tuple[int, int, int, int]], sheet: str | None = None
) -> Table:
    """Rows of cell texts plus merged ranges (row0, col0, row1, col1; inclusive) → Table.

    Blank rows and columns around the data are dropped.
    """
    used_rows = [r for r, row in enumerate(values) if any(v for v in row)]
    used_cols = sorted({c for row in values for c, v in enumerate(row) if v})
    if not used_rows:
        return Table()
    r_lo, r_hi = used_rows[0], used_rows[-1]
    c_lo, c_hi = used_cols[0], used_cols[-1]
    span = {}
    covered = set()
    for r0, c0, r1, c1 in merges:
        r1, c1 = min(r1, r_hi), min(c1, c_hi)
        if r0 < r_lo or c0 < c_lo or r0 > r1 or c0 > c1:
            continue
        span[(r0, c0)] = (r1 - r0 + 1, c1 - c0 + 1)
        covered.update(
            (r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1) if (r, c) != (r0, c0)
        )
    rows = []
    for r in range(r_lo, r_hi + 1):
        row = values[r] if r < len(values) else []
        cells = []
        for c in range(c_lo, c_hi + 1):
            if (r, c) in covered:
                continue
            rs, cs = span.get((r, c), (1, 1))
            cells.append(
                Cell(
                    row[c] if c < len(row) else "",
                    rowspan=rs,
                    colspan=cs,
                    pos={"sheet": sheet, "row": r, "col": c},
                )
            )
        rows.append(cells)
    return Table(rows=rows)


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v).strip()


def _read_xlsx(data: bytes):
    import openpyxl
    from parsers.runner.limits import check_zip

    check_zip(data)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as e:  # openpyxl raises many kinds on a broken file
        raise ParseError(
            f"unreadable spreadsheet: {type(e).__name__}: {e}".splitlines()[0]
        ) from None
    out = []
    for ws in wb.worksheets:
        if (ws.max_row or 0) * (ws.max_column or 0) > MAX_CELLS:
            raise ParseError(f"sheet {ws.title!r} too large: {ws.max_row}×{ws.max_column} cells")
        values = [[_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        merges = [
            (m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1)
            for m in ws.merged_cells.ranges
        ]
        out.append((ws.title, values, merges))
    return out


def _read_xls(data: bytes):
    import xlrd

    try:
        wb = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except Exception as e:  # xlrd raises XLRDError, CompDocError, struct errors…
        msg = str(e)
        if "encrypt" in msg.lower() or "password" in msg.lower():
            raise ParseError("password-protected spreadsheet") from None
        raise ParseError(f"unreadable spreadsheet: {msg}".splitlines()[0]) from None
    out = []
    for i in range(wb.nsheets):
        ws = wb.sheet_by_index(i)
        if ws.nrows * ws.ncols > MAX_CELLS:
            raise ParseError(f"sheet {ws.name!r} too large: {ws.nrows}×{ws.ncols} cells")
        values = []
        for r in range(ws.nrows):
            row = []
            for c in range(ws.ncols):
                cell = ws.cell(r, c)
                row.append(
                    _text(cell.value) if cell.ctype != xlrd.XL_CELL_DATE else str(cell.value)
                )
            values.append(row)
        merges = [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in ws.merged_cells]
        out.append((ws.name, values, merges))
        wb.unload_sheet(i)
    return out
