"""The simulated portals of the demo farm: one Site subclass per CMS family.

A Site answers (method, path, query, form) with (status, headers, body) and knows which of
its URLs publish documents. Report bodies come from the report generator (synthetic/report.py);
a site placed in a real county (GB/T 2260) publishes the reports of that county's bodies over
several years, and, with `others`, the documents a real column mixes in with them: notices,
解读 and 图解, a 法治政府建设 report, the blank 报告格式 form, a guide and an application form.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import math
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote

CT = {
    "html": "text/html; charset={enc}",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xml": "text/xml; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "jpg": "image/jpeg",
    "png": "image/png",
    "ofd": "application/ofd",
    "doc": "application/msword",
    "zip": "application/zip",
    "rar": "application/x-rar-compressed",
}


@dataclass
class Doc:
    """One published document: a detail page, and for pdf/docx documents an attachment (an
    html report with a `copy` also attaches the same report as a PDF)."""

    id: int
    seed: int
    fmt: str  # html | pdf | docx
    title: str = ""
    detail: str = ""  # path of the detail page
    attachment: str = ""  # final path of the attachment ("" for html reports)
    version: int = 0
    removed: bool = False
    raw: bytes | None = None  # a body given as is (shared corpus files)
    extra: dict = field(default_factory=dict)
    kind: str = "report"  # report, or the kind of another document (archive/classify.py)
    agency: str | None = None  # the body and year of a report (None: the generator's own)
    year: int | None = None
    copy: bool = False  # an html report that also attaches itself as a PDF
    variant: str = ""  # a document of the long tail (synthetic/farm_tail.py)
    county: str = ""

    def report(self):
        """The generated report (the truth) of a report document."""
        return self.reports()[0]

    def reports(self) -> list:
        """The generated reports of a document (a compilation holds several)."""
        if self.variant:
            from synthetic import farm_tail

            return list(farm_tail.reports(self.seed, self.variant, self.county, self.version))
        from synthetic.report import generate_report

        return [generate_report(self.seed + 100_000 * self.version, **_who(self.agency, self.year))]


def _who(agency, year) -> dict:
    return {k: v for k, v in (("agency", agency), ("year", year)) if v is not None}


@functools.lru_cache(maxsize=4096)
def report_body(
    seed: int,
    fmt: str,
    encoding: str = "utf-8",
    version: int = 0,
    agency: str | None = None,
    year: int | None = None,
) -> bytes:
    """The bytes of a generated report; version > 0 gives a corrected edition."""
    from synthetic import render_docx, render_html, render_pdf
    from synthetic.report import generate_report

    rep = generate_report(seed + 100_000 * version, **_who(agency, year))
    if fmt == "html":
        return _html(render_html, rep, encoding)
    return {"pdf": render_pdf.render_pdf, "docx": render_docx.render_docx}[fmt](rep)


def _html(render_html, rep, encoding: str) -> bytes:
    try:
        return render_html.render_html(rep, encoding=encoding)
    except UnicodeEncodeError:  # e.g. Kangxi radicals are not in GBK: publish it as GB18030
        return render_html.render_html(rep, encoding="gb18030")


def page(title: str, body: str, encoding: str) -> bytes:
    return (
        f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; '
        f'charset={encoding}"><title>{html.escape(title)}</title></head><body>'
        f'<div class="header">政府信息公开</div>{body}<div class="footer">主办单位：示例</div>'
        f"</body></html>"
    ).encode(encoding, "replace")


# Real counties (GB/T 2260) for the demo portals: (region code, county, its city's government)
PLACES = [
    ("371581", "临清市", "聊城市人民政府"),
    ("320582", "张家港市", "苏州市人民政府"),
    ("440106", "天河区", "广州市人民政府"),
    ("330783", "东阳市", "金华市人民政府"),
    ("620403", "平川区", "白银市人民政府"),
    ("510781", "江油市", "绵阳市人民政府"),
    ("410185", "登封市", "郑州市人民政府"),
    ("350181", "福清市", "福州市人民政府"),
    ("430181", "浏阳市", "长沙市人民政府"),
]
OTHER_YEAR = 2023


def bodies_of(county: str) -> list[str]:
    return [f"{county}人民政府", f"{county}教育局", f"{county}城关街道办事处"]


def report_slots(county: str, years=range(2020, 2025)) -> list[tuple[str, int]]:
    """(body, year) of a county's reports in the order a site publishes them: the government
    and a department year after year, then a 街道; each once."""
    gov, dept, street = bodies_of(county)
    return [(b, y) for y in years for b in (gov, dept)] + [(street, y) for y in years]


def other_documents(county: str) -> list[tuple[str, str, str]]:
    """(kind, title, format) of the documents a column lists beside the reports."""
    y = OTHER_YEAR
    return [
        ("notice", f"关于做好{y}年度政府信息公开工作年度报告编制发布工作的通知", "html"),
        ("interpretation", f"关于《{county}人民政府{y}年政府信息公开工作年度报告》的解读", "html"),
        ("interpretation", f"图解：{county}人民政府{y}年政府信息公开工作年度报告", "html"),
        ("blank_form", "政府信息公开工作年度报告格式", "docx"),
        ("rule_of_law_report", f"{county}人民政府{y}年法治政府建设年度报告", "html"),
        ("guide", f"{county}人民政府政府信息公开指南", "html"),
        ("application_form", "政府信息公开申请表", "html"),
    ]


def _paragraphs(seed: int, short: str, n: int) -> str:
    import random

    from synthetic.text import paragraph

    rng = random.Random(seed)
    return "".join(f"<p>{paragraph(rng, short, OTHER_YEAR, 120)}</p>" for _ in range(n))


def other_body(d: Doc, site: "Site", fmt: str) -> bytes:
    """The bytes of a document that is not a report (Doc.kind says which)."""
    county = site.place[1] if site.place else "本县"
    t, y, enc = html.escape(d.title), OTHER_YEAR, site.encoding
    if d.kind == "blank_form":  # the attachment of its detail page
        return blank_form_docx(d.seed)
    if d.kind == "notice":
        body = (
            f"<p>各乡镇人民政府、街道办事处，{county}政府各部门：</p><p>根据《中华人民共和国政府信息公开条例》"
            f"规定，请于{y + 1}年1月31日前完成{y}年度政府信息公开工作年度报告的编制，"
            f"经本单位主要负责同志"
            f"审定后报送县政务公开办公室，并于3月31日前在本单位网站公开。</p><p>特此通知。</p>"
        )
    elif d.kind == "interpretation" and d.title.startswith("图解"):
        body = (
            f'<p><img src="/images/tujie{d.id}.jpg" alt="{t}"></p><p>{y}年，{county}主动公开政府'
            f"信息{1000 + d.seed % 900}条，收到政府信息公开申请{20 + d.seed % 80}件。</p>"
        )
    elif d.kind == "interpretation":
        body = (
            f"<p>一、主要内容。{y}年，{county}人民政府共收到政府信息公开申请{20 + d.seed % 80}件，"
            f"均已按时答复；行政复议、行政诉讼情况较上年有所减少。</p>"
            + _paragraphs(d.seed, county, 3)
        )
    elif d.kind == "rule_of_law_report":
        body = "".join(
            f"<h2>{h}</h2>" + _paragraphs(d.seed + i, county, 3)
            for i, h in enumerate(
                [
                    "一、总体情况",
                    "二、主要举措",
                    "三、存在的主要问题及改进情况",
                    "四、下一步工作安排",
                ]
            )
        )
    elif d.kind == "guide":
        body = (
            "<h2>一、主动公开</h2>"
            + _paragraphs(d.seed, county, 1)
            + "<h2>二、依申请公开</h2><table border='1'><tr><td>受理机构</td>"
            "<td>县政务公开办公室</td>"
            "</tr><tr><td>办公时间</td><td>工作日上午9:00-12:00</td></tr><tr><td>联系电话</td>"
            "<td>0635-1234567</td></tr></table>"
        )
    else:  # application_form
        cells = [
            "申请人姓名",
            "",
            "证件名称",
            "",
            "证件号码",
            "",
            "联系电话",
            "",
            "所需信息的内容描述",
            "",
            "获取信息的方式",
            "□纸面 □电子邮件 □光盘",
            "申请人签名",
            "",
        ]
        rows = "".join(
            f"<tr><td>{a}</td><td>{b}</td></tr>"
            for a, b in zip(cells[::2], cells[1::2], strict=False)
        )
        body = f"<p>受理机关：{county}人民政府办公室</p><table border='1'>{rows}</table>"
    return page(d.title, f"<h1>{t}</h1><div class='content'>{body}</div>", enc)


@functools.lru_cache(maxsize=1)
def tujie_picture() -> bytes:
    """The picture of a 图解 page (round figures, not a table)."""
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGB", (640, 360), (250, 240, 230))
    draw = ImageDraw.Draw(img)
    for k, r in enumerate((50, 70, 40, 60)):
        draw.ellipse((80 + k * 140 - r, 180 - r, 80 + k * 140 + r, 180 + r), fill=(190, 40, 40))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


@functools.lru_cache(maxsize=16)
def blank_form_docx(seed: int) -> bytes:
    """The national 报告格式: the report's headings and its three tables with every cell empty."""
    from dataclasses import replace

    from synthetic import render_docx
    from synthetic.report import generate_report

    rep = generate_report(seed, year=OTHER_YEAR, arithmetic_errors=False, truncate=None)
    printed = {
        t: {r: {c: "" for c in cols} for r, cols in rows.items()} if rows else rows
        for t, rows in rep.printed.items()
    }
    title = "政府信息公开工作年度报告格式"
    form = replace(
        rep,
        title=title,
        title_lines=[title],
        agency="（单位名称）",
        printed=printed,
        narrative={
            "intro": ["（单位名称）按以下格式编制年度报告。"],
            "overview": [],
            "problems": [],
            "other": [],
        },
    )
    return render_docx.render_docx(form)


