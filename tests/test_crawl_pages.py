"""The CMS family adapters on saved real pages (tests/pages/; their sources in
tests/pages/SOURCES.md), as city-scrapers tests its spiders: not only on the demo farm
written by the same hands."""
from __future__ import annotations

from pathlib import Path

from scrapy.http import HtmlResponse

from crawler.families import ADAPTERS, detect

PAGES = Path(__file__).parent / "pages"


class Spider:
    """What an adapter asks of the spider: follow() records the requests it would make."""

    def __init__(self):
        self.requests: list[tuple[str, str, str]] = []

    def follow(self, response, url, kind, text="", formdata=None, meta=None):
        self.requests.append((kind, url, text))
        return url


def saved(name: str, url: str) -> HtmlResponse:
    return HtmlResponse(url=url, body=(PAGES / name).read_bytes(), encoding="utf-8")


def test_trs_column_page():
    # a TRS WCM column: detail pages ./YYYYMM/tYYYYMMDD_ID.html, 21 pages by createPageHTML
    r = saved("trs_zhangshu_list.html", "http://www.zhangshu.gov.cn/zwgk/zhxx/index.html")
    assert detect(r) == "trs"
    spider = Spider()
    list(ADAPTERS["trs"].parse_list(spider, r))
    details = [(url, text) for kind, url, text in spider.requests if kind == "detail"]
    assert details[0] == ("http://www.zhangshu.gov.cn/zwgk/zhxx/201710/t20171019_398276.html",
                          "江西（樟树）医药产业招商引资推介会举行")
    assert len(details) == 4
    pages = [url for kind, url, _ in spider.requests if kind == "list"]
    assert pages == [f"http://www.zhangshu.gov.cn/zwgk/zhxx/index_{n}.html" for n in range(1, 21)]
    # a later page of the column does not list the pages again
    spider = Spider()
    later = saved("trs_zhangshu_list.html", "http://www.zhangshu.gov.cn/zwgk/zhxx/index_3.html")
    list(ADAPTERS["trs"].parse_list(spider, later))
    assert not [u for kind, u, _ in spider.requests if kind == "list"]


def test_hanweb_data_proxy_answer():
    # the data proxy's first answer: its records are detail pages; the rest of the column
    # is asked for three pages at a time, as the jpage script does
    from scrapy.http import Request
    url = ("https://gxt.jiangsu.gov.cn/module/web/jpage/dataproxy.jsp"
           "?startrecord=1&endrecord=45&perpage=15")
    meta = {"kind": "list", "hanweb_start": True, "perpage": 15, "form": {"columnid": "6278"}}
    r = HtmlResponse(url=url, body=(PAGES / "hanweb_gxt_jiangsu_dataproxy.xml").read_bytes(),
                     encoding="utf-8", request=Request(url, meta=meta))
    spider = Spider()
    list(ADAPTERS["hanweb"].parse_list(spider, r))
    details = [(url, text) for kind, url, text in spider.requests if kind == "detail"]
    assert details == [
        ("https://gxt.jiangsu.gov.cn/art/2026/6/10/art_6278_11783480.html",
         "关于印发江苏省“人工智能+制造”实施方案的通知"),
        ("https://gxt.jiangsu.gov.cn/art/2026/5/18/art_6278_11772533.html",
         "省工业和信息化厅关于组织申报2026年度专精特新中小企业的通知")]
    batches = [url for kind, url, _ in spider.requests if kind == "list"]
    assert len(batches) == 20  # records 46 … 940, 45 at a time
    assert batches[0].endswith("startrecord=46&endrecord=90&perpage=15")
    assert batches[-1].endswith("startrecord=901&endrecord=945&perpage=15")


def test_gkmlpt_api_answer():
    # the column's JSON: each article a detail page; no paging fields, so no further pages
    from scrapy.http import Request, TextResponse
    api = "https://www.zhaoqing.gov.cn/zqhjj/gkmlpt/api/all/21023"
    url = f"{api}?page=1&sid=758019"
    meta = {"kind": "list", "gkmlpt_api": True, "api": api, "sid": "758019", "portal": "肇庆"}
    r = TextResponse(url=url, body=(PAGES / "gkmlpt_zhaoqing_api.json").read_bytes(),
                     encoding="utf-8", request=Request(url, meta=meta))
    spider = Spider()
    list(ADAPTERS["gkmlpt"].parse_list(spider, r))
    assert spider.requests == [
        ("detail", "https://www.zhaoqing.gov.cn/zqhjj/gkmlpt/content/3/3255/post_3255421.html",
         "金宸农牧科技（四会）有限公司四会富硒蛋鸡产业园项目受理公告")]
