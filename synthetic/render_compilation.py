"""Compilations (汇编): the reports of 2–6 bodies of one county and year in one PDF or DOCX,
behind a cover and a 目录, each report starting on a page of its own (as a county's
government office publishes its towns', streets' and departments' reports together).

`compilation(seed)` draws the reports (each a SyntheticReport with its own truth);
`render_compilation(reports, fmt)` prints them in one file.
"""

from __future__ import annotations

import random

from synthetic import text
from synthetic.report import SyntheticReport, generate_report


def compilation(
    seed: int,
    n: int | None = None,
    year: int | None = None,
    bodies: list[str] | None = None,
    **options,
) -> list[SyntheticReport]:
    """2–6 reports (n) of one county's bodies (drawn, or `bodies`) for one year."""
    rng = random.Random(f"{seed}:compilation")
    n = len(bodies) if bodies else (n or rng.randint(2, 6))
    county = text.place(rng) + rng.choice(["县", "市", "区"])
    year = year or rng.randint(2019, 2025)
    bodies = list(bodies or [])
    while len(bodies) < n:
        kind = rng.choice(["town", "street", "dept"])
        if kind == "town":
            body = f"{county}{text.place(rng)}{rng.choice(['镇', '乡'])}人民政府"
        elif kind == "street":
            body = f"{county}{text.place(rng)}街道办事处"
        else:
            body = f"{county}{rng.choice(text.DEPARTMENTS)}"
        if body not in bodies:
            bodies.append(body)
    return [
        generate_report(seed * 10 + k, agency=body, year=year, pages=rng.randint(3, 5), **options)
        for k, body in enumerate(bodies)
    ]


def title_of(reports: list[SyntheticReport]) -> str:
    county = reports[0].agency[:3]  # the county's name: two characters and 县, 市 or 区
    return f"{county}{reports[0].year}年度政府信息公开工作年度报告汇编"


def render_compilation(reports: list[SyntheticReport], fmt: str = "pdf", layout=None) -> bytes:
    title = title_of(reports)
    contents = [f"{k}. {r.title}……{2 + 4 * k}" for k, r in enumerate(reports, 1)]
    editor = f"{reports[0].agency[:3]}人民政府办公室编"
    if fmt == "pdf":
        from reportlab.platypus import PageBreak

        from synthetic.render_pdf import _para, render_pdf_doc, story

        flow = [_para(title, "title"), _para(editor, "sign"), PageBreak(), _para("目录", "title")]
        flow += [_para(line, "para") for line in contents]
        for r in reports:
            flow += [PageBreak(), *story(r, layout)]
        return render_pdf_doc(flow, title=title, author=editor)
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    from synthetic.render_docx import add_report, new_document, save

    doc = new_document()
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run(title).bold = True
    doc.add_paragraph(editor)
    doc.add_page_break()
    doc.add_paragraph("目录")
    for line in contents:
        doc.add_paragraph(line)
    for r in reports:
        doc.add_page_break()
        add_report(doc, r, layout)
    return save(doc)
