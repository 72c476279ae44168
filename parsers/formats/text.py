"""Plain text reports: tables flattened by whatever made the text.

Three flattenings are read back into tables:
- one cell per line, each cell line starting with a tab, rows ended by a blank line, a cell's
  text continuing on untabbed lines (text saved from Word);
- cells ending in "|", a line of "|" an empty cell and a line of "||…" the end of a row
  (text saved from HTML);
- one row per line, cells separated by tabs (text from PDF or spreadsheets).
Other lines are paragraphs (the table reader also reads a paragraph that is a label followed
by numbers as a row: rows flattened into running text).
"""

from __future__ import annotations

import re

from parsers.formats.charset import decode
from parsers.model import Block, Cell, Document, Table
from parsers.normalize import normalize_text

_PIPE_END = re.compile(r"^\|{2,}$")


def parse_text(data: bytes) -> Document:
    text = normalize_text(decode(data)).replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    mode = _mode(lines)
    builder = _Builder(tabs=mode == "tab-rows")
    if mode == "cell-lines":
        _read_cell_lines(lines, builder)
    elif mode == "pipes":
        _read_pipes(lines, builder)
    else:
        _read_tab_rows(lines, builder)
    return Document(blocks=builder.finish(), format="text")


def _mode(lines: list[str]) -> str:
    cell_lines = sum(1 for x in lines if x.startswith("\t") and "\t" not in x[1:].rstrip("\t"))
    tab_rows = sum(1 for x in lines if "\t" in x.strip("\t") or x.count("\t") >= 2)
    pipes = sum(1 for x in lines if x.rstrip().endswith("|"))
    best = max(cell_lines, tab_rows, pipes)
    if best == 0:
        return "tab-rows"
    if best == pipes:
        return "pipes"
    return "cell-lines" if best == cell_lines else "tab-rows"


class _Builder:
    """Collects paragraphs and table rows into blocks."""

    def __init__(self, tabs: bool = False):
        self.blocks: list[Block] = []
        self.rows: list[list[Cell]] = []
        self.tabs = tabs  # rows are tab-separated fields: see tab_table
        self.tab_rows: list[list[str]] = []
        self.line = 0  # the 1-based line the reader is at: where a paragraph or row starts
        self.row_lines: list[int] = []

    def paragraph(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        self.end_table()
        self.blocks.append(Block("paragraph", line, pos={"line": self.line}))

    def row(
        self, cells: list[str], line: int | None = None, lines: list[int] | None = None
    ) -> None:
        """A row of cells starting on `line` (each on its own line: `lines`)."""
        if cells:
            at = lines or [line or self.line] * len(cells)
            self.rows.append(
                [Cell(c.strip(), pos={"line": n}) for c, n in zip(cells, at, strict=False)]
            )
            self.row_lines.append(at[0] if not lines else None)
            if self.tabs:
                self.tab_rows.append(cells)

    def end_table(self) -> None:
        if self.rows:
            table = tab_table(self.tab_rows) if self.tab_rows else Table(rows=self.rows)
            for cells, line in zip(table.rows, self.row_lines, strict=False):
                for c in cells:
                    if line is not None:  # tab_table rebuilt the cells: one line a row
                        c.pos = {"line": line}
            self.blocks.append(Block("table", table=table))
            self.rows, self.tab_rows, self.row_lines = [], [], []

    def finish(self) -> list[Block]:
        self.end_table()
        return self.blocks


def _read_cell_lines(lines: list[str], out: _Builder) -> None:
    row: list[str] | None = None
    at: list[int] = []  # the line each cell of the open row starts on
    after_cell = False  # the previous line was a cell line of the open row
    for out.line, line in enumerate(lines, 1):
        if line.startswith("\t"):
            row = row if row is not None else []
            fields = line[1:].split("\t")
            row.extend(fields)
            at.extend([out.line] * len(fields))
            after_cell = True
        elif not line.strip():
            if row is not None:
                out.row(row, lines=at)
                row, at = None, []
            after_cell = False
        elif after_cell and row:
            row[-1] += line.strip()  # a cell's text broken over lines
        else:
            out.paragraph(line)
    if row is not None:
        out.row(row, lines=at)


def _read_pipes(lines: list[str], out: _Builder) -> None:
    row: list[str] | None = None
    at: list[int] = []  # the line each cell of the open row is on
    for out.line, raw in enumerate(lines, 1):
        line = raw.strip()
        if _PIPE_END.match(line):
            if row is not None:
                out.row(row, lines=at)
            row, at = None, []
        elif line == "|":
            row = (row or []) + [""]
            at.append(out.line)
        elif line.endswith("|"):
            inner = line[1:] if line.startswith("|") else line
            fields = [c.strip() for c in inner[:-1].split("|")]
            row = (row or []) + fields
            at.extend([out.line] * len(fields))
        else:
            if row is not None:
                out.row(row, lines=at)
                row, at = None, []
            if line:
                out.paragraph(line)
    if row is not None:
        out.row(row, lines=at)


def _read_tab_rows(lines: list[str], out: _Builder) -> None:
    for out.line, line in enumerate(lines, 1):
        if "\t" in line.strip("\t ") or (line.count("\t") >= 2 and line.strip()):
            out.row(line.split("\t"))
        elif line.count("\t") >= 2 and out.rows:
            out.row(line.split("\t"))  # a row of empty cells (zeros printed as blanks)
        elif not line.strip():
            continue  # blank lines inside a table do not end it
        else:
            out.paragraph(line)
    out.end_table()


_NUMBER = re.compile(r"^[+\-−－]?\d[\d,]*(\.\d+)?(万元|元)?$")


def tab_table(rows: list[list[str]]) -> Table:
    """Tab-separated rows as a table. Every grid position is a field, so the empty fields
    between a row's label and the table's first column of values are the places the label
    spans, not blank cells: they become the label's column span (a row whose cells are all
    blank then keeps its cells where they are). The first column of values is the one after
    the label most rows end their labels at. A trailing tab past the table's width is
    dropped."""
    widths = [len(r) for r in rows]
    width = max(set(widths), key=widths.count)
    rows = [r[:-1] if len(r) > width and not r[-1].strip() else r for r in rows]
    ends = [e for e in (_label_end(r) for r in rows) if e is not None]
    first = max(set(ends), key=lambda e: (ends.count(e), e)) + 1 if ends else None
    out = []
    for r in rows:
        cells = [Cell(f.strip()) for f in r]
        end = _label_end(r)
        if (
            first is not None
            and end is not None
            and end < first - 1 < len(r)
            and all(not f.strip() for f in r[end + 1 : first])
        ):
            cells = cells[:end] + [Cell(cells[end].text, colspan=first - end)] + cells[first:]
        out.append(cells)
    return Table(rows=out)


def _label_end(fields: list[str]) -> int | None:
    """Where a data row's labels end: the last field that is text, when only values (numbers
    or blanks) follow it and at least one field does."""
    end = None
    for c, f in enumerate(fields):
        t = f.strip().replace(" ", "")
        if t and not _NUMBER.match(t) and t not in ("-", "—", "/", "－", "—— "):
            end = c
    if end is None or end == len(fields) - 1:
        return None
    return end
