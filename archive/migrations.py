"""The archive's schema, as versioned migrations (sqlite-utils' Migrations): an archive made by
an earlier release opens in this one by applying the migrations it has not had, in order, each
in a transaction of its own; `_sqlite_migrations` records which were applied and when. A new
archive runs them all.

Add a migration at the end; never change one that has been released.
"""

from __future__ import annotations

from sqlite_utils import Migrations

MIGRATIONS = Migrations("ogi-archive")


# report_figures' number columns as the first release made them
_FIRST_FIGURES = (
    ["received", "carried_over", "granted", "partly_granted", "withheld"]
    + [
        f"withheld_{k}"
        for k in (
            "state_secret",
            "prohibited",
            "security",
            "third_party",
            "internal",
            "process",
            "enforcement",
            "query",
        )
    ]
    + ["unavailable"]
    + [f"unavailable_{k}" for k in ("not_held", "needs_creation", "unclear")]
    + ["declined"]
    + [
        f"declined_{k}"
        for k in ("petition", "duplicate", "publication", "excessive", "confirmation")
    ]
    + ["other_handling", "processed", "carried_forward"]
    + [
        f"{a}_{c}"
        for a in ("review", "lawsuit")
        for c in ("upheld", "corrected", "other", "pending", "total")
    ]
)


@MIGRATIONS(name="m001_first_release")
def m001_first_release(db) -> None:
    """The tables of the first release (commit df2aa16): one reports row per parsed document,
    bodies (`agencies`) keyed by name. An archive made by that release has them already."""
    t = db.table
    if t("reports").exists():
        return
    t("agencies").create(
        {
            "name": str,
            "region_code": str,
            "province": str,
            "city": str,
            "county": str,
            "level": str,
            "portal": str,
        },
        pk="name",
    )
    t("reports").create(
        {
            "id": int,
            "sha256": str,
            "title": str,
            "agency": str,
            "year": int,
            "template": str,
            "published": str,
            "province": str,
            "city": str,
            "county": str,
            "portal": str,
            "url": str,
            "raw": str,
            "capture_id": int,
            "fetched_at": str,
            "content_type": str,
            "size": int,
            "parse_status": str,
            "error": str,
            "check_status": str,
            "checks_failed": int,
            "current": int,
            "parser_version": str,
            "parsed_at": str,
            "units": str,
        },
        pk="id",
        foreign_keys=[("agency", "agencies", "name")],
    )
    t("report_texts").create(
        {"report_id": int, "text": str, "sections": str, "record": str},
        pk="report_id",
        foreign_keys=[("report_id", "reports", "id")],
    )
    t("report_values").create(
        {
            "report_id": int,
            "table_key": str,
            "row_key": str,
            "col_key": str,
            "value": float,
            "unit": str,
        },
        pk=("report_id", "table_key", "row_key", "col_key"),
    )
    t("report_checks").create(
        {"report_id": int, "check_id": str, "kind": str, "table_key": str, "subject": str},
        pk=("report_id", "check_id"),
    )
    cols = {
        "report_id": int,
        "agency": str,
        "province": str,
        "city": str,
        "year": int,
        "template": str,
        **{c: float for c in _FIRST_FIGURES},
    }
    t("report_figures").create(cols, pk="report_id")
    t("build_runs").create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "parser_version": str,
            "workers": int,
            "stats": str,
        },
        pk="id",
    )
    t("archive_meta").create({"key": str, "value": str}, pk="key")


