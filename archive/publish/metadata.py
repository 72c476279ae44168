"""Datasette metadata: titles, column help (中文 · English), facets, canned queries (search,
rankings, the feed) and the chart dashboard (datasette-dashboards)."""

from __future__ import annotations

from archive.publish.labels import CHECK_STATUS, WITHHELD_REASONS
from archive.schema import FIGURE_COLUMNS, WITHHELD

DB = "ogi"  # the published file is ogi.db, served at /ogi

_PLACE = {
    "province": "省 · Province",
    "city": "市 · City (prefecture level)",
    "county": "县/区 · County or district",
}
_DOC = {
    "url": "原始网址 · Original URL",
    "raw": "原件下载（不渲染）· Download of the raw file (never rendered)",
    "fetched_at": "抓取时间（UTC）· Fetched at (UTC)",
    "current": "1 = 原网址现在仍发布此文件；0 = 已更改或删除 · 1 = the URL still serves this file",
    "portal": "发现它的门户 · Portal it was found on",
    "capture_id": "抓取记录 · The capture it was parsed from",
    "content_type": "HTTP 内容类型 · HTTP content type",
    "size": "字节数 · Size in bytes",
    "sha256": "原件的 SHA-256 · SHA-256 of the raw file",
    "parser_version": "解析器版本 · Parser version",
    "parsed_at": "解析时间 · Parsed at",
    "format": "文件格式 · File format",
}
TABLES = {
    "reports": (
        "政府信息公开工作年度报告：每个机关每年一份 · OGI annual reports, one per body and year",
        {
            "id": "报告编号，点击打开报告页 · Report id: opens the report's page",
            "title": "标题 · Title",
            "body": "机关 · Body",
            "year": "报告年度 · Year reported on",
            **_PLACE,
            "check_status": "核验：ok 通过 / fails 本表算术不符 / incomplete 缺表或表不全 / "
            "no_tables 无统计表 · Check status",
            "template": "表格模板（2019 或 2021；无统计表为空）· Table template",
            "level": "层级：省 / 市 / 县 / 乡镇街道 / 部门 · Level of the body",
            "editions": "副本数（同一报告的 HTML、PDF 等）· Copies of this report",
            "published": "落款日期 · Date printed under the report",
            **_DOC,
            "checks_failed": "未通过的核验数 · Number of failed checks",
            "body_id": "机关页 · The body's page",
            "edition_id": "数字所取的副本 · The edition the numbers come from",
            "group_key": "分组键（机关与年度）· Grouping key (body and year)",
        },
    ),
    "bodies": (
        "机关：以名称和所在地区共同识别 · Bodies, identified by name and place",
        {
            "id": "机关编号，点击打开机关页 · Body id: opens the body's page",
            "name": "机关名称（报告所署）· Name as its reports print it",
            **_PLACE,
            "level": "层级：省 / 市 / 县 / 乡镇街道 / 部门 · Level",
            "region_code": "行政区划代码（GB/T 2260）· Region code",
            "parent": "上级（所属政府或门户）· The government it belongs to",
            "portal": "最初发现它的门户 · Portal it was first found on",
            "place": "识别用的地区：区划代码，无代码时为上级 · The place that tells it apart",
        },
    ),
    "report_editions": (
        "报告的各个副本（HTML 页面、附件、重新上传）· Every copy of every report",
        {
            "report_id": "所属报告 · Report",
            "title": "标题 · Title",
            "representative": "1 = 报告的数字取自此副本 · 1 = the report's numbers come from this "
            "copy",
            "differs": "与代表副本不同的单元格数 · Cells that differ from the representative copy",
            "check_status": "核验 · Check status",
            "checks_failed": "未通过的核验数 · Failed checks",
            "template": "表格模板 · Template",
            "body": "报告所署机关 · Body as printed",
            "year": "年度 · Year",
            "published": "落款日期 · Date printed",
            "units": "单元格内注明的单位（JSON）· Units printed in cells",
            **_DOC,
            "part": "汇编中的第几份报告（0 = 整个文件）· Which report of a compilation (0: the "
            "whole file)",
            "tables_from": "统计表取自同页另一附件（SHA-256）· The attachment its tables come from",
        },
    ),
    "other_documents": (
        "抓取到的其他文件（不是年度报告）：作为证据保存 · Other captured documents, kept as "
        "evidence",
        {
            "title": "标题 · Title",
            "kind": "类别 · Kind: landing_page 报告发布页 / blank_form 空白格式 / interpretation "
            "解读图解 / notice 通知 / guide 指南 / application_form 申请表 / website_report "
            "网站年报 / rule_of_law_report 法治政府建设报告 / archive 压缩包 / other 其他 / "
            "unreadable 无法解析",
            "reason": "判断理由 · Why it is not counted as a report",
            "year": "年度 · Year",
            "body": "所署机关 · Body as printed",
            **_PLACE,
            "link_text": "链接文字 · Link text it was found under",
            "parse_status": "解析状态 · Parse status",
            "error": "解析失败原因 · Why parsing failed",
            **_DOC,
        },
    ),
    "document_texts": (
        "每个文件的全文（只存一次）· The text of every parsed document, stored once",
        {
            "sha256": "文件 · Document (SHA-256)",
            "part": "0 = 整个文件；1、2…… = 汇编中的各份报告 · 0: the whole file; 1, 2 …: a "
            "compilation's reports",
            "text": "全文（纯文本；表格为制表符分隔的行）· Full text",
            "sections": "章节在全文中的位置（JSON：number, heading, start, end）· Sections as "
            "places in the text",
            "record": "提取记录（JSON，章节见 sections）· The extraction record (sections: see "
            "sections)",
        },
    ),
    "report_values": (
        "三张统计表的每个单元格（长表）· Every cell of the three tables, long form",
        {
            "report_id": "报告 · Report",
            "table_key": "表：active 主动公开 / requests 依申请公开 / appeals 复议诉讼 · Table",
            "row_key": "行（规范键名）· Row (canonical key)",
            "col_key": "列（规范键名）· Column",
            "value": "印刷数值；空白为空 · Printed number; blank is NULL",
            "unit": "单元格内注明的单位 · Unit printed in the cell",
            "page": "所在页（PDF、扫描件、OFD）· Page it was read on (paged formats)",
            "provenance": "在原件中的位置（JSON：page+box 页与单元格框；table+row+col 表格、行、"
            "格序号；"
            "sheet+row+col 工作表；line 行号）· Where the original printed it "
            "(docs/provenance.md)",
        },
    ),
    "report_checks": (
        "报告自身核验未通过项 · Checks a report fails",
        {
            "report_id": "报告 · Report",
            "check_id": "核验编号 · Check id",
            "kind": "类型：row_total / outcome_total / balance / missing / incomplete / "
            "text_vs_table 正文所述数字与表格不符 · Kind",
            "table_key": "表 · Table",
            "subject": "行或列（text_vs_table：行.列）· Row or column",
            "statement": "正文中的表述（text_vs_table）· The prose clause stating the figure",
            "stated": "正文所述数字 · The figure the prose states",
            "printed": "表格所印数字 · The number the table prints",
        },
    ),
    "report_figures": (
        "每份报告的主要数字（依申请公开表的总计列与复议诉讼表）· Headline numbers per report",
        {
            "report_id": "报告 · Report",
            "title": "标题 · Title",
            "body": "机关 · Body",
            "year": "年度 · Year",
            **_PLACE,
            "level": "层级 · Level",
            "template": "模板 · Template",
            "body_id": "机关 · Body",
            "received": "本年新收申请 · New requests received",
            "carried_over": "上年结转 · Carried over from last year",
            "granted": "予以公开 · Granted",
            "partly_granted": "部分公开 · Partly granted",
            "withheld": "不予公开合计 · Withheld, all reasons",
            "unavailable": "无法提供合计 · Unavailable, all reasons",
            "declined": "不予处理合计 · Declined, all reasons",
            "other_handling": "其他处理 · Other handling",
            "processed": "办理总计 · Total handled",
            "carried_forward": "结转下年度 · Carried forward",
            **{f"withheld_{k}": f"不予公开：{zh}" for k, zh in WITHHELD_REASONS.items()},
            **{
                f"review_{c}": f"行政复议：{zh}"
                for c, zh in [
                    ("upheld", "维持"),
                    ("corrected", "纠正"),
                    ("other", "其他"),
                    ("pending", "尚未审结"),
                    ("total", "总计"),
                ]
            },
            **{
                f"lawsuit_{c}": f"行政诉讼（直接起诉与复议后起诉之和）：{zh}"
                for c, zh in [
                    ("upheld", "维持"),
                    ("corrected", "纠正"),
                    ("other", "其他"),
                    ("pending", "尚未审结"),
                    ("total", "总计"),
                ]
            },
        },
    ),
    "carryover_mismatches": (
        "上年结转与同一机关上一年度的结转下年度不一致 · Carried over ≠ the same "
        "body's carried forward of the year before",
        {},
    ),
    "build_runs": ("解析运行记录 · Build runs", {}),
    "portals": ("门户（爬虫配置）· Portals crawled", {}),
    "crawl_runs": ("爬取运行 · Crawl runs", {}),
    "captures": ("抓取记录：每次 HTTP 获取 · Captures: every HTTP fetch", {}),
    "documents": ("按 SHA-256 存储的原始文件 · Raw files stored by SHA-256", {}),
    "members": (
        "压缩包（ZIP、RAR）里的文件：每个都是一份文件 · Members of ZIP/RAR attachments, each a "
        "document",
        {
            "container": "压缩包（SHA-256）· The archive",
            "path": "在压缩包中的路径 · Path in the archive",
            "sha256": "文件（SHA-256）；拒绝解压时为空 · The member; empty when refused",
            "size": "字节数 · Size",
            "error": "拒绝或失败的原因 · Why it was refused",
        },
    ),
    "change_events": (
        "变更事件：新增、修改、删除、迁址 · Change events: new, changed, removed, moved",
        {
            "event": "new 新增 · changed 修改 · removed 删除 · moved 同一文件出现在新网址 · the "
            "same "
            "bytes at a new URL of the portal",
            "from_url": "迁址前的网址（moved）· The URL a moved document was at before",
        },
    ),
}
HIDDEN = [
    "reports_fts",
    "other_documents_fts",
    "ogi_search_matches",
    "_sqlite_migrations",
    "archive_meta",
    "sqlite_stat1",
]
REPORT_FACETS = ["province", "city", "year", "level", "check_status"]

