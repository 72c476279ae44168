"""Datasette metadata: titles, column descriptions (中文 · English), facets, canned queries and
the chart dashboard (datasette-dashboards)."""
from __future__ import annotations

from archive.schema import FIGURE_COLUMNS, WITHHELD

DB = "ogi"  # the published file is ogi.db, served at /ogi

TABLES = {
    "agencies": ("发布报告的机关 · Bodies that publish reports", {
        "name": "机关名称（报告所署）· Body name as the report prints it",
        "region_code": "所属门户的行政区划代码（GB/T 2260）· Region code of the portal it was found on",
        "province": "省 · Province", "city": "市 · City (prefecture level)",
        "county": "县/区 · County or district",
        "level": "门户所属政府层级 · Level of the portal's government",
        "portal": "发现报告的门户 · Portal the report was found on",
    }),
    "reports": ("政府信息公开工作年度报告，一份文件一行 · OGI annual reports, one row per document", {
        "id": "报告编号 · Report id",
        "sha256": "原始文件的 SHA-256 · SHA-256 of the raw file",
        "title": "标题 · Title", "agency": "机关 · Body",
        "year": "报告年度 · Year reported on", "template": "表格模板（2019 或 2021）· Table template",
        "published": "落款日期（如有）· Date printed on the report, if any",
        "province": "省 · Province", "city": "市 · City", "county": "县/区 · County",
        "portal": "门户 · Portal",
        "url": "原始网址 · Original URL",
        "raw": "原始文件下载（不渲染）· Download of the raw capture (never rendered)",
        "capture_id": "抓取记录 · The capture this report was parsed from",
        "fetched_at": "抓取时间（UTC）· Fetched at (UTC)",
        "content_type": "HTTP 内容类型 · HTTP content type", "size": "字节数 · Size in bytes",
        "parse_status": "解析状态：ok / no_tables（无统计表的页面）/ parse_error / timeout / memory / error / crashed · Parse status",
        "error": "解析失败原因 · Why parsing failed",
        "check_status": "核验结果：ok / fails（本表算术不符）/ incomplete（缺表或表不全）/ not parsed · Check status",
        "checks_failed": "未通过的核验数 · Number of failed checks",
        "current": "1 = 原网址现在仍发布此文件；0 = 已更改或删除 · 1 = the URL still serves this file",
        "parser_version": "解析器版本 · Parser version", "parsed_at": "解析时间 · Parsed at",
        "units": "单元格内注明的单位（JSON）· Units printed in cells (JSON)",
    }),
    "report_texts": ("报告全文与章节 · Full text and sections", {
        "report_id": "报告 · Report", "text": "全文（纯文本）· Full text (plain)",
        "sections": "章节（JSON：heading, text）· Sections (JSON)",
        "record": "完整提取记录（JSON）· The full extraction record (JSON)",
    }),
    "report_values": ("三张统计表的每个单元格（长表）· Every cell of the three tables, long form", {
        "report_id": "报告 · Report",
        "table_key": "表：active 主动公开 / requests 依申请公开 / appeals 复议诉讼 · Table",
        "row_key": "行（规范键名）· Row (canonical key)", "col_key": "列（规范键名）· Column (canonical key)",
        "value": "印刷数值；空白为 NULL · Printed number; blank is NULL",
        "unit": "单元格内注明的单位 · Unit printed in the cell",
    }),
    "report_checks": ("报告自身算术核验未通过项 · Checks a report fails", {
        "report_id": "报告 · Report", "check_id": "核验编号 · Check id",
        "kind": "类型：row_total / outcome_total / balance / missing / incomplete · Kind",
        "table_key": "表 · Table", "subject": "行或列 · Row or column",
    }),
    "report_figures": ("每份报告的主要数字（依申请公开表的总计列与复议诉讼表）· Headline numbers per report", {
        "received": "本年新收申请 · New requests received",
        "carried_over": "上年结转 · Carried over from last year",
        "granted": "予以公开 · Granted", "partly_granted": "部分公开 · Partly granted",
        "withheld": "不予公开合计 · Withheld, all reasons",
        "unavailable": "无法提供合计 · Unavailable, all reasons",
        "declined": "不予处理合计 · Declined, all reasons",
        "other_handling": "其他处理 · Other handling",
        "processed": "办理总计 · Total handled",
        "carried_forward": "结转下年度 · Carried forward",
        "withheld_state_secret": "不予公开：国家秘密 · Withheld: state secret",
        "withheld_prohibited": "不予公开：法律行政法规禁止 · Withheld: prohibited by law",
        "withheld_security": "不予公开：三安全一稳定 · Withheld: security and stability",
        "withheld_third_party": "不予公开：第三方合法权益 · Withheld: third-party rights",
        "withheld_internal": "不予公开：内部事务 · Withheld: internal affairs",
        "withheld_process": "不予公开：过程性信息 · Withheld: process information",
        "withheld_enforcement": "不予公开：行政执法案卷 · Withheld: enforcement files",
        "withheld_query": "不予公开：行政查询事项 · Withheld: administrative query",
        "unavailable_not_held": "无法提供：本机关不掌握 · Unavailable: not held",
        "unavailable_needs_creation": "无法提供：需另行制作 · Unavailable: would need creating",
        "unavailable_unclear": "无法提供：补正后仍不明确 · Unavailable: unclear after correction",
        "declined_petition": "不予处理：信访举报投诉 · Declined: petitions and complaints",
        "declined_duplicate": "不予处理：重复申请 · Declined: duplicate",
        "declined_publication": "不予处理：公开出版物 · Declined: publications",
        "declined_excessive": "不予处理：大量反复申请 · Declined: excessive",
        "declined_confirmation": "不予处理：确认或重新出具 · Declined: confirmation",
        **{f"review_{c}": f"行政复议：{zh} · Administrative review: {en}"
           for c, zh, en in [("upheld", "维持", "upheld"), ("corrected", "纠正", "corrected"),
                             ("other", "其他", "other"), ("pending", "尚未审结", "pending"),
                             ("total", "总计", "total")]},
        **{f"lawsuit_{c}": f"行政诉讼（直接起诉与复议后起诉之和）：{zh} · Lawsuits: {en}"
           for c, zh, en in [("upheld", "维持", "upheld"), ("corrected", "纠正", "corrected"),
                             ("other", "其他", "other"), ("pending", "尚未审结", "pending"),
                             ("total", "总计", "total")]},
    }),
    "carryover_mismatches": ("上年结转与上一年度报告的结转下年度不一致 · Carried-over numbers that do not match "
                             "the previous year's carried-forward", {}),
    "build_runs": ("解析运行记录 · Build runs", {}),
    "portals": ("门户（爬虫配置）· Portals crawled", {}),
    "crawl_runs": ("爬取运行 · Crawl runs", {}),
    "captures": ("抓取记录：每次 HTTP 获取 · Captures: every HTTP fetch", {}),
    "documents": ("按 SHA-256 存储的原始文件 · Raw files stored by SHA-256", {}),
    "change_events": ("变更事件：新增、修改、删除 · Change events: new, changed, removed", {}),
}

