"""The long tail's formats one by one: ZIP/RAR members under the limits, MHT, OFD, where
pictures are read, compilations, titles in other orders, zeros printed as blanks."""

from __future__ import annotations

import base64
import io
import quopri
import zipfile

import pytest

import parsers
from parsers.formats.containers import MAX_MEMBERS, unpack
from parsers.formats.sniff import sniff_format
from parsers.model import Block, Document, ParseError, Table
from parsers.report.checks import compute_checks
from parsers.report.metadata import find_agency, find_title, find_year
from synthetic.render_archive import rar_bytes, zip_bytes
from synthetic.report import generate_report


def _members(data: bytes, fmt: str | None = None):
    return {m.path: (m.data, m.error) for m in unpack(data, fmt or sniff_format(data))}


# --- archives of attachments ------------------------------------------------------------------


def test_zip_members_with_gbk_names_are_documents():
    data = zip_bytes([("2023年年度报告.pdf", b"%PDF-1.4 x"), ("说明.txt", "说明".encode("gbk"))])
    got = _members(data)
    assert got == {
        "2023年年度报告.pdf": (b"%PDF-1.4 x", None),
        "说明.txt": ("说明".encode("gbk"), None),
    }


def test_zip_refuses_traversal_links_and_deep_nesting():
    inner = zip_bytes([("a.txt", b"1"), ("deeper.zip", zip_bytes([("b.txt", b"2")]))])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../../etc/passwd", b"x")
        zf.writestr("/abs.txt", b"x")
        zf.writestr("C:/windows.txt", b"x")
        link = zipfile.ZipInfo("link.pdf")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, b"/etc/passwd")
        zf.writestr("ok.txt", b"fine")
        zf.writestr("in.zip", inner)
    got = _members(buf.getvalue())
    assert got["ok.txt"] == (b"fine", None)
    assert got["in.zip/a.txt"] == (b"1", None)  # one archive inside another is opened
    for name in ("../../etc/passwd", "/abs.txt", "C:/windows.txt"):
        assert got[name][0] is None and "path traversal" in got[name][1]
    assert got["link.pdf"][0] is None and "link" in got["link.pdf"][1]
    assert (
        got["in.zip/deeper.zip"][0] is None and "nested too deeply" in got["in.zip/deeper.zip"][1]
    )


def test_zip_bombs_and_too_many_members_are_refused():
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.txt", b"0" * (50 * 2**20))
    with pytest.raises(ParseError, match="bomb"):
        unpack(bomb.getvalue(), "zip")
    many = zip_bytes([(f"{i}.txt", b"x") for i in range(MAX_MEMBERS + 1)])
    with pytest.raises(ParseError, match="too many members"):
        unpack(many, "zip")


def test_rar_members_extracted_by_unar_and_traversal_refused():
    data = rar_bytes(
        [("report.pdf", b"%PDF-1.4 report"), ("../evil.txt", b"x"), ("sub/readme.txt", b"hello")]
    )
    assert sniff_format(data) == "rar"  # before the %PDF the stored member carries
    got = _members(data)
    assert got["report.pdf"] == (b"%PDF-1.4 report", None)
    assert got["sub/readme.txt"] == (b"hello", None)
    assert got["../evil.txt"][0] is None and "path traversal" in got["../evil.txt"][1]


def test_an_archive_is_no_document_but_extract_lists_its_members():
    rep = generate_report(4242, pages=3)
    from synthetic.render_archive import render_zipped

    data = render_zipped(rep, "pdf", "zip")
    with pytest.raises(ParseError, match="not a document"):
        parsers.parse_bytes(data, name="a.zip")
    from parsers.runner import run_guarded

    res = run_guarded(data, name="a.zip")
    rec = res.record
    assert rec["format"] == "zip" and len(rec["members"]) == 3
    report = next(m for m in rec["members"] if m["path"].endswith(".pdf"))
    assert report["record"]["tables"]["requests"] == rep.record["tables"]["requests"]


# --- MHT --------------------------------------------------------------------------------------


