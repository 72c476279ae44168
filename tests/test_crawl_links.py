"""Adapters' link finding on small pages: attachments in iframes, pdf.js viewers, onclick;
report titles; family detection."""

from __future__ import annotations

from scrapy.http import HtmlResponse

from crawler.families import detect
from crawler.families.base import attachments, is_report_title


def page(url, body, encoding="utf-8"):
    return HtmlResponse(url=url, body=body.encode(encoding), encoding=encoding)


def test_attachments_from_links_iframes_viewers_and_onclick():
    r = page(
        "http://a.gov.cn/art/2021/3/5/art_1_2.html",
        """
      <a href="./P020210305.pdf">附件1</a>
      <a href="/module/download/downfile.jsp?classid=0&filename=x.docx">附件2</a>
      <iframe src="/pdfjs/web/viewer.html?file=%2Fpicture%2F0%2Fy.pdf"></iframe>
      <a href="javascript:void(0)" onclick="window.open('/uploads/z.wps')">下载</a>
      <span onclick="downloadFile('/attachment/0/1/t.xlsx')">表</span>
      <a href="/other/news.html">新闻</a><img src="/logo.png">""",
    )
    got = dict(attachments(r))
    assert set(got) == {
        "http://a.gov.cn/art/2021/3/5/P020210305.pdf",
        "http://a.gov.cn/module/download/downfile.jsp?classid=0&filename=x.docx",
        "http://a.gov.cn/picture/0/y.pdf",
        "http://a.gov.cn/uploads/z.wps",
        "http://a.gov.cn/attachment/0/1/t.xlsx",
    }
    assert got["http://a.gov.cn/uploads/z.wps"] == "下载"


def test_report_titles():
    for t in [
        "临清市2020年政府信息公开工作年度报告",
        "2021年度政府信息公开年报",
        "二〇二〇年政府信息公开工作年度报告",
        "XX局政府信息 公开工作年度报告（2019年）",
    ]:
        assert is_report_title(t), t
    for t in ["关于开展政务公开培训的通知", "2021年工作总结", "下一页"]:
        assert not is_report_title(t), t


def test_detect_families():
    assert detect(page("http://a.gov.cn/col/col9/index.html", "<p>x</p>")) == "hanweb"
    assert (
        detect(
            page(
                "http://a.gov.cn/x/index.html",
                "<script>createPageHTML(5, 0, 'index', 'html');</script>",
            )
        )
        == "trs"
    )
    assert (
        detect(page("http://a.gov.cn/gkmlpt/index", "<script>window._CONFIG = {SID: '1'}</script>"))
        == "gkmlpt"
    )
    assert detect(page("http://a.gov.cn/list.html", "<a href='/a.html'>a</a>")) == "generic"


def test_js_challenges_are_recognised():
    from scrapy.http import Headers

    from crawler.capture import is_challenge

    ts = b"<html><script>$_ts=window['$_ts'];$_ts.nsd=1;</script></html>"
    assert is_challenge(412, Headers(), ts) == "ruishu-412"
    jsl = b"<script>document.cookie=('_'+'_jsl_clearance_s=1');location.href=location</script>"
    assert is_challenge(521, Headers({"Set-Cookie": "__jsluid_h=abc; path=/"}), jsl) == "jsl"
    assert is_challenge(200, Headers({"Set-Cookie": "__jsl_clearance=1"}), b"") == "jsl"
    assert is_challenge(200, Headers(), b"<html><a href='x'>2020</a></html>") is None
    assert is_challenge(404, Headers(), b"not found") is None
