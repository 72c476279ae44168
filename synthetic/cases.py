"""The long tail of real portals as cases with known truth, shared by bench/extract.py (which
prints each case's accuracy and speed) and tests/test_roundtrip_tail.py.

A case makes a Sample from a seed — the files a portal would publish and the truth of every
report in them — and reads the files back into records, one per truth, as the archive would:

    pictures-html   a page whose tables are <img> captured with it (several resolutions, PNG/JPEG)
    pictures-docx   a DOCX whose tables were pasted as pictures
    ofd             OFD (GB/T 33190)
    mht             a 单个文件网页 saved by Word, named .doc
    zipped          the report (PDF or DOCX) in a ZIP or RAR beside its 图解
    compilation     2–6 bodies' reports in one PDF or DOCX
    split           the text in one attachment, the tables in another (joined as the archive does)
    subtables-2019  table 二 of the 2019 template as one small table per 第二十条 item
    ocr-layer       a scan with an OCR text layer of poor quality (text present but wrong)
    zeros-blank     every zero printed as an empty cell
    title-order     the year before the body, the body only in the 落款 or the metadata
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable

from synthetic.report import generate_report

PAGE_URL = "http://www.example.gov.cn/xxgk/ndbg/t20240301_1.html"


@dataclass
class Sample:
    truths: list[dict]  # the record each report must give
    files: list[tuple[str, bytes]]  # (name, bytes) as published
    resources: dict = field(default_factory=dict)  # pictures captured with a page
    url: str = ""


@dataclass
class Case:
    name: str
    make: Callable[[int], Sample]
    read: Callable[[Sample], list[dict]] | None = None  # default: one record per file
    slow: bool = False  # OCR: benchmarks and tests use fewer samples


def _report(seed: int, **options):
    return generate_report(seed, pages=random.Random(f"{seed}:case").randint(3, 5), **options)


def _one(rep, name: str, data: bytes, **kw) -> Sample:
    return Sample([rep.record], [(name, data)], **kw)


def read_each(s: Sample) -> list[dict]:
    import parsers

    return [
        parsers.extract_bytes(data, name=name, url=s.url, resources=s.resources)
        for name, data in s.files
    ]


def read_reports(s: Sample) -> list[dict]:
    """A compilation's records, one per report."""
    out = []
    for rec in read_each(s):
        out += rec.get("reports") or [rec]
    return out


def read_members(s: Sample) -> list[dict]:
    """An archive's members extracted, each as a document; the ones that print tables."""
    import parsers
    from parsers.formats.containers import unpack
    from parsers.formats.sniff import sniff_format

    out = []
    for name, data in s.files:
        for m in unpack(data, sniff_format(data, name=name), name):
            if m.data is not None:
                rec = parsers.extract_bytes(m.data, name=m.path.rsplit("/", 1)[-1])
                if any((rec.get("tables") or {}).values()):
                    out.append(rec)
    return out


def read_split(s: Sample) -> list[dict]:
    from parsers.report.join import has_tables, join_text_and_tables

    text, tables = read_each(s)
    if has_tables(text):
        return [text]
    return [join_text_and_tables(text, tables, {"sha256": None, "url": s.files[1][0]})]


# --- the cases ----------------------------------------------------------------------------------


def _pictures_html(seed: int) -> Sample:
    from synthetic.render_pictures import render_html_pictures

    rep = _report(seed)
    page, resources = render_html_pictures(rep, base=PAGE_URL, inline=seed % 5 == 4)
    return _one(rep, "page.html", page, resources=resources, url=PAGE_URL)


def _pictures_docx(seed: int) -> Sample:
    from synthetic.render_pictures import render_docx_pictures

    rep = _report(seed)
    return _one(rep, "report.docx", render_docx_pictures(rep))


def _ofd(seed: int) -> Sample:
    from synthetic.render_ofd import render_ofd

    rep = _report(seed)
    return _one(rep, "report.ofd", render_ofd(rep))


def _mht(seed: int) -> Sample:
    from synthetic.render_mht import render_mht

    rep = _report(seed)
    return _one(rep, "report.doc", render_mht(rep))


def _zipped(seed: int) -> Sample:
    from synthetic.render_archive import render_zipped

    rep = _report(seed)
    kind = "rar" if seed % 3 == 2 else "zip"
    return _one(rep, f"attachment.{kind}", render_zipped(rep, "docx" if seed % 2 else "pdf", kind))


def _compilation(seed: int) -> Sample:
    from synthetic.render_compilation import compilation, render_compilation

    reps = compilation(seed)
    fmt = "docx" if seed % 2 else "pdf"
    return Sample([r.record for r in reps], [(f"汇编.{fmt}", render_compilation(reps, fmt))])


def _split(seed: int) -> Sample:
    from synthetic.render_split import render_split

    rep = _report(seed)
    fmts = [("docx", "pdf"), ("pdf", "docx"), ("docx", "docx"), ("pdf", "pdf")][seed % 4]
    return Sample([rep.record], render_split(rep, *fmts))


def _formats(rep, seed: int, layout=None) -> Sample:
    """The report as HTML, DOCX, PDF or text, by the seed."""
    from synthetic.layout import choose_layout
    from synthetic.render_docx import render_docx
    from synthetic.render_html import render_html
    from synthetic.render_pdf import render_pdf
    from synthetic.render_text import render_text

    fmt = ("html", "docx", "pdf", "text")[seed % 4]
    lay = choose_layout(rep, fmt, layout)
    render = {"html": render_html, "docx": render_docx, "pdf": render_pdf, "text": render_text}[fmt]
    return _one(rep, f"report.{'txt' if fmt == 'text' else fmt}", render(rep, layout=lay))


def _subtables(seed: int) -> Sample:
    rep = _report(seed, year=2019 + seed % 2)
    return _formats(rep, seed, {"subtables": True})


def _ocr_layer(seed: int) -> Sample:
    from synthetic.render_scan import render_scan_ocr_layer

    rep = _report(seed)
    return _one(rep, "scan.pdf", render_scan_ocr_layer(rep))


def _zeros_blank(seed: int) -> Sample:
    return _formats(_report(seed, zeros_blank=True), seed)


def _title_order(seed: int) -> Sample:
    order = ("year_body", "signature", "metadata")[seed % 3]
    rep = _report(seed, title_order=order)
    if order == "metadata" and seed % 4 == 3:  # plain text has no metadata: a page instead
        seed += 1
    return _formats(rep, seed)


CASES = {
    c.name: c
    for c in [
        Case("pictures-html", _pictures_html, slow=True),
        Case("pictures-docx", _pictures_docx, slow=True),
        Case("ofd", _ofd),
        Case("mht", _mht),
        Case("zipped", _zipped, read_members),
        Case("compilation", _compilation, read_reports),
        Case("split", _split, read_split),
        Case("subtables-2019", _subtables),
        Case("ocr-layer", _ocr_layer, slow=True),
        Case("zeros-blank", _zeros_blank),
        Case("title-order", _title_order),
    ]
}


def read(case: Case, sample: Sample) -> list[dict]:
    """The records read back from a sample's files, one per truth ({} where a report was
    not found)."""
    got = list((case.read or read_each)(sample))
    missing = [{"tables": {}, "checks": []}] * max(len(sample.truths) - len(got), 0)
    return got[: len(sample.truths)] + missing


def run(case: Case, seed: int) -> tuple[Sample, list[dict]]:
    sample = case.make(seed)
    return sample, read(case, sample)
