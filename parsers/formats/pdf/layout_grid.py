"""The grid of one table recovered from a PDF page's layout: label columns on the left, value
columns (bands) on the right, rows that collect their cells' text (header text wrapped under
its cell, labels wrapped over lines) and are emitted as (x0, x1, text) cells with spans."""

from __future__ import annotations

from dataclasses import dataclass, field

from parsers.formats.pdf.chars import join_wrapped
from parsers.formats.pdf.lines import MAX_ROW_GAP, Line, Segment


@dataclass
class _Row:
    base: float
    top: float
    bottom: float
    data: bool
    bands: list
    cells: dict = field(default_factory=dict)  # value column → [text, span]
    labels: dict = field(default_factory=dict)  # label column → [(base, x0, text)]
    bottom_of: dict = field(default_factory=dict)  # value column → bottom of its last line


class LayoutGrid:
    """The cells of one recovered table, row by row; x positions of its columns."""

    def __init__(self, label_lefts: list[float], bands):
        self.nlab, self.lefts = len(label_lefts), label_lefts
        self.rows: list[_Row] = []
        self.xs = label_lefts + [b0 for b0, _ in bands] + [bands[-1][1]]

    def new_row(self, ln: Line, data: bool, bands) -> int:
        self.rows.append(_Row(ln.base, ln.top, ln.bottom, data, bands))
        return len(self.rows) - 1

    def put(self, r: int, col: int, text: str, span: int = 1, base: float = 0.0) -> None:
        row = self.rows[r]
        if col < self.nlab:  # a header cell that starts in the label columns
            row.labels.setdefault(col, []).append((base, 0.0, text))
            row.cells[col] = ["", span]
            return
        if span == 1 and self._wrapped(r, col, text):
            return
        cell = row.cells.get(col)
        if cell is None:
            row.cells[col] = [text, span]
        else:
            cell[0] += " " + text

    def _wrapped(self, r: int, col: int, text: str) -> bool:
        """Header text right under a one-column header cell of a row just above (no data
        row between) is the rest of that cell's text."""
        row = self.rows[r]
        for a in reversed(self.rows[:r]):
            h = row.bottom - row.top
            if a.data or a.bands is not row.bands or row.top - a.bottom > 0.6 * h:
                return False
            cell = a.cells.get(col)
            if cell is not None and cell[1] == 1 and col >= self.nlab:
                if row.top - a.bottom_of.get(col, a.bottom) > 0.6 * h:
                    return False
                cell[0] = join_wrapped(cell[0], text)
                a.bottom_of[col] = row.bottom
                return True
            if any(c <= col < c + max(v[1], 1) for c, v in a.cells.items()):
                return False  # a wider cell above: a new header level
        return False

    def put_label(self, r: int, col: int, s: Segment, base: float) -> None:
        self.rows[r].labels.setdefault(col, []).append((base, s.x0, s.text))

    def nearest_row(self, ln: Line, h: float) -> tuple[int | None, float]:
        """The row a label-only line belongs to: a data row whose lines it overlaps, else
        the closer of the rows above and below it (the row above on a tie: a wrapped label
        continues downwards)."""
        best, best_d = None, None
        for r, row in enumerate(self.rows):
            ov = min(row.bottom, ln.bottom) - max(row.top, ln.top)
            if ov > 0.15 * h and row.data:
                return r, -1.0
            if row.base < ln.base:
                d = ln.top - row.bottom
            else:
                d = row.top - ln.bottom + 0.01
            if best_d is None or d < best_d:
                best, best_d = r, d
        if best_d is None or best_d > MAX_ROW_GAP * h:
            return None, 0.0
        return best, best_d

    def emit(self, skip: set[int]) -> list[list[tuple[float, float, str]]]:
        out = []
        for r, row in enumerate(self.rows):
            if r in skip:
                continue
            own = {c: v for c, v in row.cells.items()}
            for c, pieces in row.labels.items():
                text = ""
                for _, _, t in _reading_order(pieces, row.bottom - row.top):
                    text = join_wrapped(text, t)
                span = own[c][1] if c in own else 0
                own[c] = [text, span]
            cols = sorted(own)
            cells = []
            c = 0
            ncols = self.nlab + len(row.bands)
            xs = self.lefts + [b0 for b0, _ in row.bands] + [row.bands[-1][1]]
            while c < ncols:
                if c in own:
                    text, span = own[c]
                    if span == 0:  # a label: up to the next cell or the value columns
                        end = (
                            min([k for k in cols if k > c] + [self.nlab])
                            if c < self.nlab
                            else c + 1
                        )
                        span = max(end - c, 1)
                    span = max(1, min(span, ncols - c))
                    cells.append((xs[c], xs[c + span], text))
                    c += span
                else:
                    cells.append((xs[c], xs[c + 1], ""))
                    c += 1
            out.append(cells)
        return out


def merge_header_lines(table: LayoutGrid, h: float) -> None:
    """Header lines close under one another whose cells do not collide are one header row
    (cells centred in a header of two lines sit between the lines of their neighbours)."""
    prev = None
    for row in table.rows:
        if row.data:
            prev = None
            continue
        if prev is not None and row.top - prev.bottom <= 0.6 * h and prev.bands is row.bands:
            taken = {k for c, v in prev.cells.items() for k in range(c, c + max(v[1], 1))}
            mine = {k for c, v in row.cells.items() for k in range(c, c + max(v[1], 1))}
            if not taken & mine:
                prev.cells.update(row.cells)
                for c, pieces in row.labels.items():
                    prev.labels.setdefault(c, []).extend(pieces)
                row.cells, row.labels = {}, {}
                prev.bottom = row.bottom
                continue
        prev = row


def _reading_order(pieces: list[tuple[float, float, str]], h: float) -> list:
    """Label pieces of one cell: lines that start at about one x are one label read top
    down; labels further right (an item beside its group label) come after."""
    groups: list[list] = []
    for p in sorted(pieces, key=lambda p: p[1]):
        if groups and p[1] - groups[-1][0][1] <= 1.5 * h:
            groups[-1].append(p)
        else:
            groups.append([p])
    return [p for g in groups for p in sorted(g)]
