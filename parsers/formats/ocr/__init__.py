"""Scans → Document: image-only PDFs and image files; running text read by PP-OCRv6 tiny,
tables by tesseract (chi_sim, eng digits) and PP-OCRv6 tiny (labels, and a vote on numbers).

- `pages`: render each page, read its running text, place its tables;
- `deskew`: a page's skew, and the page turned straight where it is read;
- `grid`: a table's cell grid (with merged cells) from the page's ruling lines;
- `cells`: each cell's ink cropped and read: labels by PP-OCR, the rest in one tesseract run;
- `readings`: a number cell keeps a number only when independent readings agree;
- `ppocr`: PP-OCRv6 tiny (onnxruntime): a page's running text, tables' labels, a vote on numbers;
- `tesseract`: the tesseract command and its TSV output.
"""

from parsers.formats.ocr.pages import ocr_confidence, ocr_image, ocr_images, ocr_pdf, ocr_reason

__all__ = ["ocr_confidence", "ocr_image", "ocr_images", "ocr_pdf", "ocr_reason"]