_WITHHELD_SUMS = ",\n  ".join(f"sum(f.withheld_{k}) AS {k}" for k in WITHHELD)

QUERIES = {
    "search": {
        "title": "全文检索 · Full-text search", "hide_sql": True,
        "description": "输入中文词语（两个字也可以，如“复议”“泄密”）或短语；空格分隔多个词，全部须出现。"
                       "最新收录的 200 份在前。"
                       " · Chinese words of any length; separate several with spaces (all must occur)."
                       " The 200 most recently added reports first.",
        "sql": """SELECT r.id AS report_id, r.title, r.agency, r.year, r.province, r.city,
  ogi_snippet(t.text, :q) AS context, r.url, r.raw
FROM reports_fts
JOIN reports r ON r.id = reports_fts.rowid
LEFT JOIN report_texts t ON t.report_id = r.id
WHERE reports_fts MATCH ogi_match(:q)
ORDER BY reports_fts.rowid DESC
LIMIT 200""",
    },
    "most_withheld": {
        "title": "不予公开最多的机关及原因 · Bodies that withheld the most requests, and why",
        "description": "留空年度则统计全部年度。 · Leave year empty for all years.",
        "sql": f"""SELECT f.agency, f.province, f.city, count(*) AS reports,
  sum(f.received) AS received, sum(f.withheld) AS withheld,
  round(100.0 * sum(f.withheld) / nullif(sum(f.processed), 0), 1) AS withheld_pct,
  {_WITHHELD_SUMS}
FROM report_figures f JOIN reports r ON r.id = f.report_id
WHERE r.current = 1 AND (:year = '' OR f.year = CAST(:year AS INTEGER))
GROUP BY f.agency
HAVING sum(f.withheld) > 0
ORDER BY withheld DESC
LIMIT 100""",
    },
    "refusal_reasons_by_year": {
        "title": "各年度不予公开、无法提供、不予处理的原因 · Refusal reasons by year",
        "sql": "SELECT f.year, count(*) AS reports, sum(f.received) AS received,\n  "
               + ",\n  ".join(f"sum(f.{c}) AS {c}" for c in FIGURE_COLUMNS
                              if c.startswith(("withheld", "unavailable", "declined")))
               + "\nFROM report_figures f JOIN reports r ON r.id = f.report_id"
                 "\nWHERE r.current = 1 AND f.year IS NOT NULL\nGROUP BY f.year ORDER BY f.year",
    },
    "arithmetic_fails": {
        "title": "本表算术不符的报告 · Reports whose own arithmetic fails",
        "description": "报告印刷的数字自相矛盾（行合计、列合计或收支平衡不符）；档案保留原数，只作标记。 · "
                       "The printed numbers contradict each other; the archive keeps them as printed.",
        "sql": """SELECT r.id AS report_id, r.agency, r.year, r.title,
  group_concat(c.check_id, ' ') AS failed_checks, r.url, r.raw
FROM report_checks c JOIN reports r ON r.id = c.report_id
WHERE c.kind IN ('row_total', 'outcome_total', 'balance')
GROUP BY r.id
ORDER BY r.year DESC, r.agency""",
    },
    "carryover_mismatch": {
        "title": "上年结转与上一年度结转下年度不一致 · Carried over ≠ last year's carried forward",
        "sql": """SELECT m.agency, m.year, m.col, m.carried_over, m.prev_carried_forward,
  m.report_id, m.prev_report_id
FROM carryover_mismatches m
ORDER BY m.agency, m.year, m.col""",
    },
    "recent_changes": {
        "title": "最近被修改或删除的报告 · Recently changed or removed reports",
        "sql": """SELECT e.detected_at, e.event, e.portal, e.url,
  o.id AS old_report_id, o.title AS old_title, n.id AS new_report_id, n.title AS new_title,
  e.old_sha256, e.new_sha256, e.detail
FROM change_events e
LEFT JOIN reports o ON o.sha256 = e.old_sha256
LEFT JOIN reports n ON n.sha256 = e.new_sha256
WHERE e.event IN ('changed', 'removed') AND (o.id IS NOT NULL OR n.id IS NOT NULL)
ORDER BY e.detected_at DESC
LIMIT 200""",
    },
}

