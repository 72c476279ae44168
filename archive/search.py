"""Chinese full-text search on plain SQLite FTS5.

FTS5's unicode61 tokenizer treats a run of hanzi as one token and the trigram tokenizer cannot
match terms shorter than three characters. So we tokenize ourselves, the same way for documents
and for queries, and hand FTS5 space-separated tokens:

- a run of hanzi becomes its overlapping character bigrams plus its last character
  ("行政复议" → 行政 政复 复议 议); a one-character run is that character;
- a run of letters or digits is one word (fullwidth forms and Kangxi radicals folded).

A query term becomes an FTS5 phrase of its own tokens, so a term matches exactly where it occurs
as a substring of the text (within a run of hanzi, across runs where the query spans them).
Two-character words (复议, 泄密) are one bigram; a single character is a prefix query.
"""

from __future__ import annotations

import re

from parsers.normalize import normalize_text

FTS_VERSION = 4  # bump when tokens() or the indexed columns change: the index is rebuilt

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_RUN = re.compile(f"(?P<han>[{_HAN}]+)|(?P<word>[^\\W_{_HAN}]+)")


def _runs(text: str) -> list[tuple[str, str]]:
    text = normalize_text(text)
    return [(m.lastgroup, m.group()) for m in _RUN.finditer(text)]


def _han_tokens(run: str, closed: bool) -> list[str]:
    """Bigrams of a hanzi run; `closed` adds the last character (the run ends there)."""
    if len(run) == 1:
        return [run]
    out = [run[i : i + 2] for i in range(len(run) - 1)]
    if closed:
        out.append(run[-1])
    return out


def tokens(text: str) -> str:
    """The text as the space-separated tokens stored in the FTS5 index."""
    out: list[str] = []
    for kind, run in _runs(text):
        out.extend(_han_tokens(run, True) if kind == "han" else [run.lower()])
    return " ".join(out)


def _term_phrase(term: str) -> str | None:
    runs = _runs(term)
    if not runs:
        return None
    toks: list[str] = []
    prefix = False
    for i, (kind, run) in enumerate(runs):
        last = i == len(runs) - 1
        if kind == "word":
            toks.append(run.lower())
        elif len(run) == 1:
            toks.append(run)
            prefix = last  # a lone last character may begin a bigram in the text
        else:
            toks.extend(_han_tokens(run, closed=not last))
    return '"' + " ".join(toks) + '"' + ("*" if prefix else "")


def match_query(query: str, column: str | None = None) -> str:
    """A user's search (words separated by spaces, all required) as an FTS5 MATCH expression;
    with `column`, limited to that column of the index."""
    terms = [t for t in re.split(r"\s+", (query or "").replace('"', " ")) if t]
    phrases = [p for p in (_term_phrase(t) for t in terms) if p]
    expr = " ".join(phrases) if phrases else '""'
    if column:
        expr = "{" + column.replace("}", "") + "} : (" + expr + ")"
    return expr


def snippet(text: str, query: str, width: int = 40) -> str:
    """Plain-text context around the first place a query term occurs in text (【】 marks it).
    The text is searched as printed first; only when no term is found so is it folded
    (normalize_text: fullwidth forms, Kangxi radicals, case), which costs a pass over it."""
    terms = [t for t in re.split(r"\s+", normalize_text((query or "").replace('"', " "))) if t]
    for folded in (False, True):
        if folded:
            text = normalize_text(text)
        for term in terms:
            i = text.find(term)
            if i < 0 and folded:
                i = text.lower().find(term.lower())
            if i >= 0:
                start, end = max(0, i - width), min(len(text), i + len(term) + width)
                s = (
                    ("…" if start else "")
                    + text[start:i]
                    + "【"
                    + text[i : i + len(term)]
                    + "】"
                    + text[i + len(term) : end]
                    + ("…" if end < len(text) else "")
                )
                return re.sub(r"\s+", " ", s)
    return re.sub(r"\s+", " ", text[: 2 * width]) + ("…" if len(text) > 2 * width else "")


# ---- the index ----------------------------------------------------------------------------
# Two contentless FTS5 tables (they store the index only), one per table of documents:
# reports_fts (rowid = reports.id: the title, the body's name and the text of the report's
# representative edition) and other_documents_fts (rowid = other_documents.id).
FTS_TABLE = "reports_fts"
OTHER_FTS_TABLE = "other_documents_fts"
INDEXED = {FTS_TABLE: "reports", OTHER_FTS_TABLE: "other_documents"}  # FTS table → its table
_COLS = ("title", "body", "text")


def create_index(conn, table: str = FTS_TABLE) -> None:
    conn.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5("
        f"{', '.join(_COLS)}, content='', tokenize='unicode61')"
    )


def index_row(conn, rowid: int, title: str, body: str, text: str, table: str = FTS_TABLE) -> None:
    conn.execute(
        f"INSERT INTO {table}(rowid, {', '.join(_COLS)}) VALUES (?, ?, ?, ?)",
        (rowid, tokens(title or ""), tokens(body or ""), tokens(text or "")),
    )