class Site:
    family = "generic"
    encoding = "utf-8"
    disallow = "/private/"
    blocked = False  # True: every answer is a JS challenge
    unlisted: set = set()  # kinds of other documents this family's column does not list

    def __init__(
        self,
        name: str,
        host: str,
        n_reports: int,
        seed: int,
        place: tuple | None = None,
        extras: bool = False,
        tail: list[str] = (),
    ):
        self.name, self.host, self.port = name, host, 0
        self.seed = seed
        self.place = place  # (region code, county, parent) or None: no fixed place
        self.docs: list[Doc] = []
        self.failed_once: set[str] = set()  # paths that already failed their one 503
        self.fail_once: set[str] = set()
        self.redirects: dict[str, str] = {}
        self.broken: set[str] = set()
        fmts = ["html", "pdf", "docx"]
        slots = report_slots(place[1]) if place else []
        for i in range(n_reports):
            agency, year = slots[i] if i < len(slots) else (None, None)
            self.docs.append(
                Doc(id=1000 + i, seed=seed * 1000 + i, fmt=fmts[i % 3], agency=agency, year=year)
            )
        if extras and place:  # the documents a real column mixes in, and a report's PDF copy
            first_html = next((d for d in self.docs if d.fmt == "html"), None)
            if first_html:
                first_html.copy = True
            for j, (kind, title, fmt) in enumerate(other_documents(place[1])):
                if kind not in self.unlisted:
                    self.docs.append(
                        Doc(
                            id=1500 + j, seed=seed * 1000 + 500 + j, fmt=fmt, title=title, kind=kind
                        )
                    )
        if place:  # the long tail: pictures of tables, OFD, archives, compilations …
            from synthetic import farm_tail

            for j, variant in enumerate(tail):
                self.docs.append(
                    Doc(
                        id=1600 + j,
                        seed=seed * 1000 + 600 + j,
                        fmt=farm_tail.FORMAT[variant],
                        variant=variant,
                        county=place[1],
                        agency=farm_tail.body_of(variant, place[1]),
                        year=farm_tail.year_of(variant),
                    )
                )
        self.pool = 0  # > 0: pdf/docx bodies drawn from this many renderings (benchmarks)
        self.layout()
        for d in self.docs:
            if d.variant == "split":  # the tables beside the text: a second attachment
                d.extra["attachment2"] = d.attachment.rsplit(".", 1)[0] + "_2.pdf"
        for d in self.docs:
            if d.raw is None and d.kind == "report":
                d.title = d.report().title
                if d.variant == "compilation":
                    from synthetic.render_compilation import title_of

                    d.title = title_of(d.reports())

    # -- content --------------------------------------------------------------------------
    def body_of(self, d: Doc, fmt: str | None = None) -> bytes:
        """The report's bytes (as `fmt`, by default its own format), rendered on first use."""
        fmt = fmt or d.fmt
        if d.kind != "report":
            return other_body(d, self, fmt)
        if d.variant:
            got = self.tail_files(d)
            return got["page"] if fmt == "html" and got["page"] else got["attachment"]
        if self.pool and fmt != "html":
            return report_body(d.seed % self.pool, fmt, "utf-8", d.version)
        return report_body(
            d.seed, fmt, self.encoding if fmt == "html" else "utf-8", d.version, d.agency, d.year
        )

    def tail_files(self, d: Doc) -> dict:
        from synthetic import farm_tail

        return farm_tail.files(
            d.seed, d.variant, d.county, self.base + d.detail, d.version, self.encoding
        )

    def live(self) -> list[Doc]:
        return [d for d in self.docs if not d.removed]

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start_url(self) -> str:
        raise NotImplementedError

    def layout(self) -> None:
        """Assign paths to docs and set up redirects, broken links, 503s."""

    def detail_page(self, d: Doc) -> bytes:
        if d.fmt == "html":
            if d.raw is not None:
                return d.raw
            body = self.body_of(d)
            if d.copy:  # the same report attached as a PDF below the page
                link = f"<p>附件：{self.attachment_link(d)}</p>".encode(self.encoding)
                body = body.replace(b"</body>", link + b"</body>", 1)
            return body
        second = ""
        if d.extra.get("attachment2"):  # a split report: its tables in a second attachment
            second = f'<p><a href="{d.extra["attachment2"]}">附件2：统计表.pdf</a></p>'
        return page(
            d.title,
            f"<h1>{html.escape(d.title)}</h1><div class='content'><p>附件：</p>"
            f"{self.attachment_link(d)}{second}</div>",
            self.encoding,
        )

    def attachment_fmt(self, d: Doc) -> str:
        return "pdf" if d.copy else d.fmt

    def attachment_link(self, d: Doc) -> str:
        return f'<a href="{d.attachment}">{html.escape(d.title)}.{self.attachment_fmt(d)}</a>'

    def attachment_body(self, d: Doc) -> bytes:
        return d.raw if d.raw is not None else self.body_of(d, self.attachment_fmt(d))

    def tail_paths(self, d: Doc) -> dict[str, tuple[str, bytes]]:
        """The other files a tail document's page needs: its pictures, its second attachment."""
        if not d.variant:
            return {}
        got = self.tail_files(d)
        out = dict(got["pictures"])
        if d.extra.get("attachment2"):
            out[d.extra["attachment2"]] = (CT["pdf"], got["attachment2"])
        return out

    def robots(self) -> bytes:
        return f"User-agent: *\nDisallow: {self.disallow}\n".encode()

    def truth(self) -> dict[str, str]:
        """{absolute url: sha256} of every report detail page and attachment published."""
        out = {}
        for d in self.live():
            out[self.base + d.detail] = hashlib.sha256(self.detail_page(d)).hexdigest()
            if d.attachment:
                out[self.base + d.attachment] = hashlib.sha256(self.attachment_body(d)).hexdigest()
            if d.extra.get("attachment2"):
                body = self.tail_paths(d)[d.extra["attachment2"]][1]
                out[self.base + d.extra["attachment2"]] = hashlib.sha256(body).hexdigest()
        return out

    # -- serving --------------------------------------------------------------------------
    def respond(self, method: str, path: str, query: str, form: bytes):
        """(status, content type, body, extra headers) or None for 404."""
        if self.blocked:
            return challenge()
        if path == "/robots.txt":
            return 200, CT["txt"], self.robots(), {}
        if path in self.fail_once and path not in self.failed_once:
            self.failed_once.add(path)
            return 503, CT["txt"], b"Service Unavailable", {}
        if path in self.redirects:
            return 301, CT["txt"], b"", {"Location": self.redirects[path]}
        if path in self.broken:
            return None
        for d in self.live():
            if path == d.detail:
                body = self.detail_page(d)
                enc = (
                    "utf-8"
                    if d.raw is not None
                    else ("gb18030" if b"charset=gb18030" in body[:600] else self.encoding)
                )
                return 200, CT["html"].format(enc=enc), body, {}
            if d.attachment and path == d.attachment:
                return 200, CT[self.attachment_fmt(d)], self.attachment_body(d), {}
            extra = self.tail_paths(d).get(path)
            if extra:
                return 200, extra[0], extra[1], {}
        if path.startswith("/images/tujie") and path.endswith(".jpg"):  # a 图解 page's picture
            return 200, CT["jpg"], tujie_picture(), {}
        if path.startswith(self.disallow):
            return (
                200,
                CT["html"].format(enc=self.encoding),
                page("内部", "内部页面", self.encoding),
                {},
            )
        return self.route(method, path, query, form)

    def route(self, method, path, query, form):
        return None

    def html(self, title: str, body: str):
        return 200, CT["html"].format(enc=self.encoding), page(title, body, self.encoding), {}