# Numbers are NUMERIC: SQLite keeps 98 as the integer 98 (REAL would make it 98.0) and 2.5
# as 2.5, so sums of counts print as integers everywhere.
SCHEMA_2 = f"""
CREATE TABLE bodies (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, province TEXT, city TEXT, county TEXT,
  level TEXT, region_code TEXT, parent TEXT, portal TEXT, place TEXT NOT NULL,
  UNIQUE (name, place));
CREATE TABLE reports (
  id INTEGER PRIMARY KEY, title TEXT, body TEXT, year INTEGER, province TEXT, city TEXT,
  county TEXT, check_status TEXT, template TEXT, level TEXT, editions INTEGER,
  published TEXT, url TEXT, raw TEXT, fetched_at TEXT, current INTEGER, portal TEXT,
  checks_failed INTEGER, body_id INTEGER REFERENCES bodies(id),
  edition_id INTEGER REFERENCES report_editions(id), sha256 TEXT, parser_version TEXT,
  group_key TEXT NOT NULL UNIQUE);
CREATE TABLE report_editions (
  id INTEGER PRIMARY KEY, report_id INTEGER REFERENCES reports(id), title TEXT,
  format TEXT, representative INTEGER, differs INTEGER, current INTEGER,
  check_status TEXT, checks_failed INTEGER, template TEXT, body TEXT, year INTEGER,
  url TEXT, raw TEXT, fetched_at TEXT, published TEXT, portal TEXT, capture_id INTEGER,
  content_type TEXT, size INTEGER, units TEXT, sha256 TEXT NOT NULL UNIQUE,
  parser_version TEXT, parsed_at TEXT);
CREATE TABLE other_documents (
  id INTEGER PRIMARY KEY, title TEXT, kind TEXT, reason TEXT, year INTEGER, body TEXT,
  province TEXT, city TEXT, county TEXT, url TEXT, raw TEXT, fetched_at TEXT,
  current INTEGER, portal TEXT, link_text TEXT, format TEXT, parse_status TEXT, error TEXT,
  capture_id INTEGER, content_type TEXT, size INTEGER, sha256 TEXT NOT NULL UNIQUE,
  parser_version TEXT, parsed_at TEXT);
CREATE TABLE document_texts (
  sha256 TEXT PRIMARY KEY, text TEXT, sections TEXT, record TEXT);
CREATE TABLE report_values_2 (
  report_id INTEGER REFERENCES reports(id), table_key TEXT, row_key TEXT, col_key TEXT,
  value NUMERIC, unit TEXT, PRIMARY KEY (report_id, table_key, row_key, col_key));
CREATE TABLE report_checks_2 (
  report_id INTEGER REFERENCES reports(id), check_id TEXT, kind TEXT, table_key TEXT,
  subject TEXT, PRIMARY KEY (report_id, check_id));
CREATE TABLE report_figures_2 (
  report_id INTEGER PRIMARY KEY REFERENCES reports(id), title TEXT, body TEXT,
  year INTEGER, province TEXT, city TEXT, county TEXT, level TEXT, template TEXT,
  {", ".join(f"{c} NUMERIC" for c in _FIRST_FIGURES)},
  body_id INTEGER REFERENCES bodies(id));
"""


@MIGRATIONS(name="m002_reports_apart")
def m002_reports_apart(db) -> None:
    """Only reports in `reports`, one row per (body, year), its copies in `report_editions`;
    every other captured document in `other_documents`; bodies keyed by name and place; the
    text stored once (`document_texts`); numbers NUMERIC. The first release's documents wait
    in `refile_queue` (what it stored of each: record, text, parse status, capture) to be
    filed into the new tables by today's code (archive.store.refile_queued, right after the
    migrations), keeping their ids."""
    conn = db.conn
    conn.execute(
        "CREATE TABLE refile_queue AS SELECT r.id, r.sha256, r.parse_status, r.error, "
        "r.parser_version, r.capture_id, r.url, r.fetched_at, r.size, r.content_type, "
        "r.portal, r.raw, t.text, t.record FROM reports r "
        "LEFT JOIN report_texts t ON t.report_id = r.id ORDER BY r.id"
    )
    conn.execute("DROP VIEW IF EXISTS carryover_mismatches")
    conn.execute("DROP TABLE IF EXISTS reports_fts")  # remade by archive.schema (FTS_VERSION)
    for name in (
        "report_texts",
        "report_figures",
        "report_checks",
        "report_values",
        "reports",
        "agencies",
    ):
        conn.execute(f"DROP TABLE {name}")
    for statement in SCHEMA_2.split(";"):
        if statement.strip():
            conn.execute(statement)
    for name in ("report_values", "report_checks", "report_figures"):
        conn.execute(f"ALTER TABLE {name}_2 RENAME TO {name}")


