"""Render a synthetic report as plain text, its tables flattened the ways real text files are.

Three flattenings (Layout.text), each as seen in the seed reports:
- "cell-lines" (text saved from Word): one cell per line, each cell line starting with a tab,
  a blank line ending each row; a cell covered by a row span prints as an empty cell line in
  its place, one covered by a column span prints nothing; a long label or header continues on
  untabbed lines;
- "pipes" (text saved from HTML): each cell a line ending in " |", an empty cell a line "|";
  the row ends with a line of one "|" per covered grid position followed by "||";
- "tab-rows" (text from PDF): one row per line, every grid position a tab-separated field
  (covered positions empty); a cell's line breaks become spaces; table 四's 15 values may wrap
  over two lines (Layout.text_wrap).
"""

from __future__ import annotations

import random

from synthetic.layout import GCell, Part, all_tables, choose_layout, placed_cells, section_blocks


def _grid(part: Part) -> tuple[int, list[list[tuple[str, GCell | None]]]]:
    """Per row, per grid column: ("cell", c) at a cell's origin, ("rowcov", None) under a row
    span (first column of the span), ("cov", None) elsewhere under a span."""
    ncols = len(part.widths)
    grid: list[list[tuple[str, GCell | None]]] = [[("cov", None)] * ncols for _ in part.rows]
    for r, col, c in placed_cells(part):
        for dr in range(c.rowspan):
            for dc in range(c.colspan):
                if r + dr < len(grid) and col + dc < ncols:
                    grid[r + dr][col + dc] = ("rowcov" if dr and not dc else "cov", None)
        grid[r][col] = ("cell", c)
    return ncols, grid


def _break(rng: random.Random, c: GCell) -> str:
    """A label or header cell's text, now and then broken over lines like a narrow Word cell."""
    t = c.text
    if "\n" in t or c.kind == "value" or len(t) < 4 or rng.random() > 0.2:
        return t
    i = rng.randint(2, len(t) - 2)
    return t[:i] + "\n" + t[i:]


def _cell_lines(part: Part, rng: random.Random, bookmark: float = 0.0) -> list[str]:
    _, grid = _grid(part)
    out = []
    for row in grid:
        for kind, c in row:
            if kind == "rowcov":
                out.append("\t")
            elif kind == "cell":
                lines = _break(rng, c).split("\n")
                if c.kind == "value" and c.text.strip() and rng.random() < bookmark:
                    lines[0] = "[bookmark: _GoBack]" + lines[0]  # Word's last-edit bookmark
                lines = [lines[0]] + [x for x in lines[1:] if x.strip()]
                out.append("\t" + lines[0])
                out += lines[1:]
        out.append("")
    return out


def _pipes(part: Part, rng: random.Random) -> list[str]:
    _, grid = _grid(part)
    out = []
    for row in grid:
        covered = 0
        for kind, c in row:
            if kind != "cell":
                covered += 1
                continue
            t = c.text.replace("\n", "").strip()
            out.append(f"{t} |" if t else "|")
        out.append("|" * covered + "||")
    return out


def _tab_rows(part: Part, rng: random.Random, wrap: bool) -> list[str]:
    _, grid = _grid(part)
    out = []
    for row in grid:
        fields = [c.text.replace("\n", " ") if kind == "cell" else "" for kind, c in row]
        if wrap and len(fields) == 15 and all(c is not None and c.kind == "value" for _, c in row):
            k = rng.choice([8, 10])  # the value row wrapped by the text extraction
            out += ["\t".join(fields[:k]), "\t".join(fields[k:])]
            continue
        line = "\t".join(fields)
        if rng.random() < 0.2:
            line += "\t"
        out.append(line)
    return out


def render_text(report, layout=None) -> bytes:
    lay = choose_layout(report, "text", layout)
    rng = random.Random(f"{report.seed}:text:render")
    tables = all_tables(report, lay)
    out: list[str] = []
    page = 2
    bookmark = 0.01 if rng.random() < 0.3 else 0.0
    for kind, val in section_blocks(report):
        if kind == "table":
            for i, part in enumerate(tables[val]):
                if part.caption:
                    out += ["", part.caption]
                elif i and lay.between == "para":
                    out.append("")
                elif i and lay.between == "page":
                    out += ["", f"- {page} -", ""]
                    page += 1
                if lay.text == "cell-lines":
                    out += _cell_lines(part, rng, bookmark)
                elif lay.text == "pipes":
                    out += _pipes(part, rng)
                else:
                    out += _tab_rows(part, rng, lay.text_wrap)
            out.append("")
        elif kind == "para":
            out.append(("\u3000\u3000" if rng.random() < 0.5 else "") + str(val))
        else:
            out.append(str(val))
    return ("\n".join(out) + "\n").encode("utf-8")