class TrsSite(Site):
    """TRS WCM: index.html, index_1.html …; createPageHTML(n, cur, "index", "html")."""

    family, encoding, per_page = "trs", "gbk", 3
    root = "/zwgk/ndbg/"

    def start_url(self):
        return self.base + self.root + "index.html"

    def layout(self):
        for d in self.docs:
            ym = f"2021{(d.id % 9) + 1:02d}"
            day = f"{ym}{(d.id % 27) + 1:02d}"
            d.detail = f"{self.root}{ym}/t{day}_{d.id}.html"
            if d.fmt != "html" or d.copy:
                d.attachment = f"{self.root}{ym}/P0{day}{d.id}{d.id % 7}.{self.attachment_fmt(d)}"
        self.redirects[self.root + "202101/t20210101_old.htm"] = self.docs[0].detail
        self.broken.add(self.root + "202103/t20210306_9999.html")
        self.fail_once.add(self.root + "index_1.html")

    def attachment_link(self, d):
        return (
            f'<a href="./{d.attachment.rsplit("/", 1)[1]}" OLDSRC="/x">{html.escape(d.title)}</a>'
        )

    def route(self, method, path, query, form):
        if not path.startswith(self.root):
            return None
        name = path[len(self.root) :] or "index.html"
        docs = self.live()
        pages = max(1, math.ceil(len(docs) / self.per_page))
        if name == "index.html":
            n = 0
        elif name.startswith("index_") and name.endswith(".html") and name[6:-5].isdigit():
            n = int(name[6:-5])
        else:
            return None
        if n >= pages:
            return None
        items = []
        for d in docs[n * self.per_page : (n + 1) * self.per_page]:
            rel = "." + d.detail[len(self.root) - 1 :]
            items.append(
                f'<li><a href="{rel}" target="_blank" title="{html.escape(d.title)}">'
                f"{html.escape(d.title[:20])}</a><span>2021-03-05</span></li>"
            )
        if n == 0:  # a moved page, a dead link and a link robots.txt forbids
            items.append(
                '<li><a href="./202101/t20210101_old.htm">'
                "2020年政府信息公开工作年度报告（旧址）</a></li>"
            )
            items.append(
                '<li><a href="./202103/t20210306_9999.html">2019年政府信息公开工作年度报告</a></li>'
            )
            items.append(
                '<li><a href="/private/t20210101_1.html">'
                "2021年政府信息公开工作年度报告（内部）</a></li>"
            )
        script = (
            f'<script type="text/javascript">var countPage = {pages};'
            f'createPageHTML({pages}, {n}, "index", "html");</script>'
        )
        return self.html("政府信息公开年报", f"<ul class='list'>{''.join(items)}</ul>{script}")