_EDITION_COLUMNS = (
    "id, report_id, title, format, representative, differs, current, check_status, "
    "checks_failed, template, body, year, url, raw, fetched_at, published, "
    "portal, capture_id, content_type, size, units, sha256, parser_version, "
    "parsed_at"
)


@MIGRATIONS(name="m003_parts_and_members")
def m003_parts_and_members(db) -> None:
    """A document may hold several reports (a compilation: one edition per report, `part`
    1, 2 …; a whole document is part 0) and an archive of attachments holds documents
    (`members`: each member stored by its own SHA-256). An edition may take its tables from
    another document (`tables_from`: the attachment printing the tables of a report whose
    text is in another attachment of the same page). The text and record of each part are
    kept apart (document_texts keyed by sha256 and part)."""
    conn = db.conn
    conn.execute("""CREATE TABLE report_editions_3 (
      id INTEGER PRIMARY KEY, report_id INTEGER REFERENCES reports(id), title TEXT,
      format TEXT, representative INTEGER, differs INTEGER, current INTEGER,
      check_status TEXT, checks_failed INTEGER, template TEXT, body TEXT, year INTEGER,
      url TEXT, raw TEXT, fetched_at TEXT, published TEXT, portal TEXT, capture_id INTEGER,
      content_type TEXT, size INTEGER, units TEXT, sha256 TEXT NOT NULL,
      parser_version TEXT, parsed_at TEXT, part INTEGER NOT NULL DEFAULT 0,
      tables_from TEXT)""")
    conn.execute(
        f"INSERT INTO report_editions_3 ({_EDITION_COLUMNS}) "
        f"SELECT {_EDITION_COLUMNS} FROM report_editions"
    )
    conn.execute("DROP TABLE report_editions")
    conn.execute("ALTER TABLE report_editions_3 RENAME TO report_editions")
    conn.execute("CREATE UNIQUE INDEX report_editions_document ON report_editions(sha256, part)")
    conn.execute("""CREATE TABLE document_texts_3 (
      sha256 TEXT NOT NULL, part INTEGER NOT NULL DEFAULT 0, text TEXT, sections TEXT,
      record TEXT, PRIMARY KEY (sha256, part))""")
    conn.execute(
        "INSERT INTO document_texts_3 (sha256, text, sections, record) "
        "SELECT sha256, text, sections, record FROM document_texts"
    )
    conn.execute("DROP TABLE document_texts")
    conn.execute("ALTER TABLE document_texts_3 RENAME TO document_texts")
    conn.execute("ALTER TABLE reports ADD COLUMN part INTEGER NOT NULL DEFAULT 0")
    conn.execute("""CREATE TABLE members (
      container TEXT NOT NULL, path TEXT NOT NULL, sha256 TEXT, size INTEGER, error TEXT,
      PRIMARY KEY (container, path))""")
    conn.execute("CREATE INDEX members_sha256 ON members(sha256)")


@MIGRATIONS(name="m004_provenance")
def m004_provenance(db) -> None:
    """Where each value was read (docs/provenance.md): `report_values.provenance` (JSON: {page,
    box}, {table, row, col}, {sheet, row, col} or {line}) and its `page` for paged formats.
    A check may be about the report's prose against its table (kind `text_vs_table`): the
    clause (`statement`), the figure it states and the number the table prints."""
    conn = db.conn
    conn.execute("ALTER TABLE report_values ADD COLUMN page INTEGER")
    conn.execute("ALTER TABLE report_values ADD COLUMN provenance TEXT")
    conn.execute("ALTER TABLE report_checks ADD COLUMN statement TEXT")
    conn.execute("ALTER TABLE report_checks ADD COLUMN stated NUMERIC")
    conn.execute("ALTER TABLE report_checks ADD COLUMN printed NUMERIC")
