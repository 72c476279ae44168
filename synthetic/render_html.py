"""Render a synthetic report as an HTML page (plain, Word-exported, or inside CMS noise)."""

from __future__ import annotations

import html
import random

from synthetic.layout import GCell, Part, all_tables, choose_layout, section_blocks


def _esc(s: str) -> str:
    return html.escape(s, quote=False)


def _cell_html(c: GCell, style: str, rng: random.Random) -> str:
    attrs = ""
    if c.rowspan > 1:
        attrs += f' rowspan="{c.rowspan}"'
    if c.colspan > 1:
        attrs += f' colspan="{c.colspan}"'
    lines = c.text.split("\n")
    if style == "word":
        inner = []
        for line in lines:
            t = line
            # Word splits runs inside numbers and labels now and then
            if len(t) >= 2 and rng.random() < 0.3:
                i = rng.randint(1, len(t) - 1)
                t = (
                    f'<span style="font-size:10.5pt">{_esc(t[:i])}</span>'
                    f'<span style="font-size:10.5pt;font-family:宋体">{_esc(t[i:])}</span>'
                )
            else:
                t = f'<span style="font-size:10.5pt">{_esc(t) or "&nbsp;"}</span>'
            inner.append(f'<p class="MsoNormal" align="center" style="text-align:center">{t}</p>')
        body = "".join(inner)
        return f'<td width="{rng.randint(40, 120)}" valign="center"{attrs}>{body}</td>'
    body = "<br>".join(_esc(x) for x in lines) or ("&nbsp;" if rng.random() < 0.5 else "")
    tag = "th" if c.kind == "head" and style == "plain" and rng.random() < 0.5 else "td"
    return f"<{tag}{attrs}>{body}</{tag}>"


def _table_html(part: Part, style: str, rng: random.Random, tbody: str = "one") -> str:
    rows = []
    for r in part.rows:
        rows.append("<tr>" + "".join(_cell_html(c, style, rng) for c in r) + "</tr>")
    nhead = 0  # leading rows that are all header cells
    while nhead < len(part.rows) - 1 and all(c.kind == "head" for c in part.rows[nhead]):
        nhead += 1
    attrs = ' border="1" cellspacing="0" cellpadding="0"'
    if style == "word":
        attrs = (
            ' class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" '
            'style="border-collapse:collapse;border:none"'
        )
    # a rowspan stops at the end of its row group: cut only where no cell spans the cut
    cuts = [
        k
        for k in range(1, len(rows))
        if not any(i + c.rowspan > k for i, r in enumerate(part.rows[:k]) for c in r)
    ]
    if tbody == "thead" and nhead in cuts:
        return (
            f"<table{attrs}><thead>{''.join(rows[:nhead])}</thead>"
            f"<tbody>{''.join(rows[nhead:])}</tbody></table>"
        )
    if tbody == "two" and cuts:
        k = rng.choice(cuts)
        return (
            f"<table{attrs}><tbody>{''.join(rows[:k])}</tbody>"
            f"<tbody>{''.join(rows[k:])}</tbody></table>"
        )
    return f"<table{attrs}><tbody>{''.join(rows)}</tbody></table>"


def _article(rep, lay, rng: random.Random, pictures: dict | None = None) -> str:
    tables = all_tables(rep, lay)
    out = []
    p = '<p class="MsoNormal" style="text-indent:2em">{}</p>' if lay.html == "word" else "<p>{}</p>"
    for kind, val in section_blocks(rep):
        if kind == "title":
            out.append(
                f'<h1 style="text-align:center">{_esc(val)}</h1>'
                if lay.html != "word"
                else f'<p class="MsoNormal" align="center"><b><span style="font-size:22pt">'
                f"{_esc(val)}</span></b></p>"
            )
        elif kind == "heading":
            out.append(
                f"<h2>{_esc(val)}</h2>" if lay.html == "plain" else p.format(f"<b>{_esc(val)}</b>")
            )
        elif kind == "subheading":
            out.append(p.format(f"<strong>{_esc(val)}</strong>"))
        elif kind == "para":
            out.append(p.format(_esc(val)))
        elif kind == "sign":
            out.append(f'<p style="text-align:right">{_esc(val)}</p>')
        elif kind == "table":
            for i, part in enumerate(tables[val]):
                if part.caption:
                    out.append(p.format(_esc(part.caption)))
                elif i and lay.between != "none":
                    out.append(
                        "<p>&nbsp;</p>"
                        if lay.between == "para"
                        else '<br style="page-break-before:always" clear="all">'
                    )
                if pictures and val in pictures:  # the table pasted as a picture
                    out.append(
                        f'<p style="text-align:center"><img src="{pictures[val][i]}" '
                        f'alt="" style="max-width:100%"></p>'
                    )
                    continue
                out.append(
                    _table_html(
                        part, "word" if lay.html == "word" else "plain", rng, lay.html_tbody
                    )
                )
    return "\n".join(out)