_FILTER = "WHERE r.current = 1 [[ AND r.province = :province ]]"
DASHBOARDS = {
    "overview": {
        "title": "政府信息公开申请概览 · OGI requests at a glance",
        "description": "按年度汇总依申请公开的数量与结果。 · Requests and outcomes by year.",
        "layout": [["received-by-year", "outcomes-by-year"], ["withheld-reasons", "check-status"]],
        "filters": {"province": {"name": "省 · Province", "type": "select", "db": DB,
                                 "query": "SELECT DISTINCT province FROM reports "
                                          "WHERE province IS NOT NULL ORDER BY province"}},
        "charts": {
            "received-by-year": {
                "title": "本年新收申请 · Requests received", "db": DB, "library": "vega-lite",
                "query": "SELECT f.year, sum(f.received) AS received FROM report_figures f "
                         f"JOIN reports r ON r.id = f.report_id {_FILTER} GROUP BY f.year",
                "display": {"mark": {"type": "bar", "tooltip": True},
                            "encoding": {"x": {"field": "year", "type": "ordinal"},
                                         "y": {"field": "received", "type": "quantitative"}}},
            },
            "outcomes-by-year": {
                "title": "办理结果 · Outcomes", "db": DB, "library": "vega-lite",
                "query": " UNION ALL ".join(
                    f"SELECT f.year, '{label}' AS outcome, sum(f.{col}) AS n FROM report_figures f "
                    f"JOIN reports r ON r.id = f.report_id {_FILTER} GROUP BY f.year"
                    for col, label in [("granted", "予以公开"), ("partly_granted", "部分公开"),
                                       ("withheld", "不予公开"), ("unavailable", "无法提供"),
                                       ("declined", "不予处理")]),
                "display": {"mark": {"type": "bar", "tooltip": True},
                            "encoding": {"x": {"field": "year", "type": "ordinal"},
                                         "y": {"field": "n", "type": "quantitative"},
                                         "color": {"field": "outcome", "type": "nominal"}}},
            },
            "withheld-reasons": {
                "title": "不予公开原因 · Reasons for withholding", "db": DB, "library": "vega-lite",
                "query": " UNION ALL ".join(
                    f"SELECT '{k}' AS reason, sum(f.withheld_{k}) AS n FROM report_figures f "
                    f"JOIN reports r ON r.id = f.report_id {_FILTER}" for k in WITHHELD),
                "display": {"mark": {"type": "arc", "tooltip": True},
                            "encoding": {"theta": {"field": "n", "type": "quantitative"},
                                         "color": {"field": "reason", "type": "nominal"}}},
            },
            "check-status": {
                "title": "核验结果 · Check status", "db": DB, "library": "vega-lite",
                "query": f"SELECT r.check_status, count(*) AS n FROM reports r {_FILTER} "
                         "GROUP BY r.check_status",
                "display": {"mark": {"type": "bar", "tooltip": True},
                            "encoding": {"y": {"field": "check_status", "type": "nominal"},
                                         "x": {"field": "n", "type": "quantitative"}}},
            },
        },
    },
}


