"""The original at a value's place, made in a child process (`python -m archive.publish.render`)
under a time and memory limit: scraped files are read here, never in the server's process.

    page   a PDF's page (a scan's too) or an image file → PNG, and its size in the units of
           the provenance boxes (PDF points; an image's own pixels)
    table  the table of an HTML page, MHT, DOCX/DOC/WPS or spreadsheet holding a cell
           position, as the parsers read it → JSON rows of {text, rowspan, colspan, pos}
    lines  a plain-text file's lines around a line → JSON
    picture  the k-th picture of a page, MHT, DOCX/DOC/WPS or OFD (as the parsers number them,
           a page's from the pictures captured with it) → PNG, and its size in its own pixels

archive.publish.source runs it and caches what it writes.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

MAX_SIDE = 1600  # px: the longer side of a rendered page
MAX_PAGES = 2000


def render_page(data: bytes, page: int, fmt: str, out: Path) -> dict:
    from PIL import Image

    if fmt == "image":
        import io

        Image.MAX_IMAGE_PIXELS = 120_000_000
        img = Image.open(io.BytesIO(data))
        for _ in range(page - 1):
            img.seek(img.tell() + 1)
        size = img.size
        img = img.convert("RGB")
    else:
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(data)
        if not 1 <= page <= min(len(pdf), MAX_PAGES):
            raise ValueError(f"no page {page}")
        p = pdf[page - 1]
        size = p.get_size()
        scale = min(2.0, MAX_SIDE / max(size))
        img = p.render(scale=scale).to_pil().convert("RGB")
        p.close()
        pdf.close()
    return save_png(img, size, out)


def render_picture(data: bytes, arg: dict, out: Path) -> dict:
    import io

    from PIL import Image

    from parsers.formats import parse_bytes

    resources = {u: Path(p).read_bytes() for u, p in (arg.get("resources") or {}).items()}
    doc = parse_bytes(
        data,
        name=arg.get("name", ""),
        url=arg.get("url", ""),
        resources=resources,
        read_pictures=False,
    )
    images = [b.image for b in doc.blocks if b.kind == "image"]
    k = int(arg["picture"])
    if not 0 <= k < len(images):
        raise ValueError(f"no picture {k}")
    Image.MAX_IMAGE_PIXELS = 120_000_000
    img = Image.open(io.BytesIO(images[k]))
    size = img.size
    img = img.convert("RGB")
    return save_png(img, size, out)


def save_png(img, size, out: Path) -> dict:
    """`img` as PNG at `out`, its longer side MAX_SIDE at most; `size` is the original's size in
    the units of the provenance boxes."""
    from PIL import Image

    if max(img.size) > MAX_SIDE:
        f = MAX_SIDE / max(img.size)
        img = img.resize(
            (max(int(img.width * f), 1), max(int(img.height * f), 1)), Image.Resampling.LANCZOS
        )
    tmp = out.with_suffix(".tmp")
    img.save(tmp, "PNG", optimize=True)
    os.replace(tmp, out)
    return {"width": size[0], "height": size[1]}


def find_table(data: bytes, name: str, pos: dict) -> dict:
    from parsers.formats import parse_bytes

    doc = parse_bytes(data, name=name)
    for t in doc.tables():
        if any(c.pos == pos for row in t.rows for c in row):
            return {
                "rows": [
                    [
                        {
                            "text": c.text,
                            "rowspan": c.rowspan,
                            "colspan": c.colspan,
                            "mark": c.pos == pos,
                        }
                        for c in row
                    ]
                    for row in t.rows
                ]
            }
    raise ValueError("no table holds that cell")


def text_lines(data: bytes, line: int, around: int = 12) -> dict:
    from parsers.formats.charset import decode
    from parsers.normalize import normalize_text

    lines = normalize_text(decode(data)).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lo = max(line - 1 - around, 0)
    return {"first": lo + 1, "mark": line, "lines": [ln[:400] for ln in lines[lo : line + around]]}


def main(argv: list[str]) -> int:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))
    job, src, out = argv[0], Path(argv[1]), Path(argv[2])
    arg = json.loads(argv[3])
    data = src.read_bytes()
    if job == "page":
        meta = render_page(data, int(arg["page"]), arg.get("format", "pdf"), out)
    elif job == "picture":
        meta = render_picture(data, arg, out)
    elif job == "table":
        meta = find_table(data, arg.get("name", ""), arg["pos"])
    else:
        meta = text_lines(data, int(arg["line"]))
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, out.with_suffix(".json"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
