"""DOCX → Document: the body XML walked in order, tables with their merges kept as spans, and
the pictures of the body's paragraphs (DrawingML and VML) as image blocks for
`parsers.formats.pictures`."""

from __future__ import annotations

import io
import re
import zipfile

from parsers.formats.sniff import OLE_MAGIC
from parsers.model import Block, Cell, Document, ParseError, Table
from parsers.normalize import normalize_text, squash_spaces

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
V_IMAGEDATA = "{urn:schemas-microsoft-com:vml}imagedata"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
WRAPPERS = {W + "sdt", W + "sdtContent", W + "customXml", W + "smartTag", W + "ins"}
_HEADING_STYLE = re.compile(r"^(heading|标题)\s*\d|^(title|标题)$", re.I)
_WIDE = re.compile("[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


def parse_docx(data: bytes) -> Document:
    docx_doc = _open(data)
    headings = _heading_styles(docx_doc)
    doc = Document(format="docx")
    try:
        doc.title = clean(docx_doc.core_properties.title or "") or None
        if clean(docx_doc.core_properties.author or ""):
            doc.meta["author"] = clean(docx_doc.core_properties.author)
    except Exception:  # broken core properties are not worth failing over
        pass
    tables = 0
    for el in _body_items(docx_doc.element.body):
        if el.tag == W + "p":
            kind = "heading" if _is_heading(el, headings) else "paragraph"
            for line in paragraph_lines(el):
                doc.blocks.append(Block(kind, line))
            for blob in _pictures(docx_doc, el):
                doc.blocks.append(Block("image", image=blob))
        elif el.tag == W + "tbl":
            doc.blocks.append(Block("table", table=build_table(el, tables)))
            tables += 1
    return doc


def _pictures(docx_doc, p) -> list[bytes]:
    """The image parts a paragraph shows (a:blip r:embed, or VML v:imagedata r:id)."""
    out = []
    for el in p.iter(A_BLIP, V_IMAGEDATA):
        rid = el.get(R + "embed") or el.get(R + "id")
        try:
            part = docx_doc.part.related_parts[rid] if rid else None
        except KeyError:
            part = None
        blob = getattr(part, "blob", None)
        if blob:
            out.append(blob)
    return out


def _open(data: bytes):
    if not data:
        raise ParseError("empty file (0 bytes)")
    if data.startswith(OLE_MAGIC):
        raise ParseError("password-protected DOCX (an encrypted OLE package) or an old .doc file")
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        return docx.Document(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ParseError("corrupt DOCX: not a readable zip archive") from None
    except KeyError as e:
        raise ParseError(f"corrupt DOCX: missing part {e}") from None
    except PackageNotFoundError:
        raise ParseError("corrupt DOCX: not a Word package") from None
    except ValueError as e:
        raise ParseError(f"not a Word document: {str(e).splitlines()[0][:120]}") from None
    except Exception as e:  # lxml syntax errors and the like inside the package
        raise ParseError(
            f"corrupt DOCX: {type(e).__name__}: {str(e).splitlines()[0][:120]}"
        ) from None


def clean(s: str) -> str:
    return squash_spaces(normalize_text(s.replace("\t", " ")))


def _body_items(parent):
    """Paragraphs and tables in order, looking through content controls and custom XML."""
    stack = list(reversed(list(parent)))
    while stack:
        el = stack.pop()
        if el.tag in (W + "p", W + "tbl"):
            yield el
        elif el.tag in WRAPPERS:
            stack.extend(reversed(list(el)))


def paragraph_lines(p) -> list[str]:
    """A paragraph's text (runs, hyperlinks, fields, content controls), split at line breaks."""
    parts: list[str] = []
    stack = [p]
    while stack:
        el = stack.pop()
        tag = el.tag
        if tag == W + "t":
            parts.append(el.text or "")
        elif tag in (W + "tab", W + "ptab"):
            parts.append(" ")
        elif tag in (W + "br", W + "cr"):
            parts.append("\n")
        elif tag == W + "noBreakHyphen":
            parts.append("-")
        elif tag in (W + "del", W + "instrText", W + "delText", MC_FALLBACK) or not isinstance(
            tag, str
        ):
            continue  # deleted text, field codes, duplicate fallback content
        else:
            stack.extend(reversed(list(el)))
    return [t for t in (clean(s) for s in "".join(parts).split("\n")) if t]


def _heading_styles(docx_doc) -> set[str]:
    """Style ids whose name reads Heading n / 标题 n / Title, or that set an outline level."""
    ids = set()
    try:
        styles = docx_doc.styles.element
    except Exception:
        return ids
    for st in styles.iter(W + "style"):
        sid = st.get(W + "styleId") or ""
        name_el = st.find(W + "name")
        name = name_el.get(W + "val", "") if name_el is not None else ""
        lvl = st.find(f"{W}pPr/{W}outlineLvl")
        if (
            _HEADING_STYLE.match(name.strip())
            or _HEADING_STYLE.match(sid)
            or (lvl is not None and lvl.get(W + "val", "9") not in ("9",))
        ):
            ids.add(sid)
    return ids


def _is_heading(p, heading_ids: set[str]) -> bool:
    ppr = p.find(W + "pPr")
    if ppr is None:
        return False
    lvl = ppr.find(W + "outlineLvl")
    if lvl is not None:
        return lvl.get(W + "val", "9") != "9"
    style = ppr.find(W + "pStyle")
    return style is not None and style.get(W + "val", "") in heading_ids


def build_table(tbl, index: int = 0) -> Table:
    """A <w:tbl> as a Table; each cell's position is the table's index among the body's
    tables (`index`), its <w:tr>'s index and its <w:tc>'s index in the row."""
    rows: list[list[Cell]] = []
    origin: dict[int, Cell] = {}  # grid column → the cell that starts there, for vMerge
    for r, tr in enumerate(_children(tbl, W + "tr")):
        row: list[Cell] = []
        col = _int_val(tr.find(f"{W}trPr/{W}gridBefore"), 0)
        for c, tc in enumerate(_children(tr, W + "tc")):
            pr = tc.find(W + "tcPr")
            span = max(_int_val(pr.find(W + "gridSpan") if pr is not None else None, 1), 1)
            vmerge = pr.find(W + "vMerge") if pr is not None else None
            hmerge = pr.find(W + "hMerge") if pr is not None else None
            if (
                vmerge is not None
                and vmerge.get(W + "val", "continue") == "continue"
                and col in origin
            ):
                origin[col].rowspan += 1  # continuation: no cell of its own
            elif hmerge is not None and hmerge.get(W + "val", "continue") == "continue" and row:
                row[-1].colspan += span  # old-style horizontal merge
            else:
                cell = Cell(cell_text(tc), 1, span, pos={"table": index, "row": r, "col": c})
                row.append(cell)
                origin[col] = cell
            col += span
        rows.append(row)
    return Table(rows=rows)


def _children(el, tag):
    """Direct children with `tag`, looking through content controls and custom XML."""
    for child in el:
        if child.tag == tag:
            yield child
        elif child.tag in WRAPPERS:
            yield from _children(child, tag)


def cell_text(tc) -> str:
    """All text of a cell, nested tables included, its paragraphs joined into one line."""
    lines = [line for p in _cell_paragraphs(tc) for line in paragraph_lines(p)]
    out = ""
    for line in lines:
        if out and not (_WIDE.match(out[-1]) or _WIDE.match(line[0])):
            out += " "
        out += line
    return out


def _cell_paragraphs(tc):
    for el in _body_items(tc):
        if el.tag == W + "p":
            yield el
        else:  # a nested table: its text goes into this cell
            for tr in _children(el, W + "tr"):
                for inner in _children(tr, W + "tc"):
                    yield from _cell_paragraphs(inner)


def _int_val(el, default: int) -> int:
    if el is None:
        return default
    m = re.match(r"\s*(\d+)", el.get(W + "val", "") or "")
    return min(int(m.group(1)), 1000) if m else default