_WITHHELD_SUMS = ",\n  ".join(f"sum(f.withheld_{k}) AS {k}" for k in WITHHELD)
_CURRENT = "FROM report_figures f JOIN reports r ON r.id = f.report_id WHERE r.current = 1"


def _decided(kind: str) -> str:
    return (
        f"sum(coalesce(f.{kind}_upheld, 0) + coalesce(f.{kind}_corrected, 0) "
        f"+ coalesce(f.{kind}_other, 0))"
    )


def ranking(keys: list[str], group: str | None = None, join: str = "") -> str:
    """Rates by `keys` (columns of report_figures f, or of a joined table; grouped by `group`,
    else by the keys) over the current
    reports: 不予公开率 and 无法提供率 of the requests handled, where at least :min_requests
    (default 20) were handled; 行政复议 and 行政诉讼 纠错率 of the cases decided, where at least
    :min_cases (default 5) were decided."""
    rate = "round(100.0 * sum(f.{0}) / sum(f.processed), 1)"
    appeal = (
        "CASE WHEN {d} >= CAST(coalesce(nullif(:min_cases, ''), '5') AS INTEGER) "
        "THEN round(100.0 * sum(f.{k}_corrected) / {d}, 1) END"
    )
    cols = ", ".join(keys)
    return f"""SELECT {cols}, count(*) AS reports,
  sum(f.processed) AS processed,
  sum(f.withheld) AS withheld, {rate.format("withheld")} AS withheld_pct,
  sum(f.unavailable) AS unavailable, {rate.format("unavailable")} AS unavailable_pct,
  {_decided("review")} AS review_decided, sum(f.review_corrected) AS review_corrected,
  {appeal.format(d=_decided("review"), k="review")} AS review_corrected_pct,
  {_decided("lawsuit")} AS lawsuit_decided, sum(f.lawsuit_corrected) AS lawsuit_corrected,
  {appeal.format(d=_decided("lawsuit"), k="lawsuit")} AS lawsuit_corrected_pct
FROM report_figures f JOIN reports r ON r.id = f.report_id {join}
WHERE r.current = 1 AND f.processed IS NOT NULL
  AND (:year = '' OR f.year = CAST(:year AS INTEGER))
  AND (:province = '' OR f.province = :province)
  AND (:level = '' OR f.level = :level)
GROUP BY {group or cols}
HAVING sum(f.processed) >= CAST(coalesce(nullif(:min_requests, ''), '20') AS INTEGER)
ORDER BY CASE :rank_by WHEN 'unavailable' THEN unavailable_pct
  WHEN 'review' THEN review_corrected_pct WHEN 'lawsuit' THEN lawsuit_corrected_pct
  ELSE withheld_pct END DESC NULLS LAST, processed DESC
LIMIT 200"""


