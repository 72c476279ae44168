"""Plain text reports: tables flattened by whatever made the text.

Three flattenings are read back into tables:
- one cell per line, each cell line starting with a tab, rows ended by a blank line, a cell's
  text continuing on untabbed lines (text saved from Word);
- cells ending in "|", a line of "|" an empty cell and a line of "||…" the end of a row
  (text saved from HTML);
- one row per line, cells separated by tabs (text from PDF or spreadsheets).
A line that is a label followed by whitespace-separated numbers is read as one table row
too (rows flattened into running text). Other lines are paragraphs.
"""
from __future__ import annotations

import re

from parsers.model import Block, Cell, Document, ParseError, Table
from parsers.normalize import normalize_text

_PIPE_END = re.compile(r"^\|{2,}$")
_NUM = r"[+\-]?\d+(?:\.\d+)?(?:万元|元)?"
_FLAT_ROW = re.compile(rf"^(?P<label>.*?[\u4e00-\u9fff）)])\s+(?P<nums>{_NUM}(?:\s+{_NUM})*)\s*$")
_NUM_ROW = re.compile(rf"^{_NUM}(?:\s+{_NUM}){{2,}}$")


def decode_text(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    raise ParseError("text file in an unknown encoding")


def parse_text(data: bytes) -> Document:
    text = normalize_text(decode_text(data)).replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    mode = _mode(lines)
    builder = _Builder()
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

    def __init__(self):
        self.blocks: list[Block] = []
        self.rows: list[list[Cell]] = []

    def paragraph(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        flat = _flat_row(line)
        if flat:
            self.row(flat)
            return
        self.end_table()
        self.blocks.append(Block("paragraph", line))

    def row(self, cells: list[str]) -> None:
        if cells:
            self.rows.append([Cell(c.strip()) for c in cells])

    def end_table(self) -> None:
        if self.rows:
            self.blocks.append(Block("table", table=Table(rows=self.rows)))
            self.rows = []

    def finish(self) -> list[Block]:
        self.end_table()
        return self.blocks


def _flat_row(line: str) -> list[str] | None:
    if _NUM_ROW.match(line):
        return line.split()
    m = _FLAT_ROW.match(line)
    if m and len(m.group("label")) <= 80:
        return [m.group("label"), *m.group("nums").split()]
    return None


def _read_cell_lines(lines: list[str], out: _Builder) -> None:
    row: list[str] | None = None
    after_cell = False  # the previous line was a cell line of the open row
    for line in lines:
        if line.startswith("\t"):
            row = row if row is not None else []
            row.extend(line[1:].split("\t"))
            after_cell = True
        elif not line.strip():
            if row is not None:
                out.row(row)
                row = None
            after_cell = False
        elif after_cell and row:
            row[-1] += line.strip()  # a cell's text broken over lines
        else:
            out.paragraph(line)
    if row is not None:
        out.row(row)


def _read_pipes(lines: list[str], out: _Builder) -> None:
    row: list[str] | None = None
    for raw in lines:
        line = raw.strip()
        if _PIPE_END.match(line):
            if row is not None:
                out.row(row)
            row = None
        elif line == "|":
            row = (row or []) + [""]
        elif line.endswith("|"):
            inner = line[1:] if line.startswith("|") else line
            row = (row or []) + [c.strip() for c in inner[:-1].split("|")]
        else:
            if row is not None:
                out.row(row)
                row = None
            if line:
                out.paragraph(line)
    if row is not None:
        out.row(row)


def _read_tab_rows(lines: list[str], out: _Builder) -> None:
    for line in lines:
        if "\t" in line.strip("\t ") or (line.count("\t") >= 2 and line.strip()):
            out.row(line.split("\t"))
        elif not line.strip():
            continue  # blank lines inside a table do not end it
        else:
            out.paragraph(line)