def unindex_row(conn, rowid: int, title: str, body: str, text: str, table: str = FTS_TABLE) -> None:
    """Contentless tables forget a row only when told the tokens it was indexed with."""
    conn.execute(
        f"INSERT INTO {table}({table}, rowid, {', '.join(_COLS)}) VALUES ('delete', ?, ?, ?, ?)",
        (rowid, tokens(title or ""), tokens(body or ""), tokens(text or "")),
    )


def _text_join(table: str) -> str:
    """How a row of `table` (d) finds its text (t): a report's is its edition's part (one
    report of a compilation); another document's is the whole document's."""
    part = "d.part" if table == "reports" else "0"
    return f"t.sha256 = d.sha256 AND t.part = {part}"


def rebuild_index(conn) -> int:
    """Drop and refill both indexes (after FTS_VERSION changes); returns the rows indexed."""
    n = 0
    for fts, table in INDEXED.items():
        conn.execute(f"DROP TABLE IF EXISTS {fts}")
        create_index(conn, fts)
        rows = conn.execute(
            f"SELECT d.id, d.title, d.body, t.text FROM {table} d "
            f"JOIN document_texts t ON {_text_join(table)}"
        ).fetchall()
        for rowid, title, body, text in rows:
            index_row(conn, rowid, title, body, text, fts)
            n += 1
    return n


# ---- match sets kept in the published snapshot --------------------------------------------
# FTS5 answers a phrase of common bigrams slowly: 政府信息公开 is five tokens with 2–7 million
# positions each, 180 ms however few reports it is asked for. The phrases that cost that much
# are those printed in every report: the wording of the national template (section titles, the
# words a reader looks for in them). snapshot() runs these once and stores their match sets in
# MATCHES_TABLE (the shorter of the two lists: the ids that match, or the ids that do not); the
# search box reads them instead of asking FTS5. They are FTS5's own answers on that very file,
# so they are exact; the file is read-only, and remade (with them) whenever the index changes.
MATCHES_TABLE = "ogi_search_matches"
MATCHES_MAX_IDS = 20_000  # a term whose shorter list is longer is left to FTS5
FREQUENT_TERMS = [
    # section titles of the 2019 and 2021 templates, and the words in them
    "总体情况",
    "主动公开政府信息情况",
    "收到和处理政府信息公开申请情况",
    "政府信息公开行政复议、行政诉讼情况",
    "存在的主要问题及改进情况",
    "其他需要报告的事项",
    "政府信息公开",
    "政府信息",
    "信息公开",
    "主动公开",
    "依申请公开",
    "公开申请",
    "行政复议",
    "行政诉讼",
    "复议",
    "诉讼",
    "存在的主要问题",
    "改进情况",
    "工作年度报告",
    "年度报告",
    "政府信息公开工作年度报告",
    "政府信息管理",
    "政府信息公开平台",
    "平台建设",
    "监督保障",
    # the requests table's outcomes
    "予以公开",
    "部分公开",
    "不予公开",
    "无法提供",
    "不予处理",
    "国家秘密",
    "第三方合法权益",
]


def precompute_matches(conn, table: str = "reports", pk: str = "id", terms=FREQUENT_TERMS) -> int:
    """Store the match sets of `terms` in MATCHES_TABLE (see above); returns how many."""
    import json

    conn.execute(f"DROP TABLE IF EXISTS {MATCHES_TABLE}")
    conn.execute(
        f"CREATE TABLE {MATCHES_TABLE} (fts_table TEXT, expr TEXT, form TEXT, "
        f"n INTEGER, ids TEXT, PRIMARY KEY (fts_table, expr))"
    )
    everything = [r[0] for r in conn.execute(f"SELECT {pk} FROM {table} ORDER BY {pk}")]
    stored = 0
    for term in dict.fromkeys(terms):
        expr = match_query(term)
        hits = [
            r[0]
            for r in conn.execute(
                f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?", (expr,)
            )
        ]
        hit = set(hits)
        misses = [i for i in everything if i not in hit]
        n = len(everything) - len(misses)
        form, ids = ("misses", misses) if len(misses) < n else ("hits", sorted(hits))
        if len(ids) > MATCHES_MAX_IDS:
            continue
        conn.execute(
            f"INSERT OR REPLACE INTO {MATCHES_TABLE} VALUES (?, ?, ?, ?, ?)",
            (FTS_TABLE, expr, form, n, json.dumps(ids)),
        )
        stored += 1
    return stored


def find(conn, query: str, limit: int = 20, table: str = "reports") -> list[tuple]:
    """(id, body, year, title, snippet) of the newest rows of `table` (reports, or
    other_documents) matching a query."""
    fts = next(f for f, t in INDEXED.items() if t == table)
    sql = (
        f"SELECT d.id, d.body, d.year, d.title, t.text FROM {fts} "
        f"JOIN {table} d ON d.id = {fts}.rowid "
        f"LEFT JOIN document_texts t ON {_text_join(table)} "
        f"WHERE {fts} MATCH ? ORDER BY {fts}.rowid DESC LIMIT ?"
    )
    return [
        (rid, body, year, title, snippet(text or "", query))
        for rid, body, year, title, text in conn.execute(sql, (match_query(query), limit))
    ]
