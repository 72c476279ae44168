"""Compilations (汇编): one file holding the reports of several bodies one after another
(the 乡镇/街道/部门 of a county, often behind a cover and a 目录). Each report begins with
its own title line (a body's, or a year's, OGI annual report) soon followed by its 一、总体情况;
a compilation is a document with two or more such beginnings that are different titles, each
followed by most of a report's six sections. `split_reports` cuts the document there, so each
report is extracted on its own: its title, body, year and tables. The cover and the 目录 (whose
lines name the reports but are not followed by them) belong to none.
"""

from __future__ import annotations

import re

from parsers.model import Block, Document
from parsers.report.metadata import agency_like, title_lines
from parsers.report.values import clean_cell

_FIRST_SECTION = re.compile(r"^[一1][、.．]\s*总体情况")
_ANY_SECTION = re.compile(
    r"^[一二三四五六][、.．]\s*(总体情况|主动公开|收到和处理|收到处理|依申请|"
    r"政府信息公开行政复议|.{0,6}复议|存在的主要问题|存在问题|其他需要报告|其他事项)"
)
LOOKAHEAD = 40  # lines between a report's title and its 一、总体情况 (its foreword)
MIN_SECTIONS = 4


def split_reports(doc: Document) -> list[Document] | None:
    """The reports of a compilation, each a Document of its own; None for one report."""
    lines = [
        (i, clean_cell(b.text))
        for i, b in enumerate(doc.blocks)
        if b.kind in ("heading", "paragraph") and b.text.strip()
    ]
    texts = [t for _, t in lines]
    titles = title_lines(texts)
    starts = []  # (position in `lines`, title)
    for n, (k, text) in enumerate(titles):
        if text.startswith(("目录", "附件")):
            continue
        ahead = texts[k + 1 : k + 1 + LOOKAHEAD]
        first = next((j for j, t in enumerate(ahead) if _FIRST_SECTION.match(t)), None)
        nxt = titles[n + 1][0] if n + 1 < len(titles) else len(texts)
        if first is None or k + 1 + first > nxt:
            continue  # a 目录 line, a cover, not a report's beginning
        starts.append((k, text))
    if len(starts) < 2:
        return None  # one report (each part must also hold a report: checked below)
    bounds = [lines[k][0] for k, _ in starts]
    for n, (k, _) in enumerate(starts):  # a title broken over two lines: the body's line above
        if k > 0 and (n == 0 or lines[k - 1][0] > bounds[n - 1]) and agency_like(lines[k - 1][1]):
            bounds[n] = lines[k - 1][0]
    parts = []
    for n, start in enumerate(bounds):
        end = bounds[n + 1] if n + 1 < len(bounds) else len(doc.blocks)
        blocks = doc.blocks[start:end]
        if _sections(blocks) < MIN_SECTIONS:
            return None  # not a report after each title: no compilation
        pages = [b.page for b in blocks if b.page]
        part = Document(
            blocks=blocks, format=doc.format, pages=(max(pages) - min(pages) + 1) if pages else None
        )
        part.notes.append(
            f"report {n + 1} of {len(bounds)} in a compilation"
            + (f" (pages {min(pages)}–{max(pages)})" if pages else "")
        )
        parts.append(part)
    return parts


def _sections(blocks: list[Block]) -> int:
    heads = {
        m.group(0)[0]
        for b in blocks
        if b.kind != "table"
        for m in [_ANY_SECTION.match(clean_cell(b.text))]
        if m
    }
    return len(heads)
