"""DOC and WPS versions of generated reports: the generator's DOCX, converted by LibreOffice.

LibreOffice cannot write Kingsoft WPS files. A .wps file from Kingsoft WPS Writer is an OLE2
compound document with a Word-97-style WordDocument stream, so `render_wps` returns the .doc
bytes, meant to be saved under a .wps name: it exercises the .wps route (name hint, OLE2
sniffing, conversion) but not Kingsoft's own quirks.
"""

from __future__ import annotations

from parsers.formats.office import convert
from synthetic.render_docx import render_docx


def render_doc(report, layout=None) -> bytes:
    """Word 97–2003 (.doc) bytes of a generated report."""
    return convert(render_docx(report, layout=layout), "docx", "doc")


def render_wps(report, layout=None) -> bytes:
    """Bytes for a .wps file: the .doc rendering (see the module note)."""
    return render_doc(report, layout=layout)