def metadata(archive_path: str) -> dict:
    tables = {}
    for name, (description, columns) in TABLES.items():
        tables[name] = {"description": description, "columns": columns}
    facets = ["province", "city", "year", "template", "check_status"]
    tables["reports"].update({
        "facets": facets, "label_column": "title", "size": 50,
        # the search box: the archive's plugin, not datasette's own fts_table (see
        # archive/publish/search.py); `facets` are the columns it keeps in memory
        "plugins": {"ogi-archive": {"fts_table": "reports_fts", "fts_pk": "id",
                                    "facets": facets}},
    })
    tables["report_figures"]["facets"] = ["province", "city", "year", "template"]
    tables["agencies"]["facets"] = ["province", "city"]
    tables["report_checks"]["facets"] = ["kind", "table_key"]
    tables["reports_fts"] = {"hidden": True}
    return {
        "title": "政府信息公开工作年度报告档案 · OGI annual reports archive",
        "description": "中国各级行政机关发布的政府信息公开工作年度报告，抓取、解析为统计数字，"
                       "每个数字都可追溯到原始文件。 · Chinese government bodies' open government "
                       "information annual reports, crawled and parsed into numbers; every number "
                       "leads back to the document that printed it.",
        "source": "各级人民政府门户网站 · Chinese government portals",
        "license": "数据：公开政府信息；代码：Apache-2.0 · Data: public government information; "
                   "code: Apache-2.0",
        "databases": {DB: {"tables": tables, "queries": QUERIES}},
        "plugins": {"datasette-dashboards": DASHBOARDS,
                    "ogi-archive": {"archive": archive_path}},
    }


SETTINGS = {
    "suggest_facets": False,
    "truncate_cells_html": 120,
    "default_facet_size": 20,
    "sql_time_limit_ms": 5000,
    "facet_time_limit_ms": 1000,
    "allow_download": True,
}
