"""The pieces the list adapters share: script values read without running the scripts, the
records and totals of JSON list answers, and the column book that compares them."""

from __future__ import annotations

import json

from crawler.changes import incomplete
from crawler.families import jsonlist, script
from crawler.families.columns import PAGES, RECORDS, Columns


def test_script_values_literals_fallbacks_and_references():
    text = """var SiteInfo = {searchId: 200210, //默认的文档检索频道的ID
        name: 'x'};
    var pageChnlInfo={quickMode:"动静结合", classsql: "" || "chnlid=1780", recordCount:'107'}
    if (a) { pageChnlInfo.prepage = 12; }
    listModel({listArgs: {channelid: SiteInfo.searchId,
                          sortfield: pageChnlInfo.sortfield||'-docreltime'},
               pagebar: {prepage: pageChnlInfo.prepage||15}})
    var countPage = 3//共多少页
    """
    assert script.value(text, "quickMode") == "动静结合"
    assert script.value(text, "classsql") == "chnlid=1780"  # "" || "…"
    assert script.number(text, "recordCount") == 107  # a quoted number
    assert script.number(text, "prepage") == 15  # the `||` fallback, not the
    assert script.number(text, "countPage") == 3  # assignment in the if block
    assert script.value(text, "nothing") is None
    args = script.object_literal(text, "listArgs")
    assert script.evaluate(text, args["channelid"]) == "200210"  # SiteInfo.searchId
    assert script.evaluate(text, args["sortfield"]) == "-docreltime"


def test_json_list_answers_of_common_shapes():
    shapes = [
        {"data": {"list": [{"title": "a", "url": "/a.html"}], "total": 41}},
        {"data": {"records": [{"title": "a", "url": "/a.html"}], "totalCount": 41, "size": 10}},
        {"code": 0, "data": {"rows": [{"title": "a", "linkUrl": "/a.html"}], "total": 41}},
        {"rows": [{"title": "a", "url": "/a.html"}], "total": 41},
        {"content": [{"title": "a", "url": "/a.html"}], "totalElements": 41, "size": 10},
        {
            "data": [{"doctitle": "a", "chnldocurl": "/a.html", "docpuburl": "/b.html"}],
            "recordCount": 41,
            "prepage": 10,
        },
        {"classify": {"post_count": 41}, "articles": [{"title": "a", "url": "/a.html"}]},
        {
            "data": {
                "total": 41,
                "rows": 10,
                "results": [
                    {"id": "1", "source": {"title": "a", "urls": json.dumps({"pc": "/a.html"})}}
                ],
            }
        },
    ]
    for shape in shapes:
        got = jsonlist.read(shape)
        assert got.records == [("/a.html", "a")], shape
        assert got.total == 41, shape
    assert jsonlist.read({"data": {"records": [], "total": 0}}).total == 0
    assert jsonlist.read("not a dict").records == []


def test_the_column_book_keeps_the_largest_declaration_and_finds_the_short():
    book = Columns()
    book.declare("p", "c1", "jpage", 20)
    book.declare("p", "c1", "jpage", "23")  # the proxy's answer says more
    book.declare("p", "c1", "jpage", 18)  # a stale page says less: 23 stands
    for n in range(10):
        book.listed("p", "c1", f"/art_{n}.html")
    book.listed("p", "c1", "/art_0.html")  # listed twice, one record
    book.declare("p", "c2", "createPageHTML", 3, PAGES)
    for n in range(3):
        book.read("p", "c2", f"/index_{n}.html")
    assert book.summary("p") == [
        {"column": "c1", "kind": "jpage", "unit": RECORDS, "declared": 23, "found": 10},
        {"column": "c2", "kind": "createPageHTML", "unit": PAGES, "declared": 3, "found": 3},
    ]
    assert [e["column"] for e in book.short("p")] == ["c1"]
    assert book.short("other portal") == []


class _Store:
    """incomplete() asks the store for failed list pages; here there are none."""

    class db:
        @staticmethod
        def query(*a):
            return []


def test_a_column_read_short_is_a_list_not_read_to_its_end():
    book = Columns()
    book.declare("p", "c", "list2.trsapi", 20)
    for n in range(10):
        book.listed("p", "c", f"/t{n}.htm")
    why = incomplete(_Store, "crawl", "p", {}, book)
    assert why == "1 column read short of the size its list script declares"
    for n in range(10, 20):
        book.listed("p", "c", f"/t{n}.htm")
    assert incomplete(_Store, "crawl", "p", {}, book) is None
