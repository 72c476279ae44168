"""The original at a value's place (a datasette plugin module): every number on a report's page
links to /-/ogi/source/<report>/<table.row.col>, which shows where the original printed it —

- a PDF (a scan's too) or an image file: the page rendered to an image, the cell's box drawn
  over it (/-/ogi/page/<sha256>/<n>.png: rendered on request, once, then cached);
- an HTML page, MHT, DOCX/DOC/WPS or spreadsheet: the source table as the parsers read it,
  rebuilt from its cells' text (never the scraped markup: no script, style or link of the
  source reaches the reader) with the cell marked;
- plain text: the lines around the line, the line marked;
- a picture of a table inside a page, MHT, DOCX/DOC/WPS or OFD: that picture, the cell's box
  drawn over it (/-/ogi/picture/<sha256>/<k>.png; a page's pictures are those the crawler
  captured with it);
- OFD pages: the page and box in words (no renderer for them here).

Scraped files are only ever read by archive.publish.render in a child process under a time
and memory limit; one child at a time (the server's cores are for queries).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import sys
from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response, asgi_send_file
from markupsafe import escape

from archive.publish.downloads import _archive
from archive.publish.labels import TABLE_SHORT, col_label, row_label

CELL = re.compile(r"^([a-z_]+)\.([a-z_]+)\.([a-z_]+)$")
RENDER_TIMEOUT = 60.0  # s: one child's time
PAGED = ("pdf", "image")
TABLED = ("html", "mht", "docx", "doc", "wps", "xlsx", "xls")
PICTURED = ("html", "mht", "docx", "doc", "wps", "ofd")
_locks: dict = {}  # event loop → its lock: one child at a time
MARK = ' class="ogi-mark"'
HEADERS = {
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
}


def _cache(root: Path) -> Path:
    d = root / "cache" / "source"
    d.mkdir(parents=True, exist_ok=True)
    return d


async def _run(job: str, src: Path, out: Path, arg: dict) -> dict:
    """The child's answer for one job, from the cache when it was made before."""
    meta = out.with_suffix(".json")
    if meta.is_file():
        return json.loads(meta.read_text(encoding="utf-8"))
    loop = asyncio.get_running_loop()
    async with _locks.setdefault(loop, asyncio.Lock()):
        if not meta.is_file():
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "archive.publish.render",
                job,
                str(src),
                str(out),
                json.dumps(arg),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
            try:
                await asyncio.wait_for(proc.wait(), RENDER_TIMEOUT)
            except asyncio.TimeoutError:
                proc.kill()
                await proc.wait()
            if not meta.is_file():
                raise NotFound("The original cannot be shown at that place")
    return json.loads(meta.read_text(encoding="utf-8"))


async def _document(datasette, report_id: int) -> dict | None:
    """The report's representative edition: its document, format and record."""
    db = datasette.get_database("ogi")
    row = (
        await db.execute(
            "SELECT e.sha256, e.part, e.format, e.tables_from, t.record, r.title, r.body, r.year "
            "FROM reports r JOIN report_editions e ON e.id = r.edition_id "
            "LEFT JOIN document_texts t ON t.sha256 = e.sha256 AND t.part = e.part "
            "WHERE r.id = ?",
            [report_id],
        )
    ).first()
    if row is None:
        return None
    out = dict(row)
    out["record"] = json.loads(out["record"] or "{}")
    sha = out["tables_from"] or out["sha256"]  # tables read from another attachment
    if out["tables_from"]:
        out["format"] = await _format(db, sha)
    out["source"] = sha
    return out


async def _format(db, sha: str) -> str | None:
    """The format of a document a report edition reads (its own, or its tables')."""
    row = (
        await db.execute(
            "SELECT format FROM report_editions WHERE sha256 = ? UNION ALL "
            "SELECT format FROM other_documents WHERE sha256 = ? AND EXISTS ("
            "SELECT 1 FROM report_editions WHERE tables_from = ?) LIMIT 1",
            [sha, sha, sha],
        )
    ).first()
    return row[0] if row else None


async def _path(datasette, sha: str) -> Path | None:
    root = _archive(datasette)
    if root is None:
        return None
    path = root / "blobs" / sha[:2] / sha
    db = datasette.get_database("ogi")
    if await db.table_exists("documents"):
        row = (await db.execute("SELECT path FROM documents WHERE sha256 = ?", [sha])).first()
        if row and row["path"]:
            path = root / row["path"]
    return path if path.is_file() else None


