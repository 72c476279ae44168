"""The Chinese full-text index: a term matches exactly where it occurs in the text."""
from __future__ import annotations

import re
import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from archive import search
from archive.testing import report_text
from synthetic.report import generate_report

TEXTS = [report_text(generate_report(s)) for s in range(3)]
HAN = re.compile(r"[\u4e00-\u9fff]+")


def _db(texts):
    c = sqlite3.connect(":memory:")
    search.create_index(c)
    for i, t in enumerate(texts, 1):
        search.index_row(c, i, "", "", t)
    return c


DB = _db(TEXTS)


def hits(q: str) -> set[int]:
    return {r[0] for r in DB.execute("select rowid from reports_fts where reports_fts match ?",
                                     (search.match_query(q),))}


def _alnum(ch: str) -> bool:
    return ch.isalnum() and not HAN.match(ch)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2), st.integers(0, 10_000), st.integers(1, 12))
def test_every_substring_is_found(doc, start, length):
    text = TEXTS[doc]
    i = start % (len(text) - 1)
    j = min(len(text), i + length)
    q = text[i:j]
    # the one documented limit: a query may not cut a run of letters or digits
    if (i > 0 and _alnum(text[i - 1]) and _alnum(text[i])) or \
            (j < len(text) and _alnum(text[j - 1]) and _alnum(text[j])):
        return
    if not search.tokens(q):
        return
    assert doc + 1 in hits(q), (q, search.match_query(q))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="政府信息公开复议诉讼泄密申请年度报告", min_size=2, max_size=5))
def test_hanzi_terms_match_exactly_the_texts_that_contain_them(q):
    want = {i for i, t in enumerate(TEXTS, 1) if any(q in run for run in HAN.findall(t))}
    assert hits(q) == want


def test_two_character_words_and_phrases():
    c = _db(["本机关收到行政复议申请3件。", "没有发生泄密事件。", "复议"])
    def h(q):
        return {r[0] for r in c.execute("select rowid from reports_fts where reports_fts "
                                        "match ?", (search.match_query(q),))}
    assert h("复议") == {1, 3}
    assert h("行政复议") == {1}
    assert h("泄密") == {2}
    assert h("泄密事件") == {2}
    assert h("申请3件") == {1}
    assert h("复") == {1, 3}
    assert h("议申") == {1}
    assert h("复议 泄密") == set()
    assert h("") == set() and h("，。") == set()
    assert h('"复议') == {1, 3}  # stray quotes are not FTS syntax errors
    assert h("ＯＲ 复议") == set() and h("AND") == set()  # FTS operators are plain words


def test_unindex_forgets_a_row():
    c = _db(["行政复议"])
    search.unindex_row(c, 1, "", "", "行政复议")
    assert c.execute("select count(*) from reports_fts where reports_fts match '\"复议\"'"
                     ).fetchone()[0] == 0