_RANKING_HELP = (
    "不予公开率 = 不予公开 ÷ 办理总计；无法提供率 = 无法提供 ÷ 办理总计；纠错率 = 结果纠正 ÷ "
    "（结果维持 + 结果纠正 + 其他结果）。只计原网址仍在发布的报告；办理总计少于 min_requests"
    "（默认 20）件的不列入，复议或诉讼结案少于 min_cases（默认 5）件的不计纠错率。rank_by："
    "withheld（默认）/ unavailable / review / lawsuit；year、province、level 可留空。 · "
    "Refusal (withheld) and unavailable rates of requests handled; corrected share of decided "
    "review and lawsuit cases. Current reports only; a minimum volume (min_requests, default "
    "20; min_cases, default 5) keeps a body with two requests off the top."
)
_RANKING_PARAMS = ["year", "province", "level", "min_requests", "min_cases", "rank_by"]
_BASE = (
    "coalesce(nullif(:_header_x_forwarded_proto, ''), 'http') || '://' || "
    ":_header_host || '/ogi/reports/'"
)

QUERIES = {
    "search": {
        "title": "全文检索 · Full-text search",
        "hide_sql": True,
        "description": "输入中文词语（两个字也可以，如“复议”“泄密”）或短语；空格分隔多个词，"
        "全部须出现。"
        "只检索年度报告；其他文件见 other_documents 表的搜索框。最新收录的 200 份在前。"
        " · Chinese words of any length; separate several with spaces"
        " (all must occur)."
        " Reports only (other documents: the search box of other_documents)."
        " The 200 most recently added reports first.",
        "sql": """SELECT r.id AS report_id, r.title, r.body, r.year, r.province, r.city,
  ogi_snippet(t.text, :q) AS context, r.url, r.raw
FROM reports_fts
JOIN reports r ON r.id = reports_fts.rowid
LEFT JOIN document_texts t ON t.sha256 = r.sha256 AND t.part = r.part
WHERE reports_fts MATCH ogi_match(:q)
ORDER BY reports_fts.rowid DESC
LIMIT 200""",
    },
    "rank_bodies": {
        "title": "机关排名：不予公开率、无法提供率、复议诉讼纠错率 · Bodies ranked by refusal rate",
        "description": _RANKING_HELP,
        "params": _RANKING_PARAMS,
        "hide_sql": True,
        "sql": ranking(
            ["f.body_id", "b.name AS body", "b.province", "b.city", "b.county", "b.level"],
            "f.body_id",
            "JOIN bodies b ON b.id = f.body_id",
        ),
    },
    "rank_provinces": {
        "title": "各省比较 · Provinces compared",
        "description": _RANKING_HELP,
        "params": _RANKING_PARAMS,
        "hide_sql": True,
        "sql": ranking(["f.province"]),
    },
    "rank_cities": {
        "title": "各市比较 · Cities compared",
        "description": _RANKING_HELP,
        "params": _RANKING_PARAMS,
        "hide_sql": True,
        "sql": ranking(["f.province", "f.city"]),
    },
    "rank_levels": {
        "title": "各层级比较（省、市、县、乡镇街道、部门）· Levels compared",
        "description": _RANKING_HELP,
        "params": _RANKING_PARAMS,
        "hide_sql": True,
        "sql": ranking(["f.level"]),
    },
    "most_withheld": {
        "title": "不予公开最多的机关及原因 · Bodies that withheld the most requests, and why",
        "description": "留空年度则统计全部年度。 · Leave year empty for all years.",
        "sql": f"""SELECT f.body_id, f.body, f.province, f.city, count(*) AS reports,
  sum(f.received) AS received, sum(f.withheld) AS withheld,
  round(100.0 * sum(f.withheld) / nullif(sum(f.processed), 0), 1) AS withheld_pct,
  {_WITHHELD_SUMS}
{_CURRENT} AND (:year = '' OR f.year = CAST(:year AS INTEGER))
GROUP BY f.body_id
HAVING sum(f.withheld) > 0
ORDER BY withheld DESC
LIMIT 100""",
    },
    "refusal_reasons_by_year": {
        "title": "各年度不予公开、无法提供、不予处理的原因 · Refusal reasons by year",
        "sql": "SELECT f.year, count(*) AS reports, sum(f.received) AS received,\n  "
        + ",\n  ".join(
            f"sum(f.{c}) AS {c}"
            for c in FIGURE_COLUMNS
            if c.startswith(("withheld", "unavailable", "declined"))
        )
        + f"\n{_CURRENT} AND f.year IS NOT NULL\nGROUP BY f.year ORDER BY f.year",
    },
    "arithmetic_fails": {
        "title": "本表算术不符的报告 · Reports whose own arithmetic fails",
        "description": "报告印刷的数字自相矛盾（行合计、列合计或收支平衡不符）；档案保留原数，"
        "只作标记。 · "
        "The printed numbers contradict each other; the archive keeps them as "
        "printed.",
        "sql": """SELECT r.id AS report_id, r.body, r.year, r.title,
  group_concat(c.check_id, ' ') AS failed_checks, r.url, r.raw
FROM report_checks c JOIN reports r ON r.id = c.report_id
WHERE c.kind IN ('row_total', 'outcome_total', 'balance')
GROUP BY r.id
ORDER BY r.year DESC, r.body""",
    },
    "text_vs_table": {
        "title": "正文所述数字与表格不符的报告 · Reports whose prose contradicts their tables",
        "description": "报告正文（一至四部分）所述数字与其指向的表格单元格不一致"
        "（如正文称“收到申请17件”而表中为95件）；档案两者都不改，只作标记。 · "
        "A figure the prose of sections 一–四 states disagrees with the table cell it names; "
        "neither is corrected.",
        "sql": """SELECT r.id AS report_id, r.body, r.year, c.check_id, c.statement, c.stated,
  c.printed, r.url, r.raw
FROM report_checks c JOIN reports r ON r.id = c.report_id
WHERE c.kind = 'text_vs_table'
ORDER BY r.year DESC, r.body, c.check_id""",
    },
    "text_vs_table_counts": {
        "title": "正文与表格不符：按单元格计数 · Prose against tables: disagreements per cell",
        "sql": """SELECT c.table_key, c.subject, count(*) AS reports
FROM report_checks c JOIN reports r ON r.id = c.report_id
WHERE c.kind = 'text_vs_table'
GROUP BY c.table_key, c.subject ORDER BY reports DESC""",
    },
    "carryover_mismatch": {
        "title": "上年结转与上一年度结转下年度不一致 · Carried over ≠ last year's carried forward",
        "sql": """SELECT m.body, m.year, m.col, m.carried_over, m.prev_carried_forward,
  m.report_id, m.prev_report_id
FROM carryover_mismatches m
ORDER BY m.body, m.year, m.col""",
    },
    "recent_changes": {
        "title": "最近被修改或删除的报告 · Recently changed or removed reports",
        "sql": """SELECT e.detected_at, e.event, e.portal, e.url,
  o.report_id AS old_report_id, o.title AS old_title,
  n.report_id AS new_report_id, n.title AS new_title,
  e.old_sha256, e.new_sha256, e.detail
FROM change_events e
LEFT JOIN report_editions o ON o.sha256 = e.old_sha256
LEFT JOIN report_editions n ON n.sha256 = e.new_sha256
WHERE e.event IN ('changed', 'removed') AND (o.id IS NOT NULL OR n.id IS NOT NULL)
ORDER BY e.detected_at DESC
LIMIT 200""",
    },
    "feed": {
        "title": "新收录、修改和删除的年度报告 · Reports newly archived, changed or removed",
        "description": "订阅：在网址后加 .atom（如 /ogi/feed.atom?province=山东省）。province "
        "留空为全部。"
        " · Subscribe: add .atom to this page's address; province filters.",
        "params": ["province"],
        "hide_sql": True,
        # a feed with no entry (a province with no report yet) gets one that says so:
        # datasette-atom cannot render an empty feed
        "sql": f"""WITH feed AS (SELECT atom_id, atom_updated, atom_title, atom_link, atom_content,
  province, report_id
FROM (
  SELECT 'tag:ogi-archive,2025:edition/' || e.sha256 AS atom_id,
    coalesce(e.fetched_at, e.parsed_at) AS atom_updated,
    '新收录：' || coalesce(r.title, e.title, '') AS atom_title,
    {_BASE} || r.id AS atom_link,
    coalesce(r.body, '') || ' · ' || coalesce(r.year || '年', '') || ' · '
      || coalesce(r.province, '') || coalesce(r.city, '') || coalesce(r.county, '')
      || ' · ' || coalesce(e.format, '') || ' · ' || coalesce(e.url, '') AS atom_content,
    r.province, r.id AS report_id
  FROM report_editions e JOIN reports r ON r.id = e.report_id
  UNION ALL
  SELECT 'tag:ogi-archive,2025:event/' || ev.id,
    ev.detected_at,
    CASE ev.event WHEN 'removed' THEN '已删除：' ELSE '已修改：' END || coalesce(r.title, ''),
    {_BASE} || r.id,
    coalesce(r.body, '') || ' · ' || coalesce(r.year || '年', '') || ' · ' || ev.url
      || coalesce(' · ' || ev.detail, ''),
    r.province, r.id
  FROM change_events ev
  JOIN report_editions e ON e.sha256 = CASE ev.event WHEN 'removed' THEN ev.old_sha256
                                              ELSE ev.new_sha256 END
  JOIN reports r ON r.id = e.report_id
  WHERE ev.event IN ('changed', 'removed'))
WHERE :province = '' OR province = :province)
SELECT * FROM feed
UNION ALL
SELECT 'tag:ogi-archive,2025:feed/empty', coalesce((SELECT max(started_at) FROM crawl_runs),
    '2025-01-01T00:00:00Z'), '暂无报告 · No report yet',
  replace({_BASE}, '/reports/', '/reports'), '此订阅尚无年度报告 · No report in this feed yet',
  nullif(:province, ''), NULL
WHERE NOT EXISTS (SELECT 1 FROM feed)
ORDER BY atom_updated DESC
LIMIT 200""",
    },
}