def _page_html(title: str, back: str, body: str) -> Response:
    html = (
        f'<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><title>{title}</title>'
        "<style>body{font-family:sans-serif;margin:1em}.ogi-page{position:relative;"
        "display:inline-block;border:1px solid #ccc}.ogi-page img{display:block;"
        "max-width:100%}.ogi-box{position:absolute;border:3px solid #e00;"
        "background:rgba(255,230,0,.35);box-sizing:border-box}table.ogi-src{"
        "border-collapse:collapse}table.ogi-src td{border:1px solid #999;padding:2px 6px}"
        "td.ogi-mark,li.ogi-mark{background:#ffe600;outline:3px solid #e00}"
        "ol.ogi-lines{font-family:monospace;white-space:pre-wrap}</style></head><body>"
        f'<p><a href="{escape(back)}">← 返回报告 · Back to the report</a></p>{body}'
        "</body></html>"
    )
    return Response.html(html, headers=HEADERS)


async def source_view(request, datasette):
    try:
        report_id = int(request.url_vars["report"])
    except ValueError:
        raise NotFound("No such report") from None
    m = CELL.match(request.url_vars["cell"])
    if not m or "ogi" not in datasette.databases:
        raise NotFound("No such cell")
    table, row, col = m.groups()
    doc = await _document(datasette, report_id)
    if doc is None:
        raise NotFound("No such report")
    rec = doc["record"]
    value = (((rec.get("tables") or {}).get(table) or {}).get(row) or {}).get(col)
    pos = (((rec.get("provenance") or {}).get(table) or {}).get(row) or {}).get(col)
    if pos is None:
        raise NotFound("The archive does not know where this value was printed")
    back = datasette.urls.row("ogi", "reports", str(report_id))
    what = (
        f"{escape(doc['body'] or '')} {doc['year'] or ''} · {escape(TABLE_SHORT.get(table, table))}"
        f" · {escape(row_label(table, row))} · {escape(col_label(table, col))}"
    )
    head = (
        f'<h1 class="ogi-where">{what}：<span class="ogi-value">{escape(_num(value))}</span></h1>'
        f'<p class="ogi-pos">原件中的位置 · Where the original printed it: '
        f"<code>{escape(json.dumps(pos, ensure_ascii=False))}</code></p>"
    )
    path = await _path(datasette, doc["source"])
    fmt = doc["format"] or ""
    if path is None:
        return _page_html(
            "原件", back, head + "<p>原件不在本档案中 · The raw file is not here.</p>"
        )
    if "box" in pos and "page" in pos and "picture" not in pos and fmt in PAGED:
        n = int(pos["page"])
        size = await _run(
            "page",
            path,
            _cache(_archive(datasette)) / f"{doc['source']}-p{n}.png",
            {"page": n, "format": fmt},
        )
        src = datasette.urls.path(f"/-/ogi/page/{doc['source']}/{n}.png")
        body = _boxed(src, f"原件第 {n} 页", f"第 {n} 页 · page {n}", pos["box"], size)
        return _page_html("原件", back, head + body)
    if "box" in pos and "picture" in pos and fmt in PICTURED:
        k = int(pos["picture"])
        size = await _run(
            "picture",
            path,
            _cache(_archive(datasette)) / f"{doc['source']}-i{k}.png",
            await _picture_arg(datasette, doc["source"], fmt, k),
        )
        src = datasette.urls.path(f"/-/ogi/picture/{doc['source']}/{k}.png")
        caption = f"原件第 {k + 1} 张图片（表格以图片印出）· picture {k + 1} of the original"
        body = _boxed(src, f"原件第 {k + 1} 张图片", caption, pos["box"], size)
        return _page_html("原件", back, head + body)
    if {"table", "row", "col"} <= set(pos) or "sheet" in pos:
        if fmt not in TABLED:
            return _page_html("原件", back, head)
        key = hashlib.sha256(json.dumps(pos, sort_keys=True).encode()).hexdigest()[:16]
        got = await _run(
            "table",
            path,
            _cache(_archive(datasette)) / f"{doc['source']}-t{key}",
            {"pos": pos, "name": f"x.{fmt}"},
        )
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td{_span(c)}{MARK if c['mark'] else ''}>{escape(c['text'])}</td>" for c in r
            )
            + "</tr>"
            for r in got["rows"]
        )
        return _page_html("原件", back, head + f'<table class="ogi-src">{rows}</table>')
    if "line" in pos and fmt == "text":
        got = await _run(
            "lines",
            path,
            _cache(_archive(datasette)) / f"{doc['source']}-l{int(pos['line'])}",
            {"line": int(pos["line"])},
        )
        items = "".join(
            f'<li value="{got["first"] + i}"{MARK if got["first"] + i == got["mark"] else ""}>'
            f"{escape(ln)}</li>"
            for i, ln in enumerate(got["lines"])
        )
        return _page_html("原件", back, head + f'<ol class="ogi-lines">{items}</ol>')
    return _page_html("原件", back, head)