class HanwebSite(Site):
    """大汉 JCMS: /col/colN/index.html, list by POST dataproxy.jsp, downfile.jsp redirects."""

    family, per_page = "hanweb", 2
    col, unit = 1234, 5678
    disallow = "/module/search/"

    def start_url(self):
        return f"{self.base}/col/col{self.col}/index.html"

    def layout(self):
        for d in self.docs:
            d.detail = f"/art/2021/3/{d.id % 28 + 1}/art_{self.col}_{d.id}.html"
            if d.fmt != "html" or d.copy:
                d.attachment = f"/picture/0/2103{d.id}{d.id % 10}.{self.attachment_fmt(d)}"
        self.fail_once.add("/module/web/jpage/dataproxy.jsp")

    def attachment_link(self, d):
        if d.fmt == "pdf" and d.id % 2:  # a pdf shown in pdf.js inside an iframe
            return (
                f'<iframe src="/module/pdfjs/web/viewer.html?file={quote(d.attachment)}" '
                'width="100%" height="800"></iframe>'
            )
        name = d.attachment.rsplit("/", 1)[1]
        return (
            f'<a href="/module/download/downfile.jsp?classid=0&filename={name}">'
            f"{html.escape(d.title)}.{self.attachment_fmt(d)}</a>"
        )

    def record(self, d: Doc) -> str:
        return (
            f'<record><![CDATA[<li><a href="{d.detail}" title="{html.escape(d.title)}" '
            f'target="_blank">{html.escape(d.title)}</a><span>2021-03-05</span></li>]]></record>'
        )

    def route(self, method, path, query, form):
        docs = self.live()
        if path == f"/col/col{self.col}/index.html":
            first = "".join(self.record(d) for d in docs[: self.per_page])
            body = (
                f'<div id="{self.unit}"><script type="text/xml"><datastore><nextgroup><![CDATA['
                f'<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=1&path=/&columnid='
                f'{self.col}&unitid={self.unit}&webname=%E7%A4%BA%E4%BE%8B&permissiontype=0">'
                f"</a>]]></nextgroup><recordset>{first}</recordset></datastore></script></div>"
                f"<script>$(document).ready(function(){{$('#{self.unit}').jpage({{"
                f"dataStore: null, perPage: {self.per_page}, totalRecord: {len(docs)}, "
                f"proxyUrl: '/module/web/jpage/dataproxy.jsp', groupSize: 3}});}});</script>"
                '<a href="/module/search/index.jsp?q=年报">2021年政府信息公开工作年度报告搜索</a>'
            )
            return self.html("政府信息公开年度报告", body)
        if path == "/module/web/jpage/dataproxy.jsp":
            q = {k: v[0] for k, v in parse_qs(query).items()}
            f = {k: v[0] for k, v in parse_qs(form.decode("utf-8", "replace")).items()}
            if method != "POST" or f.get("columnid") != str(self.col):
                return 400, CT["txt"], b"bad request", {}
            start, end = int(q.get("startrecord", 1)), int(q.get("endrecord", 1))
            recs = "".join(self.record(d) for d in docs[start - 1 : end])
            xml = (
                f'<?xml version="1.0" encoding="UTF-8"?><datastore><nextgroup><![CDATA[]]>'
                f"</nextgroup><recordset>{recs}</recordset><totalrecord>{len(docs)}"
                "</totalrecord></datastore>"
            )
            return 200, CT["xml"], xml.encode(), {}
        if path == "/module/download/downfile.jsp":
            name = parse_qs(query).get("filename", [""])[0]
            return 302, CT["txt"], b"", {"Location": f"/picture/0/{name}"}
        return None


