"""Born-digital PDFs → Document, read through pdfium.

`pages` reads page by page: text lines, ruled tables, and tables printed without rulings
recovered from where the characters sit (`layout`); a table running on over a page break is
joined into one.
"""
from parsers.formats.pdf.pages import PdfParseOptions, parse_pdf

__all__ = ["PdfParseOptions", "parse_pdf"]