def _boxed(src: str, alt: str, caption: str, box: list, size: dict) -> str:
    """An image of the original with a box drawn over it (the box in the image's units)."""
    x0, top, x1, bottom = box
    w, h = size["width"], size["height"]
    style = (
        f"left:{100 * x0 / w:.3f}%;top:{100 * top / h:.3f}%;"
        f"width:{100 * (x1 - x0) / w:.3f}%;height:{100 * (bottom - top) / h:.3f}%"
    )
    return (
        f"<p>{escape(caption)}</p>"
        f'<div class="ogi-page"><img src="{escape(src)}" alt="{escape(alt)}">'
        f'<div class="ogi-box" style="{style}"></div></div>'
    )


async def _picture_arg(datasette, sha: str, fmt: str, k: int) -> dict:
    """What the child needs to number a document's pictures as the parsers did: for a web
    page, its URL and the pictures captured with it (archive.build.page_pictures' rule)."""
    arg: dict = {"name": f"x.{fmt}", "picture": k}
    db = datasette.get_database("ogi")
    if fmt != "html" or not await db.table_exists("captures"):
        return arg
    cap = (
        await db.execute(
            "SELECT url, COALESCE(final_url, url) AS u FROM captures WHERE sha256 = ? "
            "ORDER BY id DESC LIMIT 1",
            [sha],
        )
    ).first()
    if cap is None:
        return arg
    root = _archive(datasette)
    resources: dict[str, str] = {}
    rows = await db.execute(
        "SELECT COALESCE(final_url, url) AS u, url, sha256 FROM captures WHERE kind = 'image' "
        "AND referer IN (?, ?) AND sha256 IS NOT NULL AND status = 200 AND error IS NULL "
        "ORDER BY id",
        [cap["u"], cap["url"]],
    )
    for r in rows:
        blob = str(root / "blobs" / r["sha256"][:2] / r["sha256"])
        resources[r["u"]] = resources[r["url"]] = blob
    return {**arg, "url": cap["u"], "resources": resources}


def _span(c: dict) -> str:
    out = ""
    if c["rowspan"] > 1:
        out += f' rowspan="{int(c["rowspan"])}"'
    if c["colspan"] > 1:
        out += f' colspan="{int(c["colspan"])}"'
    return out


def _num(value) -> str:
    from archive.publish.pages.report import number

    return number(value)


async def page_image(request, datasette):
    """A page of a report's PDF (or image file) as PNG, rendered once and cached."""
    page = int(request.url_vars["page"])

    async def arg(sha, fmt):
        return {"page": page, "format": fmt}

    return await _image(datasette, request.url_vars["sha"], "page", f"p{page}", arg)


async def picture_image(request, datasette):
    """A picture of a table inside a report's document as PNG, made once and cached."""
    k = int(request.url_vars["k"])

    async def arg(sha, fmt):
        return await _picture_arg(datasette, sha, fmt, k)

    return await _image(datasette, request.url_vars["sha"], "picture", f"i{k}", arg)


async def _image(datasette, sha: str, job: str, suffix: str, arg) -> "_File":
    """The PNG the child's `job` makes of a document, with what `await arg(sha, format)` says."""
    root = _archive(datasette)
    if root is None or "ogi" not in datasette.databases:
        raise NotFound("No such image")
    fmt = await _format(datasette.get_database("ogi"), sha)
    path = await _path(datasette, sha)
    if fmt not in (PAGED if job == "page" else PICTURED) or path is None:
        raise NotFound("No such image")
    out = _cache(root) / f"{sha}-{suffix}.png"
    await _run(job, path, out, await arg(sha, fmt))
    return _File(out)


class _File:
    def __init__(self, path: Path):
        self.path = path

    async def asgi_send(self, send):
        await asgi_send_file(
            send,
            self.path,
            content_type="image/png",
            chunk_size=256 * 1024,
            headers={"cache-control": "max-age=86400", **HEADERS},
        )


@hookimpl
def register_routes():
    return [
        (r"^/-/ogi/source/(?P<report>\d{1,12})/(?P<cell>[a-z_.]{5,80})$", source_view),
        (r"^/-/ogi/page/(?P<sha>[0-9a-f]{64})/(?P<page>\d{1,4})\.png$", page_image),
        (r"^/-/ogi/picture/(?P<sha>[0-9a-f]{64})/(?P<k>\d{1,4})\.png$", picture_image),
    ]