_FILTER = "WHERE r.current = 1 [[ AND r.province = :province ]]"
_CHECK_LABEL = (
    "CASE r.check_status "
    + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in CHECK_STATUS.items())
    + " ELSE r.check_status END"
)
DASHBOARDS = {
    "overview": {
        "title": "政府信息公开申请概览 · OGI requests at a glance",
        "description": "按年度汇总依申请公开的数量与结果。 · Requests and outcomes by year.",
        "layout": [["received-by-year", "outcomes-by-year"], ["withheld-reasons", "check-status"]],
        "filters": {
            "province": {
                "name": "省 · Province",
                "type": "select",
                "db": DB,
                "query": "SELECT DISTINCT province FROM reports "
                "WHERE province IS NOT NULL ORDER BY province",
            }
        },
        "charts": {
            "received-by-year": {
                "title": "本年新收申请 · Requests received",
                "db": DB,
                "library": "vega-lite",
                "query": "SELECT f.year AS 年度, sum(f.received) AS 新收申请 FROM report_figures f "
                f"JOIN reports r ON r.id = f.report_id {_FILTER} GROUP BY f.year",
                "display": {
                    "mark": {"type": "bar", "tooltip": True},
                    "encoding": {
                        "x": {"field": "年度", "type": "ordinal"},
                        "y": {"field": "新收申请", "type": "quantitative"},
                    },
                },
            },
            "outcomes-by-year": {
                "title": "办理结果 · Outcomes",
                "db": DB,
                "library": "vega-lite",
                "query": " UNION ALL ".join(
                    f"SELECT f.year AS 年度, '{label}' AS 办理结果, sum(f.{col}) AS 件数 "
                    f"FROM report_figures f JOIN reports r ON r.id = f.report_id {_FILTER} "
                    f"GROUP BY f.year"
                    for col, label in [
                        ("granted", "予以公开"),
                        ("partly_granted", "部分公开"),
                        ("withheld", "不予公开"),
                        ("unavailable", "无法提供"),
                        ("declined", "不予处理"),
                    ]
                ),
                "display": {
                    "mark": {"type": "bar", "tooltip": True},
                    "encoding": {
                        "x": {"field": "年度", "type": "ordinal"},
                        "y": {"field": "件数", "type": "quantitative"},
                        "color": {"field": "办理结果", "type": "nominal"},
                    },
                },
            },
            "withheld-reasons": {
                "title": "不予公开原因 · Reasons for withholding",
                "db": DB,
                "library": "vega-lite",
                "query": " UNION ALL ".join(
                    f"SELECT '{WITHHELD_REASONS[k]}' AS 原因, sum(f.withheld_{k}) AS 件数 "
                    f"FROM report_figures f JOIN reports r ON r.id = f.report_id {_FILTER}"
                    for k in WITHHELD
                ),
                "display": {
                    "mark": {"type": "arc", "tooltip": True},
                    "encoding": {
                        "theta": {"field": "件数", "type": "quantitative"},
                        "color": {"field": "原因", "type": "nominal"},
                    },
                },
            },
            "check-status": {
                "title": "核验结果 · Check status",
                "db": DB,
                "library": "vega-lite",
                "query": f"SELECT {_CHECK_LABEL} AS 核验结果, count(*) AS 报告数 "
                f"FROM reports r {_FILTER} GROUP BY r.check_status",
                "display": {
                    "mark": {"type": "bar", "tooltip": True},
                    "encoding": {
                        "y": {"field": "核验结果", "type": "nominal"},
                        "x": {"field": "报告数", "type": "quantitative"},
                    },
                },
            },
        },
    },
}


