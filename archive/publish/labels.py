"""The Chinese labels of the canonical keys (../shared/spec/ogi-report.md, docs/archive.md), and the
three tables laid out as the national templates print them: for the report page, the chart
legends and the column help."""
from __future__ import annotations

REQUEST_COLS = [("natural_person", "自然人"), ("commercial", "商业企业"), ("research", "科研机构"),
                ("social_org", "社会公益组织"), ("legal_service", "法律服务机构"),
                ("other_org", "其他"), ("total", "总计")]
APPLICANTS = [k for k, _ in REQUEST_COLS[:-1]]

# (row key, group label printed to its left, row label)
REQUEST_ROWS = [
    ("new_received", "", "一、本年新收政府信息公开申请数量"),
    ("carried_over", "", "二、上年结转政府信息公开申请数量"),
    ("granted", "三、本年度办理结果", "（一）予以公开"),
    ("partly_granted", "三、本年度办理结果", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("withheld_state_secret", "（三）不予公开", "1.属于国家秘密"),
    ("withheld_prohibited", "（三）不予公开", "2.其他法律行政法规禁止公开"),
    ("withheld_security", "（三）不予公开", "3.危及“三安全一稳定”"),
    ("withheld_third_party", "（三）不予公开", "4.保护第三方合法权益"),
    ("withheld_internal", "（三）不予公开", "5.属于三类内部事务信息"),
    ("withheld_process", "（三）不予公开", "6.属于四类过程性信息"),
    ("withheld_enforcement", "（三）不予公开", "7.属于行政执法案卷"),
    ("withheld_query", "（三）不予公开", "8.属于行政查询事项"),
    ("unavailable_not_held", "（四）无法提供", "1.本机关不掌握相关政府信息"),
    ("unavailable_needs_creation", "（四）无法提供", "2.没有现成信息需要另行制作"),
    ("unavailable_unclear", "（四）无法提供", "3.补正后申请内容仍不明确"),
    ("declined_petition", "（五）不予处理", "1.信访举报投诉类申请"),
    ("declined_duplicate", "（五）不予处理", "2.重复申请"),
    ("declined_publication", "（五）不予处理", "3.要求提供公开出版物"),
    ("declined_excessive", "（五）不予处理", "4.无正当理由大量反复申请"),
    ("declined_confirmation", "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息"),
    ("other", "三、本年度办理结果", "（六）其他处理"),
    ("other_no_correction", "（六）其他处理",
     "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other_unpaid_fee", "（六）其他处理",
     "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other_misc", "（六）其他处理", "3.其他"),
    ("total", "三、本年度办理结果", "（七）总计"),
    ("carried_forward", "", "四、结转下年度继续办理"),
]
OUTCOME_ROWS = [k for k, _, _ in REQUEST_ROWS
                if k not in ("new_received", "carried_over", "total", "carried_forward")]
BALANCE_ROWS = ["new_received", "carried_over", "total", "carried_forward"]

APPEAL_ROWS = [("review", "行政复议", ""), ("litigation_direct", "行政诉讼", "未经复议直接起诉"),
               ("litigation_after_review", "行政诉讼", "复议后起诉")]
APPEAL_COLS = [("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"),
               ("pending", "尚未审结"), ("total", "总计")]

# table `active`: (the article of the Regulation, its column heads, its rows)
_2019_COUNTS = [("new_made", "本年新制作数量"), ("new_published", "本年新公开数量"),
                ("total_published", "对外公开总数量")]
_2019_ITEMS = [("prev_items", "上一年项目数量"), ("change", "本年增/减"), ("decisions", "处理决定数量")]
ACTIVE = {
    "2019": [
        ("第二十条第（一）项", _2019_COUNTS, [("regulations", "规章"), ("normative_documents", "规范性文件")]),
        ("第二十条第（五）项", _2019_ITEMS, [("licensing", "行政许可"),
                                     ("other_management", "其他对外管理服务事项")]),
        ("第二十条第（六）项", _2019_ITEMS, [("punishment", "行政处罚"), ("coercion", "行政强制")]),
        ("第二十条第（八）项", _2019_ITEMS[:2], [("fees", "行政事业性收费")]),
        ("第二十条第（九）项", [("projects", "采购项目数量"), ("amount", "采购总金额")],
         [("procurement", "政府集中采购")]),
    ],
    "2021": [
        ("第二十条第（一）项", [("issued", "本年制发件数"), ("repealed", "本年废止件数"),
                          ("in_force", "现行有效件数")],
         [("regulations", "规章"), ("normative_documents", "行政规范性文件")]),
        ("第二十条第（五）项", [("decisions", "本年处理决定数量")], [("licensing", "行政许可")]),
        ("第二十条第（六）项", [("decisions", "本年处理决定数量")],
         [("punishment", "行政处罚"), ("coercion", "行政强制")]),
        ("第二十条第（八）项", [("amount", "本年收费金额（单位：万元）")], [("fees", "行政事业性收费")]),
    ],
}

TABLE_TITLES = {"active": "二、主动公开政府信息情况", "requests": "三、收到和处理政府信息公开申请情况",
                "appeals": "四、政府信息公开行政复议、行政诉讼情况"}

TABLE_SHORT = {"active": "主动公开表", "requests": "依申请公开表", "appeals": "复议诉讼表"}

WITHHELD_REASONS = {k[len("withheld_"):]: label[2:] for k, _, label in REQUEST_ROWS
                    if k.startswith("withheld_")}
CHECK_STATUS = {"ok": "核验通过", "fails": "本表算术不符", "incomplete": "缺表或表不全",
                "no_tables": "无统计表"}


def row_label(table: str, row: str) -> str:
    if table == "requests":
        return next((f"{g}{lab}" if g and not lab.startswith(("（", "一", "二", "四")) else lab
                     for k, g, lab in REQUEST_ROWS if k == row), row)
    if table == "appeals":
        return next((f"{a}{'·' + b if b else ''}" for k, a, b in APPEAL_ROWS if k == row), row)
    for sections in ACTIVE.values():
        for _, _, rows in sections:
            for k, lab in rows:
                if k == row:
                    return lab
    return row


def col_label(table: str, col: str) -> str:
    cols = {"requests": REQUEST_COLS, "appeals": APPEAL_COLS}.get(table)
    if cols is None:
        cols = [c for sections in ACTIVE.values() for _, cs, _ in sections for c in cs]
    return dict(cols).get(col, col)
