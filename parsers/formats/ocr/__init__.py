"""Scans → Document: image-only PDFs and image files read by tesseract (chi_sim).

`pages` renders and reads each page; its tables are rebuilt from their ruling lines and read
cell by cell.
"""
from parsers.formats.ocr.pages import ocr_confidence, ocr_image, ocr_images, ocr_pdf, ocr_reason

__all__ = ["ocr_confidence", "ocr_image", "ocr_images", "ocr_pdf", "ocr_reason"]
