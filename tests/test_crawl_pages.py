"""The CMS family adapters on saved real pages (tests/pages/; their sources in
tests/pages/SOURCES.md), as city-scrapers tests its spiders: not only on the demo farm
written by the same hands. For each list script: the records it lists, the further list
pages (or API pages) it asks for, and the column size it declares."""

from __future__ import annotations

from pathlib import Path

from scrapy.http import HtmlResponse, Request, TextResponse

from crawler.families import ADAPTERS, detect, hanweb, trs_list2, ucap
from crawler.families.columns import book

PAGES = Path(__file__).parent / "pages"


class Spider:
    """What an adapter asks of the spider: follow() records the requests it would make."""

    def __init__(self):
        self.requests: list[tuple[str, str, str]] = []
        self.forms: list[dict | None] = []
        self.counted: list[tuple] = []

    def follow(self, response, url, kind, text="", formdata=None, meta=None):
        self.requests.append((kind, url, text))
        self.forms.append(formdata)
        return url

    def count(self, portal, key, sub=None):
        self.counted.append((portal, key, sub))

    def of(self, kind: str) -> list[str]:
        return [url for k, url, _ in self.requests if k == kind]


def saved(name: str, url: str, meta: dict | None = None, cls=HtmlResponse, body=None):
    body = body if body is not None else (PAGES / name).read_bytes()
    return cls(
        url=url,
        body=body,
        encoding="utf-8",
        request=Request(url, meta={"portal": "p", "kind": "list", **(meta or {})}),
    )


def parse(family: str, response) -> Spider:
    spider = Spider()
    for _ in ADAPTERS[family].parse_list(spider, response):
        pass
    return spider


def declared(spider) -> list[tuple]:
    return [(e["kind"], e["unit"], e["declared"], e["found"]) for e in book(spider).summary("p")]


# -- TRS WCM createPageHTML -----------------------------------------------------------------


def test_trs_column_page():
    # a TRS WCM column: detail pages ./YYYYMM/tYYYYMMDD_ID.html, 21 pages by createPageHTML
    r = saved("trs_zhangshu_list.html", "http://www.zhangshu.gov.cn/zwgk/zhxx/index.html")
    assert detect(r) == "trs"
    spider = parse("trs", r)
    details = [(url, text) for kind, url, text in spider.requests if kind == "detail"]
    assert details[0] == (
        "http://www.zhangshu.gov.cn/zwgk/zhxx/201710/t20171019_398276.html",
        "江西（樟树）医药产业招商引资推介会举行",
    )
    assert len(details) == 4
    assert spider.of("list") == [
        f"http://www.zhangshu.gov.cn/zwgk/zhxx/index_{n}.html" for n in range(1, 21)
    ]
    assert declared(spider) == [("createPageHTML", "pages", 21, 1)]
    # page 3 of the column (its call says so) does not list the pages again
    page3 = (PAGES / "trs_zhangshu_list.html").read_bytes().replace(b"(21, 0,", b"(21, 3,")
    spider = parse(
        "trs", saved("", "http://www.zhangshu.gov.cn/zwgk/zhxx/index_3.html", body=page3)
    )
    assert not spider.of("list") and len(spider.of("detail")) == 4


def test_trs_createpagehtml_forms():
    # the other forms real TRS templates use (a public crawler's notes, tests/pages/SOURCES.md):
    # a sixth argument with the record count, and the 1-based 'paging' form whose second page
    # is index_2.html; the arguments may be variables
    six = b'<script>createPageHTML(16, 0,"index", "shtml", "black2", 250);</script>'
    spider = parse("trs", saved("", "http://rst.hubei.gov.cn/zwgk/index.shtml", body=six))
    assert spider.of("list")[0].endswith("/zwgk/index_1.shtml")
    assert spider.of("list")[-1].endswith("/zwgk/index_15.shtml")
    assert declared(spider) == [
        ("createPageHTML", "pages", 16, 1),
        ("createPageHTML", "records", 250, 0),
    ]
    paging = b"<script>createPageHTML('paging',25,1,'index','html',500);</script>"
    spider = parse("trs", saved("", "https://rst.hunan.gov.cn/rst/xxgk/", body=paging))
    assert spider.of("list")[0] == "https://rst.hunan.gov.cn/rst/xxgk/index_2.html"
    assert spider.of("list")[-1] == "https://rst.hunan.gov.cn/rst/xxgk/index_25.html"
    assert len(spider.of("list")) == 24
    variables = (
        b"<script>var countPage = 3//\xe5\x85\xb1\xe5\xa4\x9a\xe5\xb0\x91\xe9\xa1\xb5\n"
        b"var currentPage = 0;\nfunction createPageHTML(_nPageCount, _nCurrIndex, "
        b'_sPageName, _sPageExt){}\ncreatePageHTML(countPage, currentPage, "index", '
        b'"htm");</script>'
    )
    spider = parse("trs", saved("", "http://x.gov.cn/col/index.htm", body=variables))
    assert spider.of("list") == [
        "http://x.gov.cn/col/index_1.htm",
        "http://x.gov.cn/col/index_2.htm",
    ]


