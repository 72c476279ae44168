"""The archive's own tables (beside the crawler's portals, crawl_runs, captures, documents and
change_events in the same archive.db): opening an archive brings them up to date
(archive/migrations.py). docs/archive.md documents every column."""

from __future__ import annotations

import os
from pathlib import Path

import sqlite_utils

from archive import search

DB_NAME = "archive.db"

# requests rows in template order (../shared/spec/ogi-report.md)
WITHHELD = [
    "state_secret",
    "prohibited",
    "security",
    "third_party",
    "internal",
    "process",
    "enforcement",
    "query",
]
UNAVAILABLE = ["not_held", "needs_creation", "unclear"]
DECLINED = ["petition", "duplicate", "publication", "excessive", "confirmation"]
OTHER = ["no_correction", "unpaid_fee", "misc"]
APPEAL_COLS = ["upheld", "corrected", "other", "pending", "total"]

# report_figures: one row per report, the requests table's 总计 column and the appeals table
FIGURE_COLUMNS = (
    ["received", "carried_over", "granted", "partly_granted", "withheld"]
    + [f"withheld_{k}" for k in WITHHELD]
    + ["unavailable"]
    + [f"unavailable_{k}" for k in UNAVAILABLE]
    + ["declined"]
    + [f"declined_{k}" for k in DECLINED]
    + ["other_handling", "processed", "carried_forward"]
    + [f"review_{c}" for c in APPEAL_COLS]
    + [f"lawsuit_{c}" for c in APPEAL_COLS]
)


INDEXES = {
    "reports": [
        ["body_id", "year"],
        ["year", "check_status"],
        ["province", "city"],
        ["province", "year"],
        ["city"],
        ["template"],
        ["check_status"],
        ["level"],
        ["current"],
    ],
    "report_editions": [["report_id"], ["url"], ["capture_id"]],
    "other_documents": [["kind"], ["url"], ["year"], ["province"], ["capture_id"]],
    "report_checks": [["kind"]],
    "report_figures": [
        ["body_id", "year"],
        ["year"],
        ["province"],
        ["city"],
        ["level"],
        ["template"],
    ],
    "bodies": [["province"], ["city"], ["level"]],
}


def archive_dir(path: str | os.PathLike | None = None) -> Path:
    """--archive, else $OGI_ARCHIVE, else ./data."""
    return Path(path or os.environ.get("OGI_ARCHIVE") or "data")


class ArchiveMissing(Exception):
    """There is no archive where a command was told to look. Only `ogi crawl` and `ogi demo`
    make an archive; every other command says so instead of making an empty one."""

    def __init__(self, root: Path):
        self.root = root
        super().__init__(
            f"no archive at {root} ({root / DB_NAME} does not exist): make one with ogi crawl, "
            "then ogi build, or pass --archive DIR (the demo's is data/demo)"
        )


def require_archive(archive: str | os.PathLike | None = None) -> Path:
    """The archive directory (--archive, $OGI_ARCHIVE or ./data), which must hold an archive."""
    root = archive_dir(archive)
    if not (root / DB_NAME).is_file():
        raise ArchiveMissing(root)
    return root


def open_db(archive: str | os.PathLike | None = None) -> sqlite_utils.Database:
    """Open the archive, making it when there is none (the crawl's and the demo's way);
    commands that only read call require_archive() first."""
    root = archive_dir(archive)
    root.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(root / DB_NAME)
    db.execute("PRAGMA busy_timeout = 30000")
    db.enable_wal()
    ensure_schema(db)
    return db


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Bring the archive up to date: the migrations it has not had (archive/migrations.py),
    documents an old release left to file again, then what is derived (indexes, the full-text
    indexes of this FTS_VERSION, views); idempotent."""
    from archive.migrations import MIGRATIONS
    from archive.store import refile_queued

    if MIGRATIONS.pending(db):
        MIGRATIONS.apply(db)
    for table, columns in INDEXES.items():  # facets and joins need these to stay fast
        for cols in columns:
            db.table(table).create_index(cols, if_not_exists=True)
    _ensure_fts(db)
    refile_queued(db)
    _ensure_views(db)


def _ensure_fts(db: sqlite_utils.Database) -> None:
    want = str(search.FTS_VERSION)
    have = db.execute("SELECT value FROM archive_meta WHERE key='fts_version'").fetchone()
    if have and have[0] == want and all(db.table(t).exists() for t in search.INDEXED):
        return
    with db.conn:
        search.rebuild_index(db.conn)
        db.table("archive_meta").upsert({"key": "fts_version", "value": want}, pk="key")


# Carried over (year Y) against carried forward (year Y-1) of the same body, per column
CARRYOVER_VIEW = """
SELECT cur.body, cur.year, v_cur.col_key AS col,
       v_cur.value AS carried_over, v_prev.value AS prev_carried_forward,
       cur.id AS report_id, prev.id AS prev_report_id, cur.body_id
FROM reports cur
JOIN reports prev ON prev.body_id = cur.body_id AND prev.year = cur.year - 1
     AND prev.current = 1
JOIN report_values v_cur ON v_cur.report_id = cur.id AND v_cur.table_key = 'requests'
     AND v_cur.row_key = 'carried_over'
JOIN report_values v_prev ON v_prev.report_id = prev.id AND v_prev.table_key = 'requests'
     AND v_prev.row_key = 'carried_forward' AND v_prev.col_key = v_cur.col_key
WHERE cur.current = 1
  AND v_cur.value IS NOT NULL AND v_prev.value IS NOT NULL AND v_cur.value != v_prev.value
"""


def _ensure_views(db: sqlite_utils.Database) -> None:
    db.create_view("carryover_mismatches", CARRYOVER_VIEW, replace=True)


# The crawler's tables (archive/captures.py owns them), where a published snapshot or a test
# fixture lacks them, so every canned query runs.
def ensure_crawler_tables(db: sqlite_utils.Database) -> None:
    from archive.captures import ensure_tables

    ensure_tables(db)
