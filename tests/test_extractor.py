"""The extractor on small documents built here, one kind of drift at a time."""

import json

import pytest

from ogi.cli import main
from parsers.report import labels as L
from parsers.report.checks import compute_checks
from parsers.model import Block, Cell, Document, Table
from parsers.report import extract
from parsers.formats.text import parse_text
from parsers.report.values import Value, read_value

REQ_LABELS_2021 = [
    ("new_received", ["一、本年新收政府信息公开申请数量"]),
    ("carried_over", ["二、上年结转政府信息公开申请数量"]),
    ("granted", ["三、本年度办理结果", "（一）予以公开"]),
    ("partly_granted", ["（二）部分公开（区分处理的，只计这一情形，不计其他情形）"]),
    ("withheld_state_secret", ["（三）不予公开", "1.属于国家秘密"]),
    ("withheld_prohibited", ["2.其他法律行政法规禁止公开"]),
    ("withheld_security", ["3.危及“三安全一稳定”"]),
    ("withheld_third_party", ["4.保护第三方合法权益"]),
    ("withheld_internal", ["5.属于三类内部事务信息"]),
    ("withheld_process", ["6.属于四类过程性信息"]),
    ("withheld_enforcement", ["7.属于行政执法案卷"]),
    ("withheld_query", ["8.属于行政查询事项"]),
    ("unavailable_not_held", ["（四）无法提供", "1.本机关不掌握相关政府信息"]),
    ("unavailable_needs_creation", ["2.没有现成信息需要另行制作"]),
    ("unavailable_unclear", ["3.补正后申请内容仍不明确"]),
    ("declined_petition", ["（五）不予处理", "1.信访举报投诉类申请"]),
    ("declined_duplicate", ["2.重复申请"]),
    ("declined_publication", ["3.要求提供公开出版物"]),
    ("declined_excessive", ["4.无正当理由大量反复申请"]),
    ("declined_confirmation", ["5.要求行政机关确认或重新出具已获取信息"]),
    (
        "other_no_correction",
        ["（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"],
    ),
    (
        "other_unpaid_fee",
        ["2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"],
    ),
    ("other_misc", ["3.其他"]),
    ("total", ["（七）总计"]),
    ("carried_forward", ["四、结转下年度继续办理"]),
]


def requests_table(values, labels=REQ_LABELS_2021):
    rows = [
        [
            Cell("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"),
            Cell("申请人情况", colspan=7),
        ],
        [Cell(""), Cell("自然人"), Cell("法人或其他组织", colspan=5), Cell("总计")],
        [
            Cell(""),
            Cell(""),
            Cell("商业企业"),
            Cell("科研机构"),
            Cell("社会公益组织"),
            Cell("法律服务机构"),
            Cell("其他"),
            Cell(""),
        ],
    ]
    for key, label in labels:
        rows.append([Cell(x) for x in label] + [Cell(str(v)) for v in values[key]])
    return Table(rows=rows)


def consistent_values():
    v = {key: [0] * 7 for key, _ in REQ_LABELS_2021}
    v["new_received"] = [3, 1, 0, 0, 0, 0, 4]
    v["granted"] = [2, 1, 0, 0, 0, 0, 3]
    v["other_misc"] = [1, 0, 0, 0, 0, 0, 1]
    v["total"] = [3, 1, 0, 0, 0, 0, 4]
    return v


def doc_of(*blocks):
    return Document(blocks=list(blocks), format="test")


def heading(text):
    return Block("paragraph", text)


APPEALS = Table(
    rows=[
        [Cell("行政复议", colspan=5), Cell("行政诉讼", colspan=10)],
        [
            Cell("结果维持", rowspan=2),
            Cell("结果纠正", rowspan=2),
            Cell("其他结果", rowspan=2),
            Cell("尚未审结", rowspan=2),
            Cell("总计", rowspan=2),
            Cell("未经复议直接起诉", colspan=5),
            Cell("复议后起诉", colspan=5),
        ],
        [Cell(x) for x in ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2],
        [Cell(str(x)) for x in [1, 0, 0, 1, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]],
    ]
)


def test_2021_report_three_other_rows_and_merged_headers():
    doc = doc_of(
        heading("某某县人民政府2022年政府信息公开工作年度报告"),
        heading("三、收到和处理政府信息公开申请情况"),
        Block("table", table=requests_table(consistent_values())),
        heading("四、政府信息公开行政复议、行政诉讼情况"),
        Block("table", table=APPEALS),
    )
    rec = extract(doc)
    assert rec["year"] == 2022 and rec["template"] == "2021" and rec["agency"] == "某某县人民政府"
    req = rec["tables"]["requests"]
    assert req["other_misc"]["natural_person"] == 1 and "other" not in req
    assert req["new_received"] == dict(zip(L.REQUEST_COLS, [3, 1, 0, 0, 0, 0, 4], strict=True))
    assert rec["tables"]["appeals"]["review"] == {
        "upheld": 1,
        "corrected": 0,
        "other": 0,
        "pending": 1,
        "total": 2,
    }
    assert rec["tables"]["appeals"]["litigation_after_review"]["total"] == 0
    # printed 0 where 1 is due: flagged, never repaired
    assert rec["checks"] == ["active.missing", "appeals.row_total:litigation_after_review"]


