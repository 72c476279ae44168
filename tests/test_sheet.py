"""Spreadsheets (.xlsx, .xls) are read as tables, merged cells as spans."""

import io

import openpyxl
import pytest

from parsers import extract_bytes, parse_bytes
from parsers.model import ParseError
from synthetic.render_sheet import SHAPES, render_xlsx


def _xlsx() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "申请情况"
    ws.append(["", "", "申请人情况", None, None])
    ws.append(["", "", "自然人", "商业企业", "总计"])
    ws.append(["一、本年新收政府信息公开申请数量", None, 12, 3.0, 15])
    ws.append(["二、上年结转政府信息公开申请数量", None, 0, None, 0.5])
    ws.merge_cells("A1:B2")
    ws.merge_cells("C1:E1")
    ws.merge_cells("A3:B3")
    ws.merge_cells("A4:B4")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_table_with_spans():
    doc = parse_bytes(_xlsx(), name="报表.xlsx")
    assert doc.format == "xlsx"
    (table,) = doc.tables()
    assert (table.rows[0][0].rowspan, table.rows[0][0].colspan) == (2, 2)
    assert table.rows[0][1].text == "申请人情况" and table.rows[0][1].colspan == 3
    grid = table.grid()
    assert [g.text for g in grid[2]] == ["一、本年新收政府信息公开申请数量"] * 2 + ["12", "3", "15"]
    assert grid[3][3].text == "" and grid[3][4].text == "0.5"  # blank stays blank


def test_xlsx_sniffed_despite_wrong_name():
    assert parse_bytes(_xlsx(), name="report.pdf").format == "xlsx"


def test_xls_through_libreoffice_round_trip(tmp_path):
    from parsers.formats.office import convert

    xls = convert(_xlsx(), "xlsx", "xls")
    doc = parse_bytes(xls, name="a.xls")
    assert doc.format == "xls"
    grid = doc.tables()[0].grid()
    assert [g.text for g in grid[2]][2:] == ["12", "3", "15"]
    assert grid[0][2].text == "申请人情况" and grid[0][4].text == "申请人情况"


def test_broken_xlsx_is_a_parse_error():
    data = _xlsx()
    with pytest.raises(ParseError):
        parse_bytes(data[: len(data) // 2], name="a.xlsx")


@pytest.mark.parametrize("shape", SHAPES)
def test_generated_report_as_a_workbook_extracts_exactly(shape):
    """A portal's 统计表 export: section titles as merged rows above each table (above table
    四's three header rows too), a sheet per table or all on one sheet."""
    from synthetic.report import generate_report
    from synthetic.score import score

    rep = generate_report(77_000, pages=4)
    record = extract_bytes(render_xlsx(rep, layout="template", shape=shape), name="r.xlsx")
    s = score(rep.record, record)
    assert s.accuracy == 1.0, s.wrong[:5]
