"""The archive's datasette plugin: one module per job, each registered with datasette.

- archive.publish.search     the search box (Chinese full-text), SQL functions
- archive.publish.facets     column facets of a search-box page, counted by subtraction
- archive.publish.downloads  raw captures as downloads; CSV with a BOM for Excel
- archive.publish.cells      links in table cells (raw, url, report and capture ids)
- archive.publish.pages      the report and body pages (templates), the first screen's style
- archive.publish.source     each number's place in the original (a page with the cell's box,
                             the source table with the cell marked, the text's line)
- archive.publish.limits     what one request may cost: values, SQLite's heap, results, the
                             SQL functions' input
- archive.publish.errors     what a bad request gets back; one line in the log per bad request
- archive.publish.private    nothing of the host published (paths of files and the server)

pyproject.toml names the same modules as datasette entry points, so `datasette` run by hand
loads them too; make_datasette() registers them explicitly.
"""

from __future__ import annotations

import importlib

PLUGIN = "ogi-archive"  # the name of the plugin's configuration in datasette's metadata
MODULES = [
    "archive.publish.search",
    "archive.publish.facets",
    "archive.publish.downloads",
    "archive.publish.cells",
    "archive.publish.pages",
    "archive.publish.source",
    "archive.publish.limits",
    "archive.publish.errors",
    "archive.publish.private",
]


def register(pm=None) -> None:
    """Register every module of the plugin with datasette's plugin manager (once)."""
    from datasette.plugins import pm as default_pm

    pm = pm or default_pm
    for name in MODULES:
        module = importlib.import_module(name)
        if not pm.is_registered(module):
            pm.register(module, name=name)