def test_table_split_in_two_and_lost_group_label():
    values = consistent_values()
    labels = [(k, [x for x in lab if x != "（三）不予公开"]) for k, lab in REQ_LABELS_2021]
    whole = requests_table(values, labels)
    first, second = Table(rows=whole.rows[:12]), Table(rows=whole.rows[12:])
    rec = extract(
        doc_of(
            heading("三、收到和处理政府信息公开申请情况"),
            Block("table", table=first),
            Block("paragraph", text="- 3 -"),
            Block("table", table=second),
        )
    )
    req = rec["tables"]["requests"]
    assert list(req) == [k for k, _ in REQ_LABELS_2021]
    assert req["withheld_state_secret"]["total"] == 0
    assert "requests.incomplete" not in rec["checks"]


@pytest.mark.parametrize(
    "label,key",
    [
        ("2.其他法律行政止公开", "withheld_prohibited"),
        ("2、其他法律行政法规禁止公开", "withheld_prohibited"),
        ("（二）部分公开（区分处理的，只计这一情 形，不计其他情形）", "partly_granted"),
        ("4.无正当理由大量反复 申请", "declined_excessive"),
        ("5.要求行政机关确认或重 新出具已获取信息", "declined_confirmation"),
        ("⼀、本年新收政府信息公开申请数量", "new_received"),
        ("(七)总计", "total"),
        ("四、结转下年度继续办理", "carried_forward"),
    ],
)
def test_request_labels_by_meaning(label, key):
    assert L.match_row("requests", L.squash_label(label)) == key


@pytest.mark.parametrize(
    "label,key",
    [
        ("行政规范性文件", "normative_documents"),
        ("规范性文件 (有规范性文件登记号)", "normative_documents"),
        ("规章", "regulations"),
        ("其他对外管理服务事项", "other_management"),
        ("行政事业性收费", "fees"),
        ("政府集中采购", "procurement"),
    ],
)
def test_active_labels_by_meaning(label, key):
    assert L.match_row("active", L.squash_label(label)) == key


@pytest.mark.parametrize(
    "text,value",
    [
        ("0", Value(0)),
        ("+1", Value(1)),
        ("-3", Value(-3)),
        ("１２", Value(12)),
        (" 7 ", Value(7)),
        ("998.435698万元", Value(998.435698, "万元")),
        ("25211 元", Value(25211, "元")),
        ("73802895.90元", Value(73802895.9, "元")),
        ("", Value(None)),
        ("\xa0", Value(None)),
        ("[bookmark: _GoBack]+1", Value(1)),
        ("1,234", Value(1234)),
        ("行政许可", None),
        ("一、", None),
        ("其他", None),
        ("人4", Value(None, unreadable=True)),
        ("1O", Value(None, unreadable=True)),
        ("?", Value(None, unreadable=True)),
        ("?5284", Value(None, unreadable=True)),
    ],
)
def test_cell_values(text, value):
    assert read_value(text) == value


def test_ocr_noise_in_a_value_cell_is_null_not_a_label():
    row = [Cell(x) for x in ["5.属于三类内部事务信息", "3", "0", "0", "0", "0", "1", "人4"]]
    rec = extract(
        doc_of(
            heading("三、收到和处理政府信息公开申请情况"), Block("table", table=Table(rows=[row]))
        )
    )
    assert rec["tables"]["requests"]["withheld_internal"] == dict(
        zip(L.REQUEST_COLS, [3, 0, 0, 0, 0, 1, None], strict=True)
    )


def test_checks_skip_nulls_and_report_each_violation():
    cols = L.REQUEST_COLS
    req = {
        k: dict(zip(cols, [0] * 7, strict=True)) for k in L.REQUEST_ROWS if k not in L.OTHER_SPLIT
    }
    req["new_received"] = dict(zip(cols, [2, 0, 0, 0, 0, 0, 1], strict=True))  # row total wrong
    req["granted"] = dict(zip(cols, [1, 0, 0, 0, 0, 0, 1], strict=True))
    req["total"] = dict(
        zip(cols, [2, 0, 0, 0, 0, 0, None], strict=True)
    )  # outcome sum 1 ≠ 2; total blank
    tables = {
        "active": None,
        "requests": req,
        "appeals": {"review": dict(zip(L.APPEAL_COLS, [1, 0, 0, 0, 0], strict=True))},
    }
    assert compute_checks(tables, "2019") == [
        "active.missing",
        "appeals.incomplete",
        "requests.row_total:new_received",
        "requests.outcome_total:natural_person",
        "appeals.row_total:review",
    ]