# -- TRS list2.trsapi ----------------------------------------------------------------------


def test_trs_list2_column_page():
    # 平潭: static records in the page, 107 declared, the rest from /fjdzapp/search
    url = "https://www.pingtan.gov.cn/zwgk/ghxx/gzjzqk/"
    r = saved("trs_list2_pingtan_index.htm", url)
    assert detect(r) == "trs"
    spider = parse("trs", r)
    details = spider.of("detail")
    assert len(details) == 10
    assert details[0] == (
        "https://www.pingtan.gov.cn/zwgk/zdlyxxgk/ssjygk/sjccjg/202511/t20251111_103189.htm"
    )
    assert f"{url}202503/t20250321_97999.htm" in details
    assert declared(spider) == [("list2.trsapi", "records", 107, 10)]
    # the excerpt keeps 10 of the 75 records the static file holds for its 5 static pages:
    # the file is short of its pages, so the API is asked for all 8 pages of 15
    apis = spider.of("list")
    assert apis == ["https://www.pingtan.gov.cn/fjdzapp/search"] * 8
    forms = [f for f in spider.forms if f]
    assert [f["page"] for f in forms] == [str(n) for n in range(1, 9)]
    assert forms[0] == {
        "channelid": "200210",
        "classsql": "chnlid=1780",
        "sortfield": "-docorderpri,-docreltime",
        "classcol": "publishyear",
        "classsort": "0",
        "page": "1",
        "prepage": "15",
    }


def test_trs_list2_static_file_whole_asks_only_the_pages_after_it():
    # the same settings, a static file holding its 5 pages (75 records): API pages 6 to 8
    s = trs_list2.settings((PAGES / "trs_list2_pingtan_index.htm").read_text())
    assert (s["count"], s["prepage"], s["static"], s["mode"]) == (107, 15, 5, "动静结合")
    r = saved("trs_list2_pingtan_index.htm", "https://www.pingtan.gov.cn/zwgk/ghxx/gzjzqk/")
    spider = Spider()
    for _ in trs_list2.start(ADAPTERS["trs"], spider, r, static=75):
        pass
    assert [f["page"] for f in spider.forms] == ["6", "7", "8"]


def test_trs_list2_api_answer():
    # 三明: page 2 of 2 (101 records, 100 a page): one record, nothing further to ask
    s = {
        **trs_list2.settings((PAGES / "trs_list2_pingtan_index.htm").read_text()),
        "prepage": 100,
        "page": 2,
        "last": 2,
    }
    url = "https://www.sm.gov.cn/fjdzapp/search"
    r = saved(
        "trs_list2_sanming_api.json", url, {trs_list2.API: s, "column": "col"}, cls=TextResponse
    )
    spider = parse("trs", r)
    assert spider.requests == [
        (
            "detail",
            "https://www.sm.gov.cn/smsrmzfbgs/smsrmzf/zc/xzgfxwjql/200904/t20090410_66236.htm",
            "三明市人民政府办公室关于加强农村道路交通安全管理工作的通知",
        )
    ]
    assert [(e["declared"], e["found"]) for e in book(spider).summary("p")] == [(101, 1)]
    # the same answer to the last page asked (page 1 of a column thought to hold one page)
    # declares more: its further pages are asked
    r = saved(
        "trs_list2_sanming_api.json",
        url,
        {trs_list2.API: {**s, "page": 1, "last": 1}},
        cls=TextResponse,
    )
    spider = parse("trs", r)
    assert [f["page"] for f in spider.forms if f] == ["2"]


def test_trs_list2_bad_answer_is_counted_unreadable():
    r = saved(
        "",
        "https://www.sm.gov.cn/fjdzapp/search",
        {trs_list2.API: {"page": 1, "last": 1}},
        cls=TextResponse,
        body=b"<html>system busy</html>",
    )
    spider = parse("trs", r)
    assert spider.counted == [("p", "unreadable", "trs_list2_bad_answer")]


# -- Hanweb jpage --------------------------------------------------------------------------


def test_hanweb_column_page():
    # 江苏: two records inline, 4895 declared, 19 a page, groups of 3 pages from the proxy
    url = "https://www.jiangsu.gov.cn/col/col33718/index.html"
    r = saved("hanweb_jiangsu_col_page.html", url)
    assert detect(r) == "hanweb"
    spider = parse("hanweb", r)
    assert spider.of("detail") == [
        "https://www.jiangsu.gov.cn/art/2026/9/11/art_33718_11828204.html",
        "https://www.jiangsu.gov.cn/art/2025/12/15/art_33718_11693505.html",
    ]
    assert declared(spider) == [("jpage", "records", 4895, 2)]
    batches = spider.of("list")
    proxy = "https://www.jiangsu.gov.cn/module/web/jpage/dataproxy.jsp"
    # the page holds fewer records than its first group of 57: asked from record 1
    assert batches[0] == f"{proxy}?startrecord=1&endrecord=57&perpage=19"
    assert batches[-1] == f"{proxy}?startrecord=4846&endrecord=4902&perpage=19"
    assert len(batches) == 86
    form = next(f for f in spider.forms if f)
    assert (form["columnid"], form["unitid"], form["webid"], form["webname"]) == (
        "33718",
        "212860",
        "1",
        "江苏省人民政府",
    )


