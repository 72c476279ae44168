"""Born-digital PDFs → Document, read through pdfium.

- `pages`: page by page, text lines and tables in reading order; tables that run on over a
  page break joined;
- `chars`: a page's characters, boxes and text lines;
- `rulings`: ruled tables, from the page's path objects through pdfplumber's table finder;
- `layout`, `lines`, `layout_grid`: tables printed without rulings, recovered from where the
  characters sit.

Scans (no text layer, or a garbage one) go to `parsers.formats.ocr`.
"""

from parsers.formats.pdf.pages import PdfParseOptions, parse_pdf

__all__ = ["PdfParseOptions", "parse_pdf"]
