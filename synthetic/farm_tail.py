"""The long tail on the demo portals: one document of each kind real county portals publish
and the generator knows (synthetic/cases.py), spread over the demo's sites.

    pictures        an HTML report whose tables are <img> the site serves beside the page
    pictures_docx   a DOCX attachment whose tables are pasted pictures
    ofd             an OFD attachment
    mht             a 单个文件网页 attached as .doc
    zip, rar        the report zipped (with its 图解) / in a RAR
    compilation     three bodies' reports in one PDF
    split           the text (DOCX) and the tables (PDF) as two attachments of one page
    subtables       a 2019-template page with table 二 as sub-tables
    ocr_layer       a scanned PDF with a wrong OCR text layer
    zeros           a page whose zeros are printed as blanks
    year_first      a page titled 2023年…政府信息公开工作年度报告 (the year before the body)

Each document is a report of a body of the site's county of its own (a department, so no
body and year collides with the site's other reports); a compilation's are three of the
county's 街道 and 镇.
"""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

TAIL = [
    "pictures",
    "ofd",
    "zip",
    "compilation",
    "split",
    "subtables",
    "pictures_docx",
    "mht",
    "rar",
    "ocr_layer",
    "zeros",
    "year_first",
]
FORMAT = {
    "pictures": "html",
    "subtables": "html",
    "zeros": "html",
    "year_first": "html",
    "pictures_docx": "docx",
    "ocr_layer": "pdf",
    "ofd": "ofd",
    "mht": "doc",
    "zip": "zip",
    "rar": "rar",
    "compilation": "pdf",
    "split": "docx",
}
DEPARTMENTS = {
    "pictures": "财政局",
    "ofd": "民政局",
    "zip": "司法局",
    "split": "审计局",
    "subtables": "统计局",
    "pictures_docx": "商务局",
    "mht": "水利局",
    "rar": "应急管理局",
    "ocr_layer": "医疗保障局",
    "zeros": "城市管理局",
    "year_first": "生态环境局",
}
COMPILED = ["东城街道办事处", "西关街道办事处", "南湖镇人民政府"]
YEAR = 2023


def tail_of(index: int, families: int) -> list[str]:
    """The tail documents the index-th site (of `families`) publishes."""
    return TAIL[index::families]


def body_of(variant: str, county: str) -> str | None:
    return None if variant == "compilation" else f"{county}{DEPARTMENTS[variant]}"


def options_of(variant: str) -> dict:
    """generate_report options of a tail document's report."""
    return {
        "subtables": {"year": 2020},
        "zeros": {"zeros_blank": True},
        "year_first": {"title_order": "year_body"},
    }.get(variant, {})


def year_of(variant: str) -> int:
    return options_of(variant).get("year", YEAR)


@functools.lru_cache(maxsize=64)
def reports(seed: int, variant: str, county: str, version: int = 0) -> tuple:
    """The generated reports (the truth) of a tail document."""
    from synthetic.render_compilation import compilation
    from synthetic.report import generate_report

    if variant == "compilation":
        return tuple(compilation(seed, bodies=[f"{county}{b}" for b in COMPILED], year=YEAR))
    opts = {"year": YEAR, **options_of(variant)}
    return (generate_report(seed + 100_000 * version, agency=body_of(variant, county), **opts),)


@functools.lru_cache(maxsize=64)
def files(
    seed: int, variant: str, county: str, page_url: str, version: int = 0, encoding: str = "utf-8"
) -> dict:
    """What the site serves for a tail document: {"page": html bytes or None, "attachment":
    bytes or None, "attachment2": bytes or None, "pictures": {path: (ctype, bytes)},
    "members": [(name, bytes)] of an archive}."""
    reps = reports(seed, variant, county, version)
    rep = reps[0]
    out = {"page": None, "attachment": None, "attachment2": None, "pictures": {}, "members": []}
    if variant == "pictures":
        from synthetic.render_pictures import render_html_pictures

        page, pics = render_html_pictures(rep, layout="template", base=page_url, encoding=encoding)
        out["page"] = page
        out["pictures"] = {
            urlsplit(u).path: ("image/jpeg" if u.endswith(".jpg") else "image/png", data)
            for u, data in pics.items()
        }
    elif variant in ("subtables", "zeros", "year_first"):
        from synthetic.render_html import render_html

        out["page"] = render_html(
            rep, layout={"subtables": True} if variant == "subtables" else None, encoding=encoding
        )
    elif variant == "pictures_docx":
        from synthetic.render_pictures import render_docx_pictures

        out["attachment"] = render_docx_pictures(rep, layout="template")
    elif variant == "ofd":
        from synthetic.render_ofd import render_ofd

        out["attachment"] = render_ofd(rep)
    elif variant == "mht":
        from synthetic.render_mht import render_mht

        out["attachment"] = render_mht(rep)
    elif variant in ("zip", "rar"):
        from synthetic.render_archive import rar_bytes, zip_bytes
        from synthetic.render_pdf import render_pdf
        from synthetic.render_archive import _tujie

        if variant == "zip":
            out["members"] = [
                (f"{rep.year}年政府信息公开工作年度报告.pdf", render_pdf(rep)),
                (f"{rep.year}年政府信息公开工作年度报告图解.png", _tujie(rep)),
            ]
            out["attachment"] = zip_bytes(out["members"])
        else:
            out["members"] = [(f"report{rep.year}.pdf", render_pdf(rep))]
            out["attachment"] = rar_bytes(out["members"])
    elif variant == "compilation":
        from synthetic.render_compilation import render_compilation

        out["attachment"] = render_compilation(list(reps), "pdf")
    elif variant == "split":
        from synthetic.render_split import render_split

        (_, text), (_, tables) = render_split(rep, "docx", "pdf")
        out["attachment"], out["attachment2"] = text, tables
    elif variant == "ocr_layer":
        from synthetic.render_scan import render_scan_ocr_layer

        out["attachment"] = render_scan_ocr_layer(rep)
    return out
