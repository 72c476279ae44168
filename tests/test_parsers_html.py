"""HTML parser: charsets (declared, undeclared, lying), table spans, layout tables, the real
pingtan2020.html page."""

import pytest

from parsers.formats.html import decode_html, parse_html
from parsers.model import ParseError

BODY = """<h2>二、主动公开政府信息情况</h2>
<p>本机关主动公开&nbsp;政府信息。</p>
<div>第一行<br>第二行</div>
<table border="1">
  <tr><td colspan="2">信息内容</td><td rowspan="2">总计</td></tr>
  <tr><td>本年新<br/>公开数量</td><td><span>2</span><span>0</span></td></tr>
  <tr><td>&nbsp;规章&nbsp;</td><td>１２</td><td>  3
     </td></tr>
</table>
<p>表后</p>"""


def page(charset_meta: str = "", body: str = BODY, title: str = "年度报告") -> str:
    return (
        f"<html><head>{charset_meta}<title>{title}</title>"
        f"<style>p {{color: red}}</style><script>var x = '脚本';</script></head>"
        f"<body>{body}<noscript>请启用脚本</noscript></body></html>"
    )


def check(doc):
    assert doc.format == "html" and doc.title == "年度报告"
    kinds = [(b.kind, b.text) for b in doc.blocks if b.kind != "table"]
    assert kinds == [
        ("heading", "二、主动公开政府信息情况"),
        ("paragraph", "本机关主动公开 政府信息。"),
        ("paragraph", "第一行"),
        ("paragraph", "第二行"),
        ("paragraph", "表后"),
    ]
    assert [b.kind for b in doc.blocks].index("table") == 4
    t = doc.tables()[0]
    assert t.text_rows() == [["信息内容", "总计"], ["本年新公开数量", "20"], ["规章", "12", "3"]]
    assert (t.rows[0][0].colspan, t.rows[0][1].rowspan) == (2, 2)
    g = t.grid()
    assert [[c.text for c in r] for r in g] == [
        ["信息内容", "信息内容", "总计"],
        ["本年新公开数量", "20", "总计"],
        ["规章", "12", "3"],
    ]


def test_gbk_with_meta_charset():
    check(parse_html(page('<meta charset="gb2312">').encode("gbk")))


def test_gbk_with_http_equiv():
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=GBK">'
    check(parse_html(page(meta).encode("gbk")))


def test_gbk_without_declaration():
    check(parse_html(page().encode("gbk")))


def test_utf8_without_declaration_and_with_bom():
    check(parse_html(page().encode("utf-8")))
    check(parse_html(b"\xef\xbb\xbf" + page('<meta charset="gbk">').encode("utf-8")))


def test_lying_meta_charset():
    # says UTF-8, is GBK
    check(parse_html(page('<meta charset="utf-8">').encode("gbk")))
    # says GB2312, is UTF-8
    check(parse_html(page('<meta charset="gb2312">').encode("utf-8")))
    # says ISO-8859-1 (a server default), is GBK
    check(parse_html(page('<meta charset="iso-8859-1">').encode("gbk")))


def big5_page(body: str, title: str) -> bytes:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>".encode("big5")


def test_http_header_charset_is_heard():
    # no <meta>: only the Content-Type header the crawler received says Big5, whose bytes
    # would also pass for GB18030 (as nonsense)
    data = big5_page("<p>政府資訊公開工作年度報告</p>", "年度報告")
    assert "政府資訊公開工作年度報告" not in [b.text for b in parse_html(data).blocks]
    doc = parse_html(data, content_type="text/html; charset=Big5")
    assert [b.text for b in doc.blocks] == ["政府資訊公開工作年度報告"] and doc.title == "年度報告"
    # a header that lies is overruled by the bytes, like a <meta> that lies
    check(parse_html(page().encode("gbk"), content_type="text/html; charset=utf-8"))
    check(parse_html(page().encode("utf-8"), content_type="text/html;charset=ISO-8859-1"))


def test_content_type_reaches_the_html_parser():
    """From the archive's Task (the capture's content type) through the runner to the decoder."""
    from parsers import parse_bytes
    from parsers.runner import Task, run_many

    data = big5_page("<p>本機關主動公開政府資訊。</p>", "臨清市政府資訊公開工作年度報告")
    header = "text/html; charset=big5"
    assert (
        parse_bytes(data, name="r.html", content_type=header).text() == "本機關主動公開政府資訊。"
    )
    [(_, res)] = run_many(
        [Task(data, name="r.html", content_type=header)],
        timeout_s=60,
        memory_mb=1024,
        document=True,
    )
    assert res.ok and res.document["text"] == "本機關主動公開政府資訊。"


