"""The one document model every format parser fills and the OGI extractor reads.

A Document is an ordered list of blocks: headings, paragraphs and tables. A Table keeps the
cells as the source laid them out (with their row and column spans); `Table.grid()` expands
them into a rectangle for code that wants positions.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    pos: dict | None = None  # where the source printed it (docs/provenance.md): {page, box},
    #                          {table, row, col}, {sheet, row, col} or {line}


@dataclass
class Table:
    rows: list[list[Cell]] = field(default_factory=list)
    page: int | None = None  # first page (1-based) for paged formats
    ocr: bool = False  # read by OCR (a scan, a picture): its labels may be garbled

    def grid(self) -> list[list[GridCell | None]]:
        """Expand spans: every position holds the GridCell of the source cell covering it.

        A GridCell knows where its source cell starts, so callers can tell a cell's own
        position from a position a span reaches into. Ragged rows are padded with None.
        """
        out: list[list[GridCell | None]] = []
        pending: dict[tuple[int, int], GridCell] = {}  # (row, col) filled by a rowspan from above
        for r, row in enumerate(self.rows):
            line: list[GridCell | None] = []
            col = 0
            cells = iter(row)
            while True:
                if (r, col) in pending:
                    line.append(pending.pop((r, col)))
                    col += 1
                    continue
                cell = next(cells, None)
                if cell is None:
                    break
                origin = GridCell(cell, r, col)
                for dc in range(max(cell.colspan, 1)):
                    line.append(origin)
                    for dr in range(1, max(cell.rowspan, 1)):
                        pending[(r + dr, col + dc)] = origin
                col += max(cell.colspan, 1)
            # spans from above that reach past the last own cell of this row
            for pr, pc in sorted(k for k in pending if k[0] == r):
                while len(line) < pc:
                    line.append(None)
                line.append(pending.pop((pr, pc)))
            out.append(line)
        # rowspans running past the last row are dropped
        width = max((len(line) for line in out), default=0)
        for line in out:
            line.extend([None] * (width - len(line)))
        return out

    def text_rows(self) -> list[list[str]]:
        """Each source row's own cells as text (no span expansion)."""
        return [[c.text for c in row] for row in self.rows]


@dataclass(frozen=True)
class GridCell:
    cell: Cell
    row: int  # where the source cell starts
    col: int

    @property
    def text(self) -> str:
        return self.cell.text


@dataclass
class Block:
    kind: str  # "heading" | "paragraph" | "table" | "image"
    text: str = ""  # an image's: its alt text or name
    table: Table | None = None
    page: int | None = None
    image: bytes | None = (
        None  # a picture's bytes, until parsers.formats.pictures reads or drops it
    )
    pos: dict | None = None  # where a line of text was printed ({line} or {page, box})


@dataclass
class Document:
    blocks: list[Block] = field(default_factory=list)
    format: str = ""  # "html" | "pdf" | "docx" | "text" | …
    pages: int | None = None
    title: str | None = None  # a title the container declares (HTML <title>, PDF metadata)
    meta: dict = field(default_factory=dict)  # who the container says published it:
    #                                          {"publisher": <meta> 来源, "author": PDF/DOCX author}
    notes: list[str] = field(
        default_factory=list
    )  # what the parser noticed (OCR used, pages joined…)

    def tables(self) -> list[Table]:
        return [b.table for b in self.blocks if b.kind == "table" and b.table is not None]

    def text(self) -> str:
        """Plain text of the whole document, tables as tab-separated rows."""
        parts = []
        for b in self.blocks:
            if b.kind == "table" and b.table is not None:
                parts.append("\n".join("\t".join(r) for r in b.table.text_rows()))
            else:
                parts.append(b.text)
        return "\n".join(parts)


class ParseError(Exception):
    """A file that cannot be parsed; the message is a one-line reason for the user."""
