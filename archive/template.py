"""The national templates of the OGI annual report as they are printed: the six sections, and the
three tables' canonical keys (../shared/spec/ogi-report.md, docs/archive.md) with their printed
labels. The report generator prints them; the publication lays a report's tables out by them.
"""

from __future__ import annotations

ACTIVE_2019 = [  # (band, [(row, label)], [(col, header)])
    (
        "第二十条第（一）项",
        [("regulations", "规章"), ("normative_documents", "规范性文件")],
        [
            ("new_made", "本年新制作数量"),
            ("new_published", "本年新公开数量"),
            ("total_published", "对外公开总数量"),
        ],
    ),
    (
        "第二十条第（五）项",
        [("licensing", "行政许可"), ("other_management", "其他对外管理服务事项")],
        [("prev_items", "上一年项目数量"), ("change", "本年增/减"), ("decisions", "处理决定数量")],
    ),
    (
        "第二十条第（六）项",
        [("punishment", "行政处罚"), ("coercion", "行政强制")],
        [("prev_items", "上一年项目数量"), ("change", "本年增/减"), ("decisions", "处理决定数量")],
    ),
    (
        "第二十条第（八）项",
        [("fees", "行政事业性收费")],
        [("prev_items", "上一年项目数量"), ("change", "本年增/减")],
    ),
    (
        "第二十条第（九）项",
        [("procurement", "政府集中采购")],
        [("projects", "采购项目数量"), ("amount", "采购总金额")],
    ),
]
ACTIVE_2021 = [
    (
        "第二十条第（一）项",
        [("regulations", "规章"), ("normative_documents", "行政规范性文件")],
        [("issued", "本年制发件数"), ("repealed", "本年废止件数"), ("in_force", "现行有效件数")],
    ),
    ("第二十条第（五）项", [("licensing", "行政许可")], [("decisions", "本年处理决定数量")]),
    (
        "第二十条第（六）项",
        [("punishment", "行政处罚"), ("coercion", "行政强制")],
        [("decisions", "本年处理决定数量")],
    ),
    (
        "第二十条第（八）项",
        [("fees", "行政事业性收费")],
        [("amount", "本年收费金额（单位：万元）")],
    ),
]

REQ_COLS = [
    ("natural_person", "自然人"),
    ("commercial", "商业企业"),
    ("research", "科研机构"),
    ("social_org", "社会公益组织"),
    ("legal_service", "法律服务机构"),
    ("other_org", "其他"),
    ("total", "总计"),
]
APPLICANTS = [c for c, _ in REQ_COLS[:-1]]
REQ_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
RESULTS_GROUP = "三、本年度办理结果"
# (row, group label or None, label); group None = a row label over the label columns
REQ_ROWS_HEAD = [
    ("new_received", None, "一、本年新收政府信息公开申请数量"),
    ("carried_over", None, "二、上年结转政府信息公开申请数量"),
]
REQ_OUTCOMES = [
    ("granted", None, "（一）予以公开"),
    ("partly_granted", None, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
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
]
OTHER_ONE = [("other", None, "（六）其他处理")]
OTHER_THREE = [
    (
        "other_no_correction",
        "（六）其他处理",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    ),
    (
        "other_unpaid_fee",
        "（六）其他处理",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    ),
    ("other_misc", "（六）其他处理", "3.其他"),
]
REQ_TAIL = [("total", None, "（七）总计"), ("carried_forward", None, "四、结转下年度继续办理")]

APPEAL_ROWS = [
    ("review", "行政复议"),
    ("litigation_direct", "未经复议直接起诉"),
    ("litigation_after_review", "复议后起诉"),
]
APPEAL_COLS = [
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
]
APPEAL_PARTS = [c for c, _ in APPEAL_COLS[:-1]]

SECTIONS = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
]