def _mht(html: str, charset: str, encoding: str = "quoted-printable", parts=()) -> bytes:
    body = html.encode(charset)
    payload = (
        quopri.encodestring(body) if encoding == "quoted-printable" else base64.encodebytes(body)
    )
    out = [
        b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="B"\r\n\r\n--B\r\n',
        f"Content-Location: file:///C:/x/report.htm\r\nContent-Transfer-Encoding: {encoding}"
        f'\r\nContent-Type: text/html; charset="{charset}"\r\n\r\n'.encode(),
        payload,
    ]
    for loc, data in parts:
        out.append(
            f"\r\n--B\r\nContent-Location: {loc}\r\nContent-Transfer-Encoding: base64\r\n"
            "Content-Type: image/png\r\n\r\n".encode()
            + base64.encodebytes(data)
        )
    out.append(b"\r\n--B--\r\n")
    return b"".join(out)


@pytest.mark.parametrize("charset,encoding", [("gb2312", "quoted-printable"), ("utf-8", "base64")])
def test_mht_is_read_as_the_page_it_wraps(charset, encoding):
    html = (
        "<html><head><meta http-equiv=Content-Type content='text/html; charset=gb2312'>"
        "</head><body><p>青石县人民政府2023年政府信息公开工作年度报告</p><table border=1>"
        "<tr><td>行政许可</td><td>12</td></tr><tr><td>行政处罚</td><td>3</td></tr></table>"
        "<p><img src='report.files/image001.png'></p></body></html>"
    )
    data = _mht(html, charset, encoding, [("file:///C:/x/report.files/image001.png", b"\x89PNG")])
    assert sniff_format(data, name="report.doc") == "mht"
    from parsers.formats.mht import parse_mht

    doc = parse_mht(data)
    assert doc.format == "mht"
    assert "青石县人民政府2023年政府信息公开工作年度报告" in doc.text()
    assert doc.tables()[0].text_rows() == [["行政许可", "12"], ["行政处罚", "3"]]
    assert [b.image for b in doc.blocks if b.kind == "image"] == [b"\x89PNG"]


# --- OFD --------------------------------------------------------------------------------------