SEED_LIKE_CELL_LINES = (
    "二、主动公开政府信息情况\n\t第二十条第（一）项\n\n\t信息内容\n\t本年新制作数量\n"
    "\t本年新\n公开数量\n\t对外公开\n总数量\n\n\t规章\n\t1\n\t0\n\t5\n\n"
)
SEED_LIKE_PIPES = (
    "二、主动公开政府信息情况\n信息内容 |\n本年新制作数量 |\n本年新公开数量 |\n"
    "对外公开总数量 |\n||\n规章 |\n1 |\n|\n5 |\n||\n"
)
SEED_LIKE_TABS = (
    "二、主动公开政府信息情况\n第二十条第（一）项\t\t\t\n"
    "信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量\n规章\t1\t\t5\n"
)
SEED_LIKE_FLAT = (
    "二、主动公开政府信息情况\n信息内容 本年新制作数量 本年新公开数量 对外公开总数量\n规章 1 0 5\n"
)


@pytest.mark.parametrize(
    "text,expected",
    [
        (SEED_LIKE_CELL_LINES, [1, 0, 5]),
        (SEED_LIKE_PIPES, [1, None, 5]),
        (SEED_LIKE_TABS, [1, None, 5]),
        (SEED_LIKE_FLAT, [1, 0, 5]),
    ],
)
def test_text_flattenings(text, expected):
    rec = extract(parse_text(("2020年政府信息公开工作年度报告\n" + text).encode("gb18030")))
    assert rec["template"] == "2019"
    assert rec["tables"]["active"]["regulations"] == dict(
        zip(["new_made", "new_published", "total_published"], expected, strict=True)
    )


def test_cli_reports_bad_files_and_goes_on(tmp_path, capsys):
    good = tmp_path / "good.txt"
    good.write_text("2020年政府信息公开工作年度报告\n" + SEED_LIKE_TABS, encoding="utf-8")
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    missing = tmp_path / "missing.docx"
    status = main(["extract", str(empty), str(missing), str(good)])
    out, err = capsys.readouterr()
    assert status == 1
    assert json.loads(out.strip())["year"] == 2020
    lines = err.strip().splitlines()
    assert len(lines) == 2 and all("Traceback" not in x for x in lines)
    assert "empty" in lines[0] and "missing.docx" in lines[1]


def test_lone_header_cell_does_not_capture_the_appeals_values():
    rows = [[Cell("行政复议"), Cell("行政诉讼")], [Cell("总计")], [Cell(str(x)) for x in range(15)]]
    rec = extract(
        doc_of(
            heading("四、政府信息公开行政复议、行政诉讼情况"),
            Block("table", table=Table(rows=rows)),
        )
    )
    assert "total" not in (rec["tables"]["requests"] or {})
    assert rec["tables"]["appeals"]["litigation_after_review"] == dict(
        zip(L.APPEAL_COLS, [10, 11, 12, 13, 14], strict=True)
    )


def test_appeals_with_group_and_leaf_labels_and_wrapped_values():
    labelled = [
        [Cell("行政复议", colspan=2)] + [Cell(x) for x in "10102"],
        [Cell("行政诉讼", rowspan=2), Cell("未经复议直接起诉")] + [Cell(x) for x in "02103"],
        [Cell("复议后起诉")] + [Cell(x) for x in "11002"],
    ]
    rec = extract(
        doc_of(
            heading("四、政府信息公开行政复议、行政诉讼情况"),
            Block("table", table=Table(rows=labelled)),
        )
    )
    assert rec["tables"]["appeals"]["litigation_direct"] == dict(
        zip(L.APPEAL_COLS, [0, 2, 1, 0, 3], strict=True)
    )
    assert rec["tables"]["appeals"]["litigation_after_review"] == dict(
        zip(L.APPEAL_COLS, [1, 1, 0, 0, 2], strict=True)
    )
    wrapped = [
        [Cell("行政复议"), Cell("行政诉讼")],
        [Cell(str(x)) for x in range(8)],
        [Cell(str(x)) for x in range(8, 15)],
    ]
    rec = extract(
        doc_of(
            heading("四、政府信息公开行政复议、行政诉讼情况"),
            Block("table", table=Table(rows=wrapped)),
        )
    )
    assert rec["tables"]["appeals"]["litigation_after_review"] == dict(
        zip(L.APPEAL_COLS, [10, 11, 12, 13, 14], strict=True)
    )


def test_last_section_stops_at_the_web_page_footer():
    doc = doc_of(
        *(
            heading(x)
            for x in [
                "某某区2021年政府信息公开工作年度报告",
                "五、存在的主要问题及改进情况",
                "问题。",
                "六、其他需要报告的事项",
                "本年度未收取信息处理费。",
                "附件下载",
                "友情链接",
                "国家税务总局某某区税务局",
                "版权所有：某某区人民政府",
            ]
        )
    )
    assert extract(doc)["sections"][-1] == {
        "number": 6,
        "heading": "六、其他需要报告的事项",
        "text": "本年度未收取信息处理费。",
    }