def test_hanweb_older_column_script():
    # 南通 (2014): proxyUrl, perPage, groupSize and ajaxParam from the jpage call
    r = saved("hanweb_nantong_col_script.txt", "http://zfcg.nantong.gov.cn/col/col30067/index.html")
    spider = parse("hanweb", r)
    assert declared(spider) == [("jpage", "records", 1418, 0)]
    batches = spider.of("list")
    proxy = "http://zfcg.nantong.gov.cn/module/jslib/jquery/jpage/dataproxy.jsp"
    assert batches[0] == f"{proxy}?startrecord=1&endrecord=75&perpage=25"
    assert len(batches) == 19
    form = next(f for f in spider.forms if f)
    assert (form["columnid"], form["unitid"], form["webid"], form["appid"], form["webname"]) == (
        "30067",
        "49468",
        "60",
        "1",
        "南通市政府采购网",
    )


def test_hanweb_data_proxy_answer():
    # the data proxy's answer to a column that stated no count: its records are detail pages;
    # its <totalrecord> is the column's size, and the rest is asked three pages at a time
    url = (
        "https://gxt.jiangsu.gov.cn/module/web/jpage/dataproxy.jsp"
        "?startrecord=1&endrecord=45&perpage=15"
    )
    s = {
        "proxy": hanweb.PROXY,
        "form": {"columnid": "6278"},
        "total": None,
        "per": 15,
        "group": 3,
        "start": 1,
        "last": 1,
    }
    r = saved("hanweb_gxt_jiangsu_dataproxy.xml", url, {hanweb.BATCH: s})
    spider = parse("hanweb", r)
    assert spider.of("detail") == [
        "https://gxt.jiangsu.gov.cn/art/2026/6/10/art_6278_11783480.html",
        "https://gxt.jiangsu.gov.cn/art/2026/5/18/art_6278_11772533.html",
    ]
    assert declared(spider) == [("jpage", "records", 940, 2)]
    batches = spider.of("list")
    assert len(batches) == 20  # records 46 … 940, 45 at a time
    assert batches[0].endswith("startrecord=46&endrecord=90&perpage=15")
    assert batches[-1].endswith("startrecord=901&endrecord=945&perpage=15")


# -- 广东 gkmlpt ---------------------------------------------------------------------------


def test_gkmlpt_api_answer():
    # 肇庆 受理公告: the answer counts 203 posts (classify.post_count) and gives no page size:
    # pages of 100, so pages 2 and 3 are asked (the site answers page 2 with 404: a column
    # read short, reported as such)
    api = "https://www.zhaoqing.gov.cn/zqhjj/gkmlpt/api/all/21023"
    meta = {"gkmlpt_api": True, "api": api, "sid": "758019"}
    r = saved("gkmlpt_zhaoqing_api.json", f"{api}?page=1&sid=758019", meta, cls=TextResponse)
    spider = parse("gkmlpt", r)
    assert spider.of("detail") == [
        "https://www.zhaoqing.gov.cn/zqhjj/gkmlpt/content/3/3255/post_3255421.html"
    ]
    assert spider.of("list") == [f"{api}?page=2&sid=758019", f"{api}?page=3&sid=758019"]
    assert declared(spider) == [("gkmlpt", "records", 203, 1)]


# -- 开普云 Ucap ----------------------------------------------------------------------------


def test_ucap_list_page_asks_query_list_with_the_codes_of_its_path():
    url = "http://zjt.jiangxi.gov.cn/jxszfhcxjst/gqcyc/pc/list.html"
    r = saved("", url, body=b"<html><body><ul id='list'></ul></body></html>")
    assert detect(r) == "ucap"
    spider = parse("ucap", r)
    assert spider.of("list") == ["http://zjt.jiangxi.gov.cn/queryList"]
    assert spider.forms[-1] == {
        "webSiteCode": "jxszfhcxjst",
        "channelCode": "gqcyc",
        "current": "1",
        "pageSize": str(ucap.PAGE_SIZE),
    }


def test_ucap_query_list_answer():
    # 江西省住建厅: results[].source.urls is a JSON string naming the article's pc page
    s = {
        "api": "http://zjt.jiangxi.gov.cn/queryList",
        "form": {"webSiteCode": "jxszfhcxjst", "channelCode": "gqcyc"},
        "size": 20,
        "page": 1,
    }
    r = saved("ucap_jiangxi_querylist.json", s["api"], {ucap.API: s}, cls=TextResponse)
    spider = parse("ucap", r)
    assert spider.of("detail") == [
        "http://zjt.jiangxi.gov.cn/jxszfhcxjst/gqcyc/pc/content/content_2062796646723690496.html",
        "http://zjt.jiangxi.gov.cn/jxszfhcxjst/gqcyc/pc/content/content_2052608492608471040.html",
    ]
    assert declared(spider) == [("ucap queryList", "records", 2, 2)]
    assert spider.of("list") == []
