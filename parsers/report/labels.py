"""What the templates say: canonical row and column keys and the label meanings that find them.

Labels are matched by meaning: each key has keyword patterns that survive typos, renamed
labels, lost group labels and labels broken over lines (see ../shared/spec/ogi-report.md).
Patterns run on `squash_label` output: no whitespace, no numbering, halfwidth brackets.
"""

from __future__ import annotations

import re

from parsers.normalize import normalize_text

TABLES = ("active", "requests", "appeals")

REQUEST_COLS = [
    "natural_person",
    "commercial",
    "research",
    "social_org",
    "legal_service",
    "other_org",
    "total",
]
APPEAL_COLS = ["upheld", "corrected", "other", "pending", "total"]

# Template rows of `active`, with the default column order of each row.
ACTIVE_ROWS = {
    "2019": {
        "regulations": ["new_made", "new_published", "total_published"],
        "normative_documents": ["new_made", "new_published", "total_published"],
        "licensing": ["prev_items", "change", "decisions"],
        "other_management": ["prev_items", "change", "decisions"],
        "punishment": ["prev_items", "change", "decisions"],
        "coercion": ["prev_items", "change", "decisions"],
        "fees": ["prev_items", "change"],
        "procurement": ["projects", "amount"],
    },
    "2021": {
        "regulations": ["issued", "repealed", "in_force"],
        "normative_documents": ["issued", "repealed", "in_force"],
        "licensing": ["decisions"],
        "punishment": ["decisions"],
        "coercion": ["decisions"],
        "fees": ["amount"],
    },
}

REQUEST_ROWS = [
    "new_received",
    "carried_over",
    "granted",
    "partly_granted",
    "withheld_state_secret",
    "withheld_prohibited",
    "withheld_security",
    "withheld_third_party",
    "withheld_internal",
    "withheld_process",
    "withheld_enforcement",
    "withheld_query",
    "unavailable_not_held",
    "unavailable_needs_creation",
    "unavailable_unclear",
    "declined_petition",
    "declined_duplicate",
    "declined_publication",
    "declined_excessive",
    "declined_confirmation",
    "other",
    "other_no_correction",
    "other_unpaid_fee",
    "other_misc",
    "total",
    "carried_forward",
]
OTHER_SPLIT = ["other_no_correction", "other_unpaid_fee", "other_misc"]
OUTCOME_ROWS = REQUEST_ROWS[
    REQUEST_ROWS.index("granted") : REQUEST_ROWS.index("declined_confirmation") + 1
]

APPEAL_ROWS = ["review", "litigation_direct", "litigation_after_review"]

# Row patterns, most specific first; the first pattern that matches a row's label wins.
ACTIVE_ROW_PATTERNS = [
    ("normative_documents", r"规范性文件"),
    ("regulations", r"^规章|规章$|^规章[(（]"),
    ("other_management", r"其他对外管理|对外管理服务"),
    ("licensing", r"行政许可"),
    ("punishment", r"行政处罚"),
    ("coercion", r"行政强制"),
    ("fees", r"事业性收费|行政收费"),
    ("procurement", r"集中采购|政府采购"),
]

REQUEST_ROW_PATTERNS = [
    ("new_received", r"本年新收|本年度新收|新收.*申请"),
    ("carried_forward", r"结转下[一]?年|转下年度"),
    ("carried_over", r"上年结转|上年度结转"),
    ("partly_granted", r"部分公开"),
    ("granted", r"予以公开"),
    ("withheld_state_secret", r"国家秘密"),
    ("withheld_prohibited", r"其他法律|法规禁止|禁止公开|行政止公开"),
    ("withheld_security", r"三安全|一稳定|危及"),
    ("withheld_third_party", r"第三方"),
    ("withheld_internal", r"内部事务"),
    ("withheld_process", r"过程性"),
    ("withheld_enforcement", r"执法案卷"),
    ("withheld_query", r"查询事项|行政查询"),
    ("unavailable_not_held", r"不掌握"),
    ("unavailable_needs_creation", r"另行制作|没有现成"),
    ("unavailable_unclear", r"补正后|仍不明确"),
    ("declined_petition", r"信访|举报投诉"),
    ("declined_duplicate", r"重复申请"),
    ("declined_publication", r"出版物"),
    ("declined_excessive", r"大量反复|反复申请"),
    ("declined_confirmation", r"确认或重新|重新出具|已获取信息"),
    ("other_no_correction", r"不补正"),
    ("other_unpaid_fee", r"缴纳费用|收费通知|未按收费"),
    ("other_misc", r"其他处理.*其他$|^其他$"),
    ("other", r"其他处理"),
    ("total", r"总计$|^合计$"),
]

APPEAL_ROW_PATTERNS = [
    ("litigation_direct", r"未经复议"),
    ("litigation_after_review", r"复议后"),
    ("review", r"行政复议"),
]

# Column headers: a row made of these is a header row, and it sets the column order.
ACTIVE_COL_PATTERNS = [
    ("new_made", r"新制作"),
    ("new_published", r"新公开"),
    ("total_published", r"公开总"),
    ("prev_items", r"上一年|上年项目"),
    ("change", r"增/?减|增减"),
    ("decisions", r"处理决定"),
    ("projects", r"采购项目"),
    ("amount", r"总金额|收费金额|金额"),
    ("issued", r"制发"),
    ("repealed", r"废止"),
    ("in_force", r"现行有效"),
]
REQUEST_HEADER = (
    r"^(自然人|法人或其他组织|商业企业|科研机构|社会公益组织|法律服务机构|申请人情况|总计)$"
)
APPEAL_HEADER = (
    r"^(行政复议|行政诉讼|未经复议直接起诉|复议后起诉|"
    r"结果维持|结果纠正|其他结果|尚未审结|总计|其他)$"
)
APPEAL_COLUMN = r"^(结果维持|结果纠正|其他结果|尚未审结|总计|其他)$"
ACTIVE_HEADER = r"^信息内容$"

_NUMBERING = re.compile(
    r"^(?:[(（]?[一二三四五六七八九十]+[)）、.．]|[(（][0-9]+[)）]|[0-9]+[、.．,，](?![0-9])"
    r"|[0-9]{1,2}(?=[\u4e00-\u9fff]))"
)  # 3其他: OCR lost the dot
_DROP = re.compile(r"[\s“”\"'‘’「」：:，,。;；]")


def squash_label(text: str) -> str:
    """A label reduced to its meaning-bearing characters."""
    s = normalize_text(text)
    s = s.replace("(", "（").replace(")", "）")
    s = _DROP.sub("", s)
    s = s.replace("（", "(").replace("）", ")")
    while True:
        t = _NUMBERING.sub("", s)
        if t == s:
            return s
        s = t


_ROW_PATTERNS = {
    table: [(key, re.compile(pat)) for key, pat in patterns]
    for table, patterns in (
        ("active", ACTIVE_ROW_PATTERNS),
        ("requests", REQUEST_ROW_PATTERNS),
        ("appeals", APPEAL_ROW_PATTERNS),
        ("active columns", ACTIVE_COL_PATTERNS),
    )
}


def match_row(table: str, label: str) -> str | None:
    for key, pat in _ROW_PATTERNS[table]:
        if pat.search(label):
            return key
    return None


def match_active_col(label: str) -> str | None:
    return match_row("active columns", label)
