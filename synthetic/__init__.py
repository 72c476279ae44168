"""Synthetic OGI annual reports with known truth: a fixture for tests, benchmarks, demo portals.

- `synthetic.report.generate_report(seed, **options)` → SyntheticReport (`.record` is the truth)
- `synthetic.render_html.render_html / render_docx.render_docx / render_pdf.render_pdf`
  (report, layout=None) → bytes; layouts live in `synthetic.layout`
- `synthetic.score.score(truth_record, extracted_record)` → cell-by-cell Score
"""
