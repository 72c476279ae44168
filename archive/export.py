"""`ogi export`: the canonical tables as CSV (UTF-8, header row; with `bom`, a byte order mark
first, which Excel needs to read Chinese) or Parquet (needs pyarrow)."""

from __future__ import annotations

import csv
from pathlib import Path

from archive.schema import open_db, require_archive

TABLES = [
    "reports",
    "bodies",
    "report_editions",
    "report_values",
    "report_checks",
    "report_figures",
    "other_documents",
    "document_texts",
    "carryover_mismatches",
    "change_events",
]


def export(archive=None, out=None, fmt: str = "csv", tables=None, bom: bool = False) -> list[Path]:
    root = require_archive(archive)
    db = open_db(root)
    out = Path(out or root / "export")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in tables or TABLES:
        if name not in db.table_names() + db.view_names():
            continue
        cols = _columns(db, name)
        sql = f"SELECT {', '.join(f'[{c}]' for c in cols)} FROM [{name}]"
        path = out / f"{name}.{'parquet' if fmt == 'parquet' else 'csv'}"
        if fmt == "parquet":
            _parquet(db, sql, cols, path)
        elif fmt == "csv":
            with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as fh:
                w = csv.writer(fh)
                w.writerow(cols)
                w.writerows(db.execute(sql))
        else:
            raise ValueError(f"unknown format {fmt!r}")
        written.append(path)
    db.close()
    return written


def _columns(db, name: str) -> list[str]:
    return [r[1] for r in db.execute(f"PRAGMA table_info([{name}])")]


def _parquet(db, sql: str, cols: list[str], path: Path) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise SystemExit("Parquet export needs pyarrow: pip install pyarrow") from None
    rows = db.execute(sql).fetchall()
    table = pa.table({c: [r[i] for r in rows] for i, c in enumerate(cols)})
    pq.write_table(table, path)