def _cms(rep, article: str, rng: random.Random) -> str:
    nav = "".join(
        f'<li><a href="/{k}/">{t}</a></li>'
        for k, t in [
            ("index", "首页"),
            ("zwgk", "政务公开"),
            ("zwfw", "政务服务"),
            ("hdjl", "互动交流"),
            ("zjxx", "走进本地"),
            ("zfxxgk", "政府信息公开"),
        ]
    )
    side = "".join(
        f'<li><a href="/zfxxgk/{i}/">{t}</a></li>'
        for i, t in enumerate(
            [
                "政府信息公开指南",
                "政府信息公开制度",
                "法定主动公开内容",
                "政府信息公开年报",
                "依申请公开",
            ]
        )
    )
    d = rep.publish_date
    src = rng.choice([rep.portal, rep.agency, "本网"])
    if rep.options.get("title_order") == "metadata":
        src = rep.publisher  # the page names its body only here
    meta = ""
    if rng.random() < 0.5:  # the catalogue's metadata table (发布机构 may be the parent site)
        meta = (
            f'<table class="xxgk_table"><tr><td>索引号：</td><td>{rng.randint(10**8, 10**9)}/'
            f"{d.year}-{rng.randint(100, 999)}</td><td>分类：</td><td>政府信息公开年报</td></tr>"
            f"<tr><td>发布机构：</td><td>{_esc(src)}</td><td>发文日期：</td><td>{d.isoformat()}"
            f'</td></tr><tr><td>名称：</td><td colspan="3">{_esc(rep.title)}</td></tr></table>'
        )
    return f"""<div class="header"><div class="logo">\
<img src="/images/logo.png" alt="{_esc(rep.portal)}">
<span>{_esc(rep.portal)}</span></div><ul class="nav">{nav}</ul>
<form action="/search"><input name="q" placeholder="请输入关键字"><button>搜索</button></form></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zfxxgk/">政府信息公开</a> &gt;
<a href="/zfxxgk/nb/">政府信息公开年报</a></div>
<div class="main"><div class="side"><h3>信息公开目录</h3><ul>{side}</ul></div>
<div class="content"><div class="info">来源：{_esc(src)}\
　发布时间：{d.isoformat()} 09:{rng.randint(10, 59)}
　浏览次数：<span id="hits">{rng.randint(20, 3000)}</span>\
　【字体：<a href="#">大</a> <a href="#">中</a>
<a href="#">小</a>】</div>
{meta}
<div class="TRS_Editor" id="zoom">{article}</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a></div>
<div class="related"><h4>相关链接</h4><ul>\
<li><a href="/nb/{rep.year - 1}.htm">{rep.year - 1}年政府信息公开工作年度报告</a></li></ul></div>
</div></div>
<div class="footer"><p>主办：{_esc(rep.portal)}办公室\
　网站标识码：{rng.randint(1000000000, 9999999999)}</p>
<p>ICP备案号：鲁ICP备{rng.randint(10000000, 99999999)}号</p></div>
<script>var _hmt = _hmt || []; \
(function() {{ var hm = document.createElement("script"); }})();</script>"""


def render_html(
    report, layout=None, encoding: str = "utf-8", pictures: dict | None = None
) -> bytes:
    """pictures: {table name: [<img> src of each part]} prints those tables as pictures
    (synthetic/render_pictures.py)."""
    lay = choose_layout(report, "html", layout)
    rng = random.Random(f"{report.seed}:html:render")
    article = _article(report, lay, rng, pictures)
    body = _cms(report, article, rng) if lay.html == "cms" else article
    meta = (
        f'<meta http-equiv="Content-Type" content="text/html; charset={encoding}">'
        if lay.meta_charset
        else ""
    )
    if lay.html == "cms" or report.options.get("title_order") == "metadata":
        # the article's source, as government CMS pages declare it (政府网站 meta tags)
        meta += f'<meta name="ContentSource" content="{html.escape(report.publisher or "")}">'

    title = f"{report.title}_{report.portal}" if lay.html == "cms" else report.title
    style = "<style>table{border-collapse:collapse} td,th{border:1px solid #000}</style>"
    page = (
        f"<!DOCTYPE html>\n<html><head>{meta}<title>{_esc(title)}</title>{style}</head>\n"
        f"<body>\n{body}\n</body></html>\n"
    )
    return page.encode(encoding, errors="xmlcharrefreplace")  # GBK lacks Kangxi radicals