def _ofd(content: str, template: str = "") -> bytes:
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(
            "OFD.xml",
            f"<ofd:OFD {ns}><ofd:DocBody><ofd:DocInfo><ofd:Title>t</ofd:Title>"
            "<ofd:Author>青石县民政局</ofd:Author></ofd:DocInfo>"
            "<ofd:DocRoot>/Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        )
        tpl = '<ofd:TemplatePage ID="9" BaseLoc="Tpls/Tpl_0/Content.xml"/>' if template else ""
        zf.writestr(
            "Doc_0/Document.xml",
            f"<ofd:Document {ns}><ofd:CommonData><ofd:PageArea>"
            f"<ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>{tpl}"
            '</ofd:CommonData><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/'
            'Content.xml"/></ofd:Pages></ofd:Document>',
        )
        use = '<ofd:Template TemplateID="9"/>' if template else ""
        zf.writestr(
            "Doc_0/Pages/Page_0/Content.xml",
            f"<ofd:Page {ns}>{use}<ofd:Content>"
            f"<ofd:Layer>{content}</ofd:Layer></ofd:Content></ofd:Page>",
        )
        if template:
            zf.writestr(
                "Doc_0/Tpls/Tpl_0/Content.xml",
                f"<ofd:Page {ns}><ofd:Content><ofd:Layer>"
                f"{template}</ofd:Layer></ofd:Content></ofd:Page>",
            )
    return buf.getvalue()


def _text(x, y, text, deltas="", size=4):
    dx = f' DeltaX="{deltas}"' if deltas else ""
    return (
        f'<ofd:TextObject Boundary="{x} {y - size} 150 {size * 1.5}" Size="{size}">'
        f'<ofd:TextCode X="0" Y="{size}"{dx}>{text}</ofd:TextCode></ofd:TextObject>'
    )


def test_ofd_text_placed_by_deltax_and_ruled_cells():
    rules = "".join(
        f'<ofd:PathObject Boundary="0 0 210 297"><ofd:AbbreviatedData>M 20 {y} L 120 {y}'
        "</ofd:AbbreviatedData></ofd:PathObject>"
        for y in (100, 110, 120)
    )
    rules += "".join(
        f'<ofd:PathObject Boundary="0 0 210 297" CTM="1 0 0 1 {x} 0"><ofd:AbbreviatedData>'
        "M 0 100 L 0 120</ofd:AbbreviatedData></ofd:PathObject>"
        for x in (20, 60, 90, 120)
    )
    cells = (
        _text(22, 106, "行政许可", "g 3 4")
        + _text(62, 106, "12", "2")
        + _text(92, 106, "5")
        + _text(22, 116, "行政处罚", "g 3 4")
        + _text(62, 116, "3")
        + _text(92, 116, "0")
    )
    data = _ofd(
        _text(30, 40, "青石县民政局2023年政府信息公开工作年度报告", "g 22 4") + rules + cells,
        template=_text(100, 285, "- 1 -", "1.5 1.5"),
    )
    assert sniff_format(data, name="x.bin") == "ofd"
    doc = parsers.parse_bytes(data, name="r.ofd")
    assert doc.format == "ofd" and doc.meta == {"author": "青石县民政局"}
    assert doc.blocks[0].text == "青石县民政局2023年政府信息公开工作年度报告"
    assert doc.tables()[0].text_rows() == [["行政许可", "12", "5"], ["行政处罚", "3", "0"]]


# --- where pictures are read ------------------------------------------------------------------


def test_pictures_are_read_only_where_a_table_belongs():
    from parsers.formats.pictures import _where_tables_belong

    pic = Block("image", image=b"x")
    table = Block("table", table=Table())
    blocks = [
        Block("paragraph", "一、总体情况"),
        pic,
        Block("paragraph", "二、主动公开政府信息情况"),
        table,
        pic,
        Block("paragraph", "三、收到和处理政府信息公开申请情况"),
        pic,
        Block("paragraph", "四、政府信息公开行政复议、行政诉讼情况"),
        pic,
        Block("paragraph", "五、存在的主要问题及改进情况"),
        pic,
    ]
    # 一 and 五 hold no table; 二 prints its table as text; 三 and 四 only as pictures
    assert _where_tables_belong(blocks) == {6, 8}
    # no section headings: pictures are read when the document prints no table at all
    assert _where_tables_belong([Block("paragraph", "报告"), pic, pic]) == {1, 2}
    assert _where_tables_belong([table, pic]) == set()


def test_a_picture_is_scaled_to_a_scans_row_height():
    from PIL import Image, ImageDraw

    from parsers.formats.pictures import ROW_PX, scale_for

    img = Image.new("L", (600, 300), 255)
    draw = ImageDraw.Draw(img)
    for y in range(10, 290, 24):  # rows 24 px apart, as a 96 dpi screenshot prints them
        draw.line((10, y, 590, y), fill=0, width=1)
    assert scale_for(img) == pytest.approx(ROW_PX / 24, rel=0.05)
    assert scale_for(Image.new("L", (600, 300), 255)) == pytest.approx(300 / 96)


# --- compilations ----------------------------------------------------------------------------


def _report_lines(title: str) -> list[Block]:
    heads = [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]
    return [Block("heading", title)] + [
        b for h in heads for b in (Block("heading", h), Block("paragraph", "正文。"))
    ]


def test_a_compilation_is_split_but_a_cover_contents_and_running_header_are_not():
    from parsers.report.compilation import split_reports

    a, b = (
        "青石县东城街道办事处2023年政府信息公开工作年度报告",
        "青石县南湖镇人民政府2023年政府信息公开工作年度报告",
    )
    cover = [
        Block("heading", "青石县2023年度政府信息公开工作年度报告汇编"),
        Block("paragraph", "目录"),
        Block("paragraph", f"1.{a}……3"),
        Block("paragraph", f"2.{b}……9"),
    ]
    parts = split_reports(Document(blocks=cover + _report_lines(a) + _report_lines(b)))
    assert [p.blocks[0].text for p in parts] == [a, b]
    rec = parsers.report.extract(Document(blocks=cover + _report_lines(a) + _report_lines(b)))
    assert [r["agency"] for r in rec["reports"]] == ["青石县东城街道办事处", "青石县南湖镇人民政府"]
    # one report whose title a page header repeats before its 一、总体情况 is one report
    one = [
        Block("heading", a),
        Block("paragraph", "前言。"),
        Block("paragraph", a),
    ] + _report_lines(a)[1:]
    assert split_reports(Document(blocks=one)) is None


# --- titles in other orders ------------------------------------------------------------------


@pytest.mark.parametrize(
    "lines,meta,agency,year",
    [
        (["2019年国务院办公厅政府信息公开工作年度报告", "正文。"], {}, "国务院办公厅", 2019),
        (
            ["2021年政府信息公开工作年度报告", "正文。", "青石县民政局", "- 4 -", "2022年1月20日"],
            {},
            "青石县民政局",
            2021,
        ),
        (
            ["2021年政府信息公开工作年度报告", "正文。", "青石县民政局 2022年1月20日"],
            {},
            "青石县民政局",
            2021,
        ),
        (
            [
                "发布机构：青石县审计局 发布日期：2022-01-20",
                "2021年政府信息公开工作年度报告",
                "正文。",
                "2022年1月20日",
            ],
            {},
            "青石县审计局",
            2021,
        ),
        (
            ["2021年政府信息公开工作年度报告", "正文。", "2022年1月20日"],
            {"author": "Administrator"},
            None,
            2021,
        ),
        (
            ["2021年政府信息公开工作年度报告", "正文。", "2022年1月20日"],
            {"publisher": "青石县统计局"},
            "青石县统计局",
            2021,
        ),
    ],
)
def test_the_body_whatever_the_titles_word_order(lines, meta, agency, year):
    doc = Document(blocks=[Block("paragraph", x) for x in lines], meta=meta)
    title, i = find_title(doc, lines)
    assert find_agency(title, lines, i, meta) == agency
    assert find_year(title, lines) == year


# --- zeros printed as blanks ------------------------------------------------------------------


def test_checks_a_blank_makes_unevaluable_are_skipped_not_failed():
    rep = generate_report(
        777, zeros_blank=True, arithmetic_errors=False, truncate=None, blanks=False
    )
    tables = rep.record["tables"]
    assert any(
        v is None
        for rows in tables.values()
        if rows
        for cols in rows.values()
        for v in cols.values()
    )
    assert compute_checks(tables, rep.template) == []  # nothing fails for want of a zero
    req = {r: dict(cols) for r, cols in tables["requests"].items()}
    req["total"] = {c: None for c in req["total"]}  # a blank 总计 row
    assert not [
        c
        for c in compute_checks({**tables, "requests": req}, rep.template)
        if "outcome_total" in c or "balance" in c
    ]


# --- a PDF's own OCR layer --------------------------------------------------------------------


def test_the_layers_characters_follow_the_page_when_it_is_deskewed():
    from PIL import Image, ImageDraw

    from parsers.formats.ocr.deskew import rotated

    img = Image.new("L", (1000, 800), 255)
    ImageDraw.Draw(img).ellipse((895, 95, 905, 105), fill=0)
    for angle in (1.5, -1.5):
        bbox = img.rotate(angle, fillcolor=255).point(lambda v: 255 if v < 128 else 0).getbbox()
        ((_, x, y),) = rotated([("1", 900, 100)], angle, img.size)
        assert abs(x - (bbox[0] + bbox[2]) / 2) < 1.5 and abs(y - (bbox[1] + bbox[3]) / 2) < 1.5


def test_a_number_the_layer_reads_otherwise_is_set_aside_unless_we_are_sure():
    from parsers.formats.ocr.cells import _against_layer

    boxes = [(0, 0, 100, 50), (100, 0, 200, 50), (200, 0, 300, 50), (300, 0, 400, 50)]
    layer = [
        ("4", 40, 25),
        ("1", 55, 25),
        ("1", 140, 25),
        ("1", 155, 25),
        ("8", 250, 25),
        ("囗", 350, 25),
    ]
    texts = ["11", "11", "3", "7"]
    assert _against_layer(texts, boxes, layer, sure={2}) == 1
    # 41 ≠ 11: set aside; 11 agrees; 8 ≠ 3 but our three readings were sure; 囗 says nothing
    assert texts == ["?11", "11", "3", "7"]
