"""OFD (GB/T 33190) versions of generated reports: the generator's PDF converted, as the
converters portals use make them (a report typeset once, then saved as OFD).

Each PDF page becomes an OFD page of the same size (mm): every run of characters on one
baseline a TextObject (its glyphs placed by X/Y and DeltaX, repeated advances written with
the "g" abbreviation), every stroked path a PathObject (AbbreviatedData M/L), read from the PDF
through pdfium's raw API. The document's title and author go into DocInfo.
"""

from __future__ import annotations

import ctypes
import io
import zipfile
from itertools import pairwise
from xml.sax.saxutils import escape, quoteattr

NS = "http://www.ofdspec.org/2016"
PT = 25.4 / 72  # mm per pt


def render_ofd(report, layout=None) -> bytes:
    from synthetic.render_pdf import render_pdf

    return pdf_to_ofd(
        render_pdf(report, layout=layout), title=report.title, author=report.publisher or ""
    )


def pdf_to_ofd(pdf: bytes, title: str = "", author: str = "") -> bytes:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    pages = []
    ids = _Ids()
    try:
        for page in doc:
            w, h = page.get_size()
            tp = page.get_textpage()
            objects = _text_objects(tp, h, ids) + _path_objects(page, h, ids)
            tp.close()
            page.close()
            pages.append((w * PT, h * PT, objects))
    finally:
        doc.close()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("OFD.xml", _ofd_xml(title, author))
        page_refs = []
        for n, (w, h, objects) in enumerate(pages):
            page_refs.append(f'<ofd:Page ID="{ids.next()}" BaseLoc="Pages/Page_{n}/Content.xml"/>')
            zf.writestr(
                f"Doc_0/Pages/Page_{n}/Content.xml",
                _head(
                    f'<ofd:Page xmlns:ofd="{NS}"><ofd:Area><ofd:PhysicalBox>0 0 {w:.3f} {h:.3f}'
                    f'</ofd:PhysicalBox></ofd:Area><ofd:Content><ofd:Layer ID="{ids.next()}">'
                    + "".join(objects)
                    + "</ofd:Layer></ofd:Content></ofd:Page>"
                ),
            )
        w, h = (pages[0][0], pages[0][1]) if pages else (210.0, 297.0)
        zf.writestr(
            "Doc_0/Document.xml",
            _head(
                f'<ofd:Document xmlns:ofd="{NS}"><ofd:CommonData><ofd:MaxUnitID>{ids.n}'
                f"</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 {w:.3f} {h:.3f}"
                f"</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>"
                f"</ofd:CommonData><ofd:Pages>{''.join(page_refs)}</ofd:Pages></ofd:Document>"
            ),
        )
        zf.writestr(
            "Doc_0/PublicRes.xml",
            _head(
                f'<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:Fonts><ofd:Font ID="1" '
                'FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>'
            ),
        )
    return buf.getvalue()


class _Ids:
    def __init__(self):
        self.n = 1

    def next(self) -> int:
        self.n += 1
        return self.n


def _head(xml: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + xml).encode("utf-8")


def _ofd_xml(title: str, author: str) -> bytes:
    return _head(
        f'<ofd:OFD xmlns:ofd="{NS}" Version="1.0" DocType="OFD"><ofd:DocBody>'
        f"<ofd:DocInfo><ofd:DocID>0</ofd:DocID><ofd:Title>{escape(title)}</ofd:Title>"
        f"<ofd:Author>{escape(author)}</ofd:Author></ofd:DocInfo>"
        "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
    )


