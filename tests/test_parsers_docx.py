"""DOCX parser on files built with python-docx, merges written into the XML by hand."""

import io
import zipfile

import docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from parsers.formats.docx import parse_docx
from parsers.model import ParseError


def _save(d) -> bytes:
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _set(tc, tag, val=None):
    pr = tc.get_or_add_tcPr()
    el = OxmlElement(tag)
    if val is not None:
        el.set(qn("w:val"), val)
    pr.append(el)


def requests_like_docx() -> bytes:
    """A 4-row table: header cell spanning 3 columns (gridSpan, other tcs removed), a group
    label merged down 2 rows (vMerge restart/continue), and an old-style hMerge."""
    d = docx.Document()
    d.add_heading("三、收到和处理政府信息公开申请情况", level=1)
    d.add_paragraph("正文第一段。")
    t = d.add_table(rows=4, cols=4)
    texts = [
        ["申请人情况", "", "", ""],
        ["三、本年度办理结果", "（一）予以公开", "2", "0"],
        ["", "（二）部分公开", "1", "0"],
        ["总计", "", "3", "0"],
    ]
    for r, row in enumerate(texts):
        for c, text in enumerate(row):
            t.cell(r, c).text = text
    rows = t._tbl.tr_lst
    # row 0: first cell spans columns 0-2 → remove two tcs
    tcs = rows[0].tc_lst
    _set(tcs[0], "w:gridSpan", "3")
    rows[0].remove(tcs[1])
    rows[0].remove(tcs[2])
    # rows 1-2, column 0: vertical merge
    _set(rows[1].tc_lst[0], "w:vMerge", "restart")
    _set(rows[2].tc_lst[0], "w:vMerge")  # no val = continue
    # row 3: old-style horizontal merge of columns 0-1
    _set(rows[3].tc_lst[0], "w:hMerge", "restart")
    _set(rows[3].tc_lst[1], "w:hMerge", "continue")
    d.add_paragraph("表后文字。")
    return _save(d)


def test_order_and_heading():
    doc = parse_docx(requests_like_docx())
    assert doc.format == "docx"
    kinds = [b.kind for b in doc.blocks]
    assert kinds == ["heading", "paragraph", "table", "paragraph"]
    assert doc.blocks[0].text == "三、收到和处理政府信息公开申请情况"
    assert doc.blocks[-1].text == "表后文字。"


def test_gridspan_vmerge_hmerge():
    t = parse_docx(requests_like_docx()).tables()[0]
    assert [(c.text, c.rowspan, c.colspan) for c in t.rows[0]] == [("申请人情况", 1, 3), ("", 1, 1)]
    assert (t.rows[1][0].text, t.rows[1][0].rowspan) == ("三、本年度办理结果", 2)
    assert [c.text for c in t.rows[2]] == ["（二）部分公开", "1", "0"]  # continuation not emitted
    assert [(c.text, c.colspan) for c in t.rows[3]] == [("总计", 2), ("3", 1), ("0", 1)]
    g = t.grid()
    assert len(g) == 4 and all(len(r) == 4 for r in g)
    assert g[0][2].text == "申请人情况" and (g[0][2].row, g[0][2].col) == (0, 0)
    assert g[2][0].text == "三、本年度办理结果" and g[2][0].row == 1
    assert g[3][1].text == "总计" and g[3][2].text == "3"


def test_python_docx_merge_api():
    d = docx.Document()
    t = d.add_table(rows=3, cols=3)
    for r in range(3):
        for c in range(3):
            t.cell(r, c).text = f"{r}{c}"
    t.cell(0, 0).merge(t.cell(0, 1))
    t.cell(1, 2).merge(t.cell(2, 2))
    tab = parse_docx(_save(d)).tables()[0]
    assert tab.rows[0][0].colspan == 2 and tab.rows[1][2].rowspan == 2
    assert [len(r) for r in tab.rows] == [2, 3, 2]
    assert [[c.text if c else None for c in r] for r in tab.grid()] == [
        ["00 01", "00 01", "02"],
        ["10", "11", "12 22"],
        ["20", "21", "12 22"],
    ]


def test_hyperlink_sdt_linebreak_and_cell_lines():
    d = docx.Document()
    p = d.add_paragraph("见")
    link = OxmlElement("w:hyperlink")
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "政府网站"
    run.append(t)
    link.append(run)
    p._p.append(link)
    p.add_run("公开栏目").add_break()
    p.add_run("第二行")
    # a block-level content control around a paragraph
    sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
    inner = d.add_paragraph("控件里的文字")._p
    content.append(inner)
    sdt.append(content)
    d.element.body.insert(len(d.element.body) - 1, sdt)
    tab = d.add_table(rows=1, cols=2)
    tab.cell(0, 0).text = "本年新"
    tab.cell(0, 0).add_paragraph("公开数量")
    tab.cell(0, 1).text = "１２"  # fullwidth digits are normalised
    doc = parse_docx(_save(d))
    texts = [b.text for b in doc.blocks if b.kind == "paragraph"]
    assert texts == ["见政府网站公开栏目", "第二行", "控件里的文字"]
    assert doc.tables()[0].text_rows() == [["本年新公开数量", "12"]]


def test_bad_files():
    with pytest.raises(ParseError, match="corrupt DOCX"):
        parse_docx(b"PK\x03\x04 this is no zip at all")
    with pytest.raises(ParseError, match="password-protected"):
        parse_docx(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(ParseError, match="empty"):
        parse_docx(b"")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "not word")
    with pytest.raises(ParseError):
        parse_docx(buf.getvalue())
    good = requests_like_docx()
    with pytest.raises(ParseError, match="corrupt DOCX"):
        parse_docx(good[: len(good) // 2])
