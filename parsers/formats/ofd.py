"""OFD (GB/T 33190-2016, China's fixed-layout format) → Document, read from its XML.

An OFD is a zip of XML: OFD.xml names the document (DocRoot), Document.xml its pages and
templates, each page's Content.xml holds TextObjects (a boundary, a font size, and TextCode
runs whose glyphs are placed by X/Y and DeltaX/DeltaY), PathObjects (AbbreviatedData:
M/L/B/Q/A/C commands, the table rulings among them) and ImageObjects (a scanned page, a
picture of a table). Glyphs become boxes on the page (mm → pt), so the PDF reader's machinery
finds the tables: ruled grids from the path segments through pdfplumber's table finder
(`parsers.formats.pdf.rulings`), tables without rulings from where the glyphs sit
(`parsers.formats.pdf.layout`), tables that run on over a page break joined
(`parsers.formats.pdf.pages`). A page that is only a picture is OCR'd as a scan; other
pictures go to `parsers.formats.pictures`.

Why not easyofd (PyPI; maintained, releases in 2026): it is built to draw OFD as PDF or
images; it imports PyMuPDF (AGPL, a second PDF engine) at import time, inserts the working
directory into sys.path, logs through loguru and hands the XML back as xmltodict dicts — what
it reads we read here with lxml in a few hundred lines, without those costs.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field

from parsers.model import Block, Document, ParseError

MM = 72 / 25.4  # pt per mm: the PDF reader's tolerances are in points
MAX_PAGES = 300
MAX_XML_BYTES = 64 * 2**20
_NUM = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[A-Za-z]")


@dataclass
class _Page:
    width: float  # pt
    height: float
    glyphs: list = field(default_factory=list)  # (ch, x0, top, x1, bottom, baseline, size)
    segments: list = field(default_factory=list)  # (x0, y0, x1, y1) in pt, y down
    thin_fills: list = field(default_factory=list)
    images: list = field(default_factory=list)  # (bytes, area in pt²)


def parse_ofd(data: bytes) -> Document:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise ParseError(f"corrupt OFD: not a readable zip archive ({e})") from None
    pkg = _Package(zf)
    doc = Document(format="ofd")
    info = pkg.doc_info()
    doc.title = info.get("Title") or None
    if info.get("Author"):
        doc.meta["author"] = info["Author"]
    pages = pkg.pages()
    if not pages:
        raise ParseError("OFD without pages")
    if len(pages) > MAX_PAGES:
        raise ParseError(f"OFD has too many pages: {len(pages)} (limit {MAX_PAGES})")
    doc.pages = len(pages)
    from parsers.formats.ofd_page import page_items
    from parsers.formats.pdf.pages import page_blocks

    items, scans = [], {}
    for n, page in enumerate(pages, 1):
        if (
            not page.glyphs
            and page.images
            and max(a for _, a in page.images) > 0.5 * page.width * page.height
        ):
            scans[n] = max(page.images, key=lambda im: im[1])[0]  # a scanned page
            items.append([])
            continue
        items.append(page_items(page, n, continuing=bool(items) and _ends_in_table(items[-1])))
    blocks = page_blocks(items, doc.notes)
    if scans:  # OCR'd pages go where they stand
        blocks = _with_scans(blocks, scans, doc)
    for n, page in enumerate(pages, 1):  # a picture goes at the end of its page (where a
        for img, _ in page.images:  # table belongs is judged by the page's last heading)
            if n not in scans:
                blocks.append(Block("image", image=img, page=n))
    doc.blocks = sorted(blocks, key=lambda b: b.page or 0)  # stable: each page's order kept
    return doc


def _ends_in_table(items) -> bool:
    tail = [it for it in items if not it.margin]
    return bool(tail) and tail[-1].table is not None


def _with_scans(blocks: list[Block], scans: dict, doc: Document) -> list[Block]:
    from parsers.formats.ofd_page import scan_blocks

    out = list(blocks)
    for n, img in scans.items():
        out += scan_blocks(img, n, doc.notes)
    return out


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(el, name: str):
    return [c for c in el if _local(c.tag) == name]


def _first(el, *path):
    for name in path:
        if el is None:
            return None
        el = next((c for c in el if _local(c.tag) == name), None)
    return el


def _floats(s: str | None) -> list[float]:
    out = []
    for t in (s or "").split():
        try:
            out.append(float(t))
        except ValueError:
            pass
    return out


def _box(s: str | None) -> tuple[float, float, float, float]:
    v = _floats(s)
    return tuple(v[:4]) if len(v) >= 4 else (0.0, 0.0, 0.0, 0.0)


def _deltas(s: str | None) -> list[float]:
    """DeltaX / DeltaY: numbers, where "g N v" stands for N times v."""
    toks = (s or "").split()
    out: list[float] = []
    i = 0
    while i < len(toks):
        if toks[i] == "g" and i + 2 < len(toks):
            try:
                out += [float(toks[i + 2])] * min(int(float(toks[i + 1])), 100_000)
            except ValueError:
                pass
            i += 3
            continue
        try:
            out.append(float(toks[i]))
        except ValueError:
            pass
        i += 1
    return out


class _Package:
    """The files of an OFD package, resolved as GB/T 33190 says (paths absolute from the
    package root, or relative to the file that names them)."""

    def __init__(self, zf: zipfile.ZipFile):
        self.zf = zf
        self.names = {n.lower(): n for n in zf.namelist()}
        ofd = self.xml("OFD.xml")
        body = _first(ofd, "DocBody")
        root = _first(body, "DocRoot")
        if root is None or not (root.text or "").strip():
            raise ParseError("corrupt OFD: OFD.xml names no document (DocRoot)")
        self.info = _first(body, "DocInfo")
        self.doc_path = self.resolve("OFD.xml", root.text.strip())
        self.doc = self.xml(self.doc_path)
        self.media = self._media()

    def resolve(self, base: str, loc: str) -> str:
        loc = loc.strip().replace("\\", "/")
        if loc.startswith("/"):
            return posixpath.normpath(loc.lstrip("/"))
        return posixpath.normpath(posixpath.join(posixpath.dirname(base), loc))

    def read(self, path: str) -> bytes:
        name = self.names.get(path.lower())
        if name is None:
            raise ParseError(f"corrupt OFD: {path} is missing")
        info = self.zf.getinfo(name)
        if info.file_size > MAX_XML_BYTES and name.lower().endswith(".xml"):
            raise ParseError(f"OFD part too large: {name} ({info.file_size} bytes)")
        return self.zf.read(name)

    def xml(self, path: str):
        from lxml import etree

        parser = etree.XMLParser(
            resolve_entities=False, no_network=True, huge_tree=False, recover=True
        )
        try:
            root = etree.fromstring(self.read(path), parser)
        except etree.XMLSyntaxError as e:
            raise ParseError(f"corrupt OFD: {path}: {e}") from None
        if root is None:
            raise ParseError(f"corrupt OFD: {path} is not XML")
        return root

    def doc_info(self) -> dict:
        out = {}
        for key in ("Title", "Author", "Creator"):
            el = _first(self.info, key)
            if el is not None and (el.text or "").strip():
                out[key] = el.text.strip()
        return out

    def _media(self) -> dict[str, str]:
        """MultiMedia resource id → file path (DocumentRes and PublicRes)."""
        out = {}
        common = _first(self.doc, "CommonData")
        for kind in ("DocumentRes", "PublicRes"):
            for el in _children(common, kind) if common is not None else []:
                path = self.resolve(self.doc_path, el.text or "")
                try:
                    res = self.xml(path)
                except ParseError:
                    continue
                base = self.resolve(path, (res.get("BaseLoc") or "") + "/")
                for mm in res.iter():
                    if _local(mm.tag) == "MultiMedia":
                        f = _first(mm, "MediaFile")
                        if f is not None and f.text:
                            out[mm.get("ID", "")] = self.resolve(base + "x", f.text)
        return out

    def pages(self) -> list[_Page]:
        common = _first(self.doc, "CommonData")
        box = _box(
            (
                _first(common, "PageArea", "PhysicalBox").text
                if _first(common, "PageArea", "PhysicalBox") is not None
                else "0 0 210 297"
            )
        )
        templates = {
            t.get("ID"): self.resolve(self.doc_path, t.get("BaseLoc", ""))
            for t in (_children(common, "TemplatePage") if common is not None else [])
        }
        out = []
        for page_el in (
            _children(_first(self.doc, "Pages"), "Page")
            if _first(self.doc, "Pages") is not None
            else []
        ):
            path = self.resolve(self.doc_path, page_el.get("BaseLoc", ""))
            content = self.xml(path)
            pbox = _first(content, "Area", "PhysicalBox")
            w, h = _box(pbox.text)[2:] if pbox is not None else box[2:]
            page = _Page(w * MM, h * MM)
            for tpl in _children(content, "Template"):
                tpath = templates.get(tpl.get("TemplateID"))
                if tpath:
                    self._read_objects(_first(self.xml(tpath), "Content"), page)
            self._read_objects(_first(content, "Content"), page)
            out.append(page)
        return out

    def _read_objects(self, el, page: _Page) -> None:
        if el is None:
            return
        from parsers.formats.ofd_page import read_image, read_path, read_text

        for obj in el.iter():
            kind = _local(obj.tag)
            if kind == "TextObject":
                read_text(obj, page)
            elif kind == "PathObject":
                read_path(obj, page)
            elif kind == "ImageObject":
                path = self.media.get(obj.get("ResourceID", ""))
                if path:
                    try:
                        read_image(obj, self.read(path), page)
                    except ParseError:
                        continue