def _text_objects(tp, page_h: float, ids: _Ids) -> list[str]:
    """Runs of characters on one baseline as TextObjects (mm, y down)."""
    import pypdfium2.raw as praw

    raw = tp.raw
    ox, oy = ctypes.c_double(), ctypes.c_double()
    runs: list[list[tuple[str, float, float, float]]] = []  # (char, x, baseline, size)
    for i in range(tp.count_chars()):
        ch = chr(praw.FPDFText_GetUnicode(raw, i))
        if ch.isspace() or praw.FPDFText_IsGenerated(raw, i) == 1:
            continue
        if not praw.FPDFText_GetCharOrigin(raw, i, ox, oy):
            continue
        size = praw.FPDFText_GetFontSize(raw, i)
        x, base = ox.value * PT, (page_h - oy.value) * PT
        last = runs[-1][-1] if runs else None
        if (
            last
            and abs(last[2] - base) < 0.2
            and abs(last[3] - size) < 0.01
            and 0 < x - last[1] < size * PT * 2.5
        ):
            runs[-1].append((ch, x, base, size))
        else:
            runs.append([(ch, x, base, size)])
    out = []
    for run in runs:
        size = run[0][3] * PT
        x0, base = run[0][1], run[0][2]
        width = run[-1][1] - x0 + size
        deltas = _abbreviate([b[1] - a[1] for a, b in pairwise(run)])
        text = escape("".join(c[0] for c in run))
        out.append(
            f'<ofd:TextObject ID="{ids.next()}" Boundary="{x0:.3f} {base - size:.3f} '
            f'{width:.3f} {size * 1.3:.3f}" Font="1" Size="{size:.3f}">'
            f'<ofd:FillColor Value="0 0 0"/><ofd:TextCode X="0" Y="{size:.3f}"'
            + (f" DeltaX={quoteattr(deltas)}" if deltas else "")
            + f">{text}</ofd:TextCode></ofd:TextObject>"
        )
    return out


def _abbreviate(values: list[float]) -> str:
    """DeltaX with runs of one advance written "g N v", as OFD writers do."""
    out, i = [], 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and abs(values[j + 1] - values[i]) < 1e-3:
            j += 1
        v = f"{values[i]:.3f}"
        out.append(f"g {j - i + 1} {v}" if j > i else v)
        i = j + 1
    return " ".join(out)


def _path_objects(page, page_h: float, ids: _Ids) -> list[str]:
    """Stroked or thin filled paths as PathObjects in page mm (Boundary at the origin)."""
    import pypdfium2.raw as praw

    raw = page.raw
    out = []
    m = praw.FS_MATRIX()
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    x, y = ctypes.c_float(), ctypes.c_float()
    w, h = page.get_size()
    for k in range(praw.FPDFPage_CountObjects(raw)):
        obj = praw.FPDFPage_GetObject(raw, k)
        if praw.FPDFPageObj_GetType(obj) != praw.FPDF_PAGEOBJ_PATH:
            continue
        if not praw.FPDFPath_GetDrawMode(obj, fill, stroke) or not (stroke.value or fill.value):
            continue
        praw.FPDFPageObj_GetMatrix(obj, m)
        cmds = []
        for s in range(praw.FPDFPath_CountSegments(obj)):
            seg = praw.FPDFPath_GetPathSegment(obj, s)
            praw.FPDFPathSegment_GetPoint(seg, x, y)
            px = (m.a * x.value + m.c * y.value + m.e) * PT
            py = (page_h - (m.b * x.value + m.d * y.value + m.f)) * PT
            op = "M" if praw.FPDFPathSegment_GetType(seg) == praw.FPDF_SEGMENT_MOVETO else "L"
            cmds.append(f"{op} {px:.3f} {py:.3f}")
            if praw.FPDFPathSegment_GetClose(seg):
                cmds.append("C")
        if cmds:
            attrs = ' Stroke="true"' if stroke.value else ' Stroke="false" Fill="true"'
            out.append(
                f'<ofd:PathObject ID="{ids.next()}" Boundary="0 0 {w * PT:.3f} '
                f'{h * PT:.3f}" LineWidth="0.2"{attrs}><ofd:AbbreviatedData>'
                f"{' '.join(cmds)}</ofd:AbbreviatedData></ofd:PathObject>"
            )
    return out
