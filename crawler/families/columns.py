"""What each portal column declares against what its list pages gave.

A list script usually states the column's size: TRS `createPageHTML(21, …)` its page count
(and, in some templates, its record count), TRS list2 `recordCount`, Hanweb jpage
`totalRecord`, a JSON API its `total`. The adapters note each declaration and every record
(detail page or document) a list page of the column lists; at the end of the crawl a column
that gave fewer than it declared is reported with both numbers, and its portal's list counts
as not read to its end (crawler/changes.py then concludes no report removed).

A column is named by the URL of its first list page; every further list request of the
column carries that name in `meta["column"]`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

RECORDS, PAGES = "records", "pages"


@dataclass
class Column:
    kind: str = ""  # the list script: createPageHTML …
    declared: dict[str, int] = field(default_factory=dict)  # unit → the largest declaration
    records: set[str] = field(default_factory=set)  # URLs its list pages listed
    pages: set[str] = field(default_factory=set)  # its list pages read


class Columns:
    """Per portal, per column: declarations and what was found."""

    def __init__(self):
        self.by_portal: dict[str, dict[str, Column]] = {}

    def _get(self, portal: str, column: str) -> Column:
        return self.by_portal.setdefault(portal, {}).setdefault(column, Column())

    def declare(self, portal: str, column: str, kind: str, count, unit: str = RECORDS) -> None:
        """A count the column states. The largest statement stands: a stale page or an API
        that lists less than its column promises must not hide a shortfall."""
        try:
            count = int(count)
        except (TypeError, ValueError):
            return
        if count < 0:
            return
        col = self._get(portal, column)
        col.kind = col.kind or kind
        col.declared[unit] = max(count, col.declared.get(unit, 0))

    def listed(self, portal: str, column: str, url: str) -> None:
        self._get(portal, column).records.add(url)

    def read(self, portal: str, column: str, page_url: str) -> None:
        self._get(portal, column).pages.add(page_url)

    def summary(self, portal: str) -> list[dict]:
        """One entry per declaring column and unit: {column, kind, unit, declared, found}."""
        out = []
        for name, col in sorted(self.by_portal.get(portal, {}).items()):
            for unit, declared in sorted(col.declared.items()):
                found = len(col.records if unit == RECORDS else col.pages)
                out.append(
                    {
                        "column": name,
                        "kind": col.kind,
                        "unit": unit,
                        "declared": declared,
                        "found": found,
                    }
                )
        return out

    def short(self, portal: str) -> list[dict]:
        """The columns of a portal that gave less than they declared."""
        return [e for e in self.summary(portal) if e["found"] < e["declared"]]


def book(spider, create: bool = True) -> Columns | None:
    """The spider's column book, made on first use. It lives in `spider.state`, which Scrapy
    keeps in the crawl's JOBDIR: a crawl resumed after an interruption goes on with what its
    list pages declared and gave before (after a kill the crawl walks its lists again)."""
    cols = getattr(spider, "columns", None)
    if cols is None:
        state = getattr(spider, "state", None)
        cols = state.get("columns") if isinstance(state, dict) else None
        if cols is None and create:
            cols = Columns()
            if isinstance(state, dict):
                state["columns"] = cols
        if cols is not None:
            spider.columns = cols
    return cols