def metadata() -> dict:
    tables = {}
    for name, (description, columns) in TABLES.items():
        tables[name] = {"description": description, "columns": columns}
    tables["reports"].update(
        {
            "facets": REPORT_FACETS,
            "label_column": "title",
            "size": 50,
            "sort_desc": "year",
            # the search box: the archive's plugin, not datasette's own fts_table (see
            # archive/publish/search.py); `facets` are the columns it keeps in memory
            "plugins": {
                "ogi-archive": {"fts_table": "reports_fts", "fts_pk": "id", "facets": REPORT_FACETS}
            },
        }
    )
    tables["other_documents"].update(
        {
            "facets": ["kind", "year", "province"],
            "label_column": "title",
            "size": 50,
            "plugins": {
                "ogi-archive": {
                    "fts_table": "other_documents_fts",
                    "fts_pk": "id",
                    "facets": ["kind", "year", "province"],
                }
            },
        }
    )
    tables["bodies"].update({"facets": ["province", "city", "level"], "label_column": "name"})
    tables["report_editions"].update(
        {"facets": ["format", "representative", "current"], "label_column": "title"}
    )
    tables["report_figures"]["facets"] = ["province", "city", "year", "level", "template"]
    tables["report_checks"]["facets"] = ["kind", "table_key"]
    for name in HIDDEN:
        tables[name] = {"hidden": True}
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
        # the archive's directory is not here: /-/metadata.json publishes this (serve.py gives
        # it to downloads.py)
        "plugins": {"datasette-dashboards": DASHBOARDS},
    }


SETTINGS = {
    "suggest_facets": False,
    "truncate_cells_html": 120,
    "default_facet_size": 20,
    "sql_time_limit_ms": 5000,
    "facet_time_limit_ms": 1000,
    "allow_download": True,
}
