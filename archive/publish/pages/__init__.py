"""The report and body pages (a datasette plugin module with its templates)."""