def test_gb18030_only_characters():
    text = page('<meta charset="gbk">', body="<p>䶮字和€符号</p>").encode("gb18030")
    assert [b.text for b in parse_html(text).blocks] == ["䶮字和€符号"]


def test_one_broken_byte_still_decodes():
    data = page('<meta charset="gbk">').encode("gbk")
    data = data.replace("表后".encode("gbk"), b"\xff" + "表后".encode("gbk"))
    text = decode_html(data)
    assert "规章" in text and "表后" in text and "年度报告" in text


def test_layout_table_is_walked_as_text():
    body = (
        "<table><tr><td><p>报告标题</p><table border=1><tr><td>规章</td><td>5</td></tr>"
        "</table><p>结尾</p></td></tr></table>"
    )
    doc = parse_html(page(body=body).encode())
    assert [b.kind for b in doc.blocks] == ["paragraph", "table", "paragraph"]
    assert doc.tables()[0].text_rows() == [["规章", "5"]]


def test_single_cell_table_is_text():
    doc = parse_html(page(body="<table><tr><td><p>甲</p><p>乙</p></td></tr></table>").encode())
    assert [(b.kind, b.text) for b in doc.blocks] == [("paragraph", "甲"), ("paragraph", "乙")]


def test_bad_spans_and_thead():
    body = (
        "<table><thead><tr><th colspan='x'>头</th><th rowspan='0'>尾</th></tr></thead>"
        "<tbody><tr><td colspan=' 2 '>a</td></tr></tbody></table>"
    )
    t = parse_html(page(body=body).encode()).tables()[0]
    assert [[(c.text, c.rowspan, c.colspan) for c in r] for r in t.rows] == [
        [("头", 1, 1), ("尾", 1, 1)],
        [("a", 1, 2)],
    ]


def test_deep_nesting():
    n = 5000
    deep = "<div><span>" * n + "深处" + "</span></div>" * n
    doc = parse_html(page(body=deep + "<p>后面</p>").encode())
    assert [b.text for b in doc.blocks] == ["深处", "后面"]
    deep_tables = "<table><tr><td>" * 3000 + "x" + "</td></tr></table>" * 3000
    with pytest.raises(ParseError, match="nested too deeply"):
        parse_html(page(body=deep_tables).encode())


def test_heading_with_line_break():
    doc = parse_html(
        page(body="<h1>平潭综合实验区2020年<br>政府信息公开工作年度报告</h1><p>正文</p>").encode()
    )
    assert [(b.kind, b.text) for b in doc.blocks] == [
        ("heading", "平潭综合实验区2020年"),
        ("heading", "政府信息公开工作年度报告"),
        ("paragraph", "正文"),
    ]


def test_empty_page():
    with pytest.raises(ParseError):
        parse_html(b"   \n ")


# --- the real page ---------------------------------------------------------------------


def test_pingtan(shared_dir):
    doc = parse_html((shared_dir / "corpus" / "pingtan2020.html").read_bytes())
    assert doc.title.startswith("平潭综合实验区2020年度政府信息公开工作年度报告")
    tables = doc.tables()
    assert len(tables) == 3
    active, requests, appeals = tables
    assert len(active.rows) == 18
    assert active.text_rows()[-1] == ["政府集中采购", "395", "73802895.90元"]
    assert active.rows[-1][-1].colspan == 2
    assert len(requests.rows) == 26
    assert len(requests.grid()[0]) == 10
    rows = requests.text_rows()
    assert rows[3] == ["一、本年新收政府信息公开申请数量", "20", "0", "0", "0", "0", "1", "21"]
    assert rows[4][-7:] == ["0"] * 7
    group = [r[0] for r in requests.rows if r[0].text == "三、本年度办理结果"]
    assert len(group) == 2 and all(c.rowspan == 10 for c in group)
    assert rows[-2] == ["（七）总计", "20", "0", "0", "0", "0", "1", "21"]
    assert rows[-1] == ["四、结转下年度继续办理"] + ["0"] * 7
    assert len(appeals.rows) == 5
    assert appeals.text_rows()[3] == ["0"] * 15
    assert appeals.text_rows()[4] == [""] * 15  # the trailing empty row is kept
    texts = [b.text for b in doc.blocks if b.kind != "table"]
    for h in (
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "六、其他需要报告的事项",
    ):
        assert h in texts
    assert not any("var " in t or "function(" in t for t in texts)