class GkmlptSite(Site):
    """广东 gkmlpt: JSON /gkmlpt/api/all/{catid}?page=N&sid=SID, sid from window._CONFIG."""

    family, per_page, catid, sid = "gkmlpt", 3, "2637", "755001"
    disallow = "/gkmlpt/search"

    def start_url(self):
        return f"{self.base}/gkmlpt/index#{self.catid}"

    def layout(self):
        for d in self.docs:
            d.detail = f"/gkmlpt/content/0/{d.id // 10}/post_{d.id}.html"
            if d.fmt != "html" or d.copy:
                d.attachment = f"/attachment/0/{d.id}/{d.id}_{d.seed % 97}.{self.attachment_fmt(d)}"
        self.broken.add("/gkmlpt/content/0/999/post_9999.html")

    def attachment_link(self, d):
        if d.fmt == "docx":
            return (
                f'<a href="javascript:;" onclick="downloadFile(\'{d.attachment}\')">'
                f"{html.escape(d.title)}.docx</a>"
            )
        return f'<a href="{d.attachment}">{html.escape(d.title)}.pdf</a>'

    def route(self, method, path, query, form):
        docs = self.live()
        if path == "/gkmlpt/index":
            body = (
                f"<script>window._CONFIG = {{SID: '{self.sid}', TITLE: '政府信息公开目录'}};"
                "</script><div id='app'></div>"
                '<a href="/gkmlpt/search?keywords=年报">2021年政府信息公开工作年度报告检索</a>'
            )
            return self.html("政府信息公开", body)
        if path == f"/gkmlpt/api/all/{self.catid}":
            q = {k: v[0] for k, v in parse_qs(query).items()}
            if q.get("sid") != self.sid:
                return 403, CT["json"], b'{"error": "sid"}', {}
            n = int(q.get("page", 1))
            arts = [
                {
                    "id": d.id,
                    "title": d.title,
                    "url": self.base + d.detail,
                    "first_publish_time": 1614902400,
                }
                for d in docs[(n - 1) * self.per_page : n * self.per_page]
            ]
            if n == 1:  # the column also lists a dead link
                arts.append(
                    {
                        "id": 9999,
                        "title": "2019年政府信息公开工作年度报告",
                        "url": self.base + "/gkmlpt/content/0/999/post_9999.html",
                    }
                )
            return (
                200,
                CT["json"],
                json.dumps(
                    {"articles": arts, "total": len(docs), "page": n, "size": self.per_page},
                    ensure_ascii=False,
                ).encode(),
                {},
            )
        return None


