"""A report split over two attachments of one detail page: its text (title, body, the six
sections, the 落款) in one file, where each table stands a line pointing to the other; its
three tables under their headings in another (附件2：…统计表), which names neither the body
nor the year. `render_split` returns both files' bytes and names."""

from __future__ import annotations

from synthetic.layout import tables_blocks, text_blocks

NOTE = "（具体数据详见附件2）"


def render_split(
    report, text_fmt: str = "docx", tables_fmt: str = "pdf", layout=None
) -> list[tuple[str, bytes]]:
    """[(name, bytes) of the text, (name, bytes) of the tables]."""
    title = "附件2：政府信息公开工作年度报告统计表"
    return [
        (
            f"{report.title}.{text_fmt}",
            _render(report, text_fmt, text_blocks(report, NOTE), layout),
        ),
        (
            f"附件2统计表.{tables_fmt}",
            _render(report, tables_fmt, tables_blocks(report, title), layout),
        ),
    ]


def _render(report, fmt: str, blocks, layout) -> bytes:
    if fmt == "pdf":
        from synthetic.render_pdf import render_pdf_doc, story

        return render_pdf_doc(story(report, layout, blocks), title="", author="")
    from synthetic.render_docx import add_report, new_document, save

    doc = new_document()
    add_report(doc, report, layout, blocks=blocks)
    return save(doc)