class GenericSite(Site):
    """No known CMS: report links found by title, pagination by 下一页."""

    family, encoding, per_page = "generic", "gbk", 4
    disallow = "/admin/"
    unlisted = {"guide", "application_form"}  # titled unlike a report: not followed

    def __init__(self, *a, shared=None, **kw):
        self.shared = shared
        super().__init__(*a, **kw)

    def start_url(self):
        return self.base + "/xxgk/ndbg/list.html"

    def layout(self):
        if self.shared:  # the real seeds and corpus files of ../shared, published as they are
            nxt = 2000
            for p in sorted((self.shared / "corpus").glob("*.*")):
                if p.suffix in (".pdf", ".html"):
                    self.docs.append(
                        Doc(
                            id=nxt,
                            seed=0,
                            fmt=p.suffix[1:],
                            raw=p.read_bytes(),
                            title=f"{p.stem}年政府信息公开工作年度报告",
                        )
                    )
                    nxt += 1
        for d in self.docs:
            d.detail = f"/xxgk/ndbg/2021/nb_{d.id}.html"
            if d.fmt != "html" or d.copy:
                d.attachment = f"/uploads/2021/{d.id}.{self.attachment_fmt(d)}"
        self.fail_once.add(self.docs[-1].detail)
        self.redirects["/xxgk/ndbg/list_1.html"] = "/xxgk/ndbg/list.html"

    def attachment_link(self, d):
        if d.fmt == "docx":
            return (
                f'<a href="javascript:void(0)" onclick="window.open(\'{d.attachment}\')">'
                "下载附件</a>"
            )
        return f'<a href="/pdfjs/web/viewer.html?file={quote(d.attachment)}">在线阅读</a>'

    def route(self, method, path, query, form):
        docs = self.live()
        pages = max(1, math.ceil(len(docs) / self.per_page))
        if path == "/xxgk/ndbg/list.html":
            n = 1
        elif path.startswith("/xxgk/ndbg/list_") and path[16:-5].isdigit():
            n = int(path[16:-5])
        elif path.startswith("/xxgk/tzgg/"):
            return self.html("通知", "<p>通知公告</p>")
        else:
            return None
        if n > pages:
            return None
        links = [
            f'<p><a href="{d.detail}">{html.escape(d.title)}</a></p>'
            for d in docs[(n - 1) * self.per_page : n * self.per_page]
        ]
        if n == 1:
            links += [
                '<p><a href="/xxgk/tzgg/1.html">关于开展政务公开培训的通知</a></p>',
                '<p><a href="/admin/nb2021.html">2021年政府信息公开工作年度报告（草稿）</a></p>',
                '<p><a href="http://www.gov.cn/zhengce/nb.html">国务院办公厅2021年政府信息公开工作年度报告</a></p>',
            ]
        nav = f'<a href="list_{n + 1}.html">下一页</a>' if n < pages else "<span>下一页</span>"
        return self.html("年度报告", f"<div class='list'>{''.join(links)}</div><div>{nav}</div>")


def challenge():
    """A 瑞数-style JS challenge: HTTP 412 with an inline $_ts script and a cookie."""
    body = (
        b"<html><head><meta charset='utf-8'><script>$_ts=window['$_ts'];if(!$_ts)$_ts={};"
        b"$_ts.nsd=12345;$_ts.cd='qEcrr';</script><script src='/abc.js'></script></head>"
        b"<body></body></html>"
    )
    return 412, "text/html; charset=utf-8", body, {"Set-Cookie": "FSSBBIl1UgzbN7N80S=x; path=/"}


class BlockedSite(Site):
    """A portal behind a JS challenge on every page."""

    family, blocked = "generic", True

    def start_url(self):
        return self.base + "/xxgk/index.html"
