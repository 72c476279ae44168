"""PDF parser: built-in reportlab files (CJK font, ruled tables over a page break, fake bold)
and the real hzq2023.pdf."""

import io

import pytest

from parsers.model import ParseError
from parsers.formats.pdf import parse_pdf

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


def _reportlab():
    pytest.importorskip("reportlab")
    from pathlib import Path

    if not Path(FONT).exists():
        pytest.skip("wqy-zenhei font not installed")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "WQY" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WQY", FONT, subfontIndex=0))


def build_pdf(story_fn, encrypt: str | None = None) -> bytes:
    """Build a PDF with platypus; `story_fn(styles)` returns the flowables. Page numbers are
    drawn at the foot of each page ("- n -")."""
    _reportlab()
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import SimpleDocTemplate

    style = ParagraphStyle("cjk", fontName="WQY", fontSize=11, leading=17, wordWrap="CJK")
    buf = io.BytesIO()

    def number(canvas, doc):
        canvas.setFont("WQY", 9)
        canvas.drawCentredString(A4[0] / 2, 30, f"- {doc.page} -")

    kwargs = {"encrypt": encrypt} if encrypt else {}
    SimpleDocTemplate(buf, pagesize=A4, title="测试报告", **kwargs).build(
        story_fn(style), onFirstPage=number, onLaterPages=number
    )
    return buf.getvalue()


def ruled_table(rows, spans=()):
    from reportlab.platypus import Table, TableStyle

    t = Table(rows, repeatRows=0)
    cmds = [("GRID", (0, 0), (-1, -1), 0.5, "black"), ("FONT", (0, 0), (-1, -1), "WQY", 10)]
    cmds += [("SPAN", a, b) for a, b in spans]
    t.setStyle(TableStyle(cmds))
    return t


class FakeBold:
    """Draws each string twice, 0.3pt apart (how some Word/WPS PDFs make bold)."""

    def __new__(cls, text, per_char=False):
        from reportlab.platypus import Flowable

        class _F(Flowable):
            def wrap(self, w, h):
                return (w, 20)

            def draw(self):
                c = self.canv
                c.setFont("WQY", 14)
                if per_char:  # 二二、、主主动动 in content-stream order
                    x = 0
                    for ch in text:
                        c.drawString(x, 4, ch)
                        c.drawString(x + 0.3, 4, ch)
                        x += c.stringWidth(ch, "WQY", 14)
                else:
                    c.drawString(0, 4, text)
                    c.drawString(0.3, 4, text)

        return _F()


def long_table_pdf(nrows=70):
    from reportlab.platypus import Paragraph

    rows = [["项目", "本年新\n公开数量", "总计"]] + [
        [f"第{i}项", str(i), str(i * 2)] for i in range(1, nrows + 1)
    ]
    return build_pdf(
        lambda st: [
            FakeBold("二、主动公开政府信息情况"),
            Paragraph("表前说明文字。" * 12, st),
            ruled_table(rows),
            Paragraph("表后文字在这里。", st),
        ]
    )


def report_pdf(pages=8, table_pages=(2, 5)) -> bytes:
    """A multi-page report: prose pages, and ruled tables on some pages (for the benchmark)."""
    from reportlab.platypus import PageBreak, Paragraph

    prose = (
        "本机关坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻落实政府信息公开条例，"
        "不断完善政府信息公开制度，建立健全保障机制，推进政府信息公开工作规范有序发展。"
    ) * 3

    def story(st):
        out = []
        for p in range(1, pages + 1):
            out.append(Paragraph(f"第{p}部分", st))
            if p in table_pages:
                rows = [["申请人情况", "自然人", "商业企业", "科研机构", "总计"]]
                rows += [[f"（{i}）办理结果第{i}项", str(i), "0", "0", str(i)] for i in range(24)]
                out += [Paragraph(prose, st), ruled_table(rows)]
            else:
                out += [Paragraph(prose, st) for _ in range(9)]
            out.append(PageBreak())
        return out[:-1]

    return build_pdf(story)


# --- built files -------------------------------------------------------------------------


def test_table_split_over_pages_is_joined():
    doc = parse_pdf(long_table_pdf(70))
    assert doc.format == "pdf" and doc.pages == 3
    tables = doc.tables()
    assert len(tables) == 1
    t = tables[0]
    assert len(t.rows) == 71 and t.page == 1
    assert [c.text for c in t.rows[0]] == ["项目", "本年新公开数量", "总计"]  # line break removed
    assert [c.text for c in t.rows[-1]] == ["第70项", "70", "140"]
    assert all(len(r) == 3 for r in t.rows)
    assert sum("joined" in n for n in doc.notes) == 1
    texts = [b.text for b in doc.blocks if b.kind == "paragraph"]
    assert not any("第5项" in s for s in texts)  # table text is not repeated as paragraphs


def test_table_over_three_pages():
    doc = parse_pdf(long_table_pdf(130))
    assert doc.pages >= 3 and len(doc.tables()) == 1
    assert len(doc.tables()[0].rows) == 131
    assert sum("joined" in n for n in doc.notes) >= 2


def test_reading_order_and_pages():
    doc = parse_pdf(long_table_pdf(70))
    kinds = [(b.kind, b.page) for b in doc.blocks if not b.text.startswith("- ")]
    first_table = kinds.index(("table", 1))
    assert all(k == "paragraph" for k, _ in kinds[:first_table])
    after = [b.text for b in doc.blocks[first_table + 1 :]]
    assert "表后文字在这里。" in after
    assert doc.title == "测试报告"


def test_fake_bold_is_deduplicated():
    doc = parse_pdf(long_table_pdf(5))
    texts = [b.text for b in doc.blocks]
    assert "二、主动公开政府信息情况" in texts


def test_fake_bold_per_character():
    from reportlab.platypus import Paragraph

    data = build_pdf(
        lambda st: [FakeBold("二、主动公开", per_char=True), Paragraph("正文常常", st)]
    )
    texts = [b.text for b in parse_pdf(data).blocks]
    assert "二、主动公开" in texts
    assert "正文常常" in texts  # real doubled characters stay


def test_fake_bold_inside_table_cells():
    def story(st):
        from reportlab.platypus import Table, TableStyle

        class Doubled(Table):
            def draw(self):  # the whole table drawn twice, 0.3pt apart
                super().draw()
                self.canv.translate(0.3, 0)
                super().draw()

        t = Doubled([["信息内容", "数量"], ["规章", "12"]])
        t.setStyle(
            TableStyle(
                [("GRID", (0, 0), (-1, -1), 0.5, "black"), ("FONT", (0, 0), (-1, -1), "WQY", 10)]
            )
        )
        return [Paragraph("表：", st), t]

    from reportlab.platypus import Paragraph

    t = parse_pdf(build_pdf(story)).tables()[0]
    assert t.text_rows() == [["信息内容", "数量"], ["规章", "12"]]


def test_spans_from_ruled_table():
    rows = [["申请人情况", "", ""], ["自然人", "法人", "总计"], ["1", "2", "3"]]
    from reportlab.platypus import Paragraph

    data = build_pdf(lambda st: [Paragraph("三、", st), ruled_table(rows, [((0, 0), (2, 0))])])
    t = parse_pdf(data).tables()[0]
    assert t.rows[0][0].text == "申请人情况" and t.rows[0][0].colspan == 3
    g = t.grid()
    assert len(g) == 3 and all(len(r) == 3 for r in g)
    assert g[0][2].text == "申请人情况" and g[2][2].text == "3"


def test_many_pages_only_some_with_tables():
    doc = parse_pdf(report_pdf(8, (2, 5)))
    assert doc.pages >= 8
    assert len(doc.tables()) == 2
    assert all(len(t.rows) == 25 for t in doc.tables())


def test_page_objects_are_pdfiums_own_list():
    """The object list read through address-typed prototypes (rulings.page_objects) is the one
    pypdfium2 gives, object for object and kind for kind, and an address made a pypdfium2
    pointer again is read by its functions as the object itself."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as praw

    from parsers.formats.pdf.rulings import as_object, page_objects

    pdf = pdfium.PdfDocument(report_pdf(3, (2,)))
    kinds = set()
    for page in pdf:
        ours = page_objects(page)
        theirs = [
            (ctypes.cast(o.raw, ctypes.c_void_p).value, o.type)
            for o in page.get_objects(max_depth=1)
        ]
        assert ours == theirs and len(ours) > 10
        for address, kind in ours:
            assert praw.FPDFPageObj_GetType(as_object(address)) == kind
            kinds.add(kind)
        page.close()
    pdf.close()
    assert {praw.FPDF_PAGEOBJ_TEXT, praw.FPDF_PAGEOBJ_PATH} <= kinds


def _read_both_ways(data: bytes, monkeypatch) -> tuple:
    """The document read as the parser reads it (prose lines clear of the tables taken whole)
    and read character by character throughout; how many lines were taken whole."""
    from parsers.formats.pdf import pages

    whole = []
    spans = pages._spans

    def counting(tp, text, top_y, frames):
        out = spans(tp, text, top_y, frames)
        whole.extend(s for s in out if s[2] is not None)
        return out

    monkeypatch.setattr(pages, "_spans", counting)
    fast = parse_pdf(data)
    monkeypatch.setattr(pages, "_spans", lambda tp, text, top_y, frames: [(0, len(text), None)])
    slow = parse_pdf(data)
    monkeypatch.undo()
    return fast, slow, len(whole)


def test_prose_lines_taken_whole_read_as_per_character(monkeypatch):
    """Beside ruled tables (one drawn twice as fake bold, prose above and below and a fake-bold
    heading), lines taken whole give the same blocks, text and cells as every character
    placed one by one."""
    for data in (report_pdf(4, (1, 3)), long_table_pdf(40)):
        fast, slow, whole = _read_both_ways(data, monkeypatch)
        assert whole > 0
        assert [(b.kind, b.text, b.page) for b in fast.blocks] == [
            (b.kind, b.text, b.page) for b in slow.blocks
        ]
        assert [t.text_rows() for t in fast.tables()] == [t.text_rows() for t in slow.tables()]


def test_prose_lines_taken_whole_real_report(shared_dir, monkeypatch):
    fast, slow, whole = _read_both_ways(
        (shared_dir / "corpus" / "hzq2023.pdf").read_bytes(), monkeypatch
    )
    assert whole > 0
    assert fast.blocks == slow.blocks


def test_corrupt_and_encrypted():
    with pytest.raises(ParseError, match="corrupt PDF"):
        parse_pdf(b"%PDF-1.7\n garbage garbage")
    with pytest.raises(ParseError, match="corrupt PDF"):
        parse_pdf(long_table_pdf(3)[:2000])
    with pytest.raises(ParseError, match="empty"):
        parse_pdf(b"")
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.platypus import Paragraph

    enc = StandardEncryption("secret", ownerPassword="owner", strength=128)
    with pytest.raises(ParseError, match="^encrypted PDF"):
        parse_pdf(build_pdf(lambda st: [Paragraph("机密", st)], encrypt=enc))


# --- the real report ---------------------------------------------------------------------

_CACHE = {}


@pytest.fixture
def hzq(shared_dir):
    if "hzq" not in _CACHE:
        _CACHE["hzq"] = parse_pdf((shared_dir / "corpus" / "hzq2023.pdf").read_bytes())
    return _CACHE["hzq"]


def test_hzq_tables(hzq):
    assert hzq.pages == 5
    tables = hzq.tables()
    assert len(tables) == 3  # 二 (pp. 2-3) and 三 (pp. 3-4) joined, 四
    active, requests, appeals = tables
    assert active.page == 2 and requests.page == 3 and appeals.page == 4
    assert len(active.rows) == 14
    assert ["行政处罚", "4119"] == active.text_rows()[9]
    assert ["行政事业性收费", "7730.28"] == active.text_rows()[13]
    assert active.rows[8][0].text == "信息内容"  # its top ruling is missing at the page break
    assert len(requests.rows) == 26
    assert len(requests.grid()[0]) == 10
    assert requests.rows[5][0].text == "三、本年度办理结果"  # vertical group label joined
    labels = [r[-8].text for r in requests.rows[3:] if len(r) >= 8]
    assert "2.其他法律行政止公开" in labels and "3.补正后申请内容仍不明确" in labels
    assert requests.text_rows()[-1] == ["四、结转下年度继续办理"] + ["0"] * 7
    assert requests.text_rows()[-2] == ["（七）总计", "21", "0", "0", "0", "0", "0", "21"]
    assert [c.text for c in appeals.rows[-1]] == [
        "10",
        "1",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "5",
        "0",
        "0",
        "0",
        "0",
    ]
    assert appeals.rows[0][0].text == "行政复议" and appeals.rows[0][0].colspan == 5
    assert any("joined" in n for n in hzq.notes)


def test_hzq_text(hzq):
    texts = [b.text for b in hzq.blocks if b.kind == "paragraph"]
    for heading in (
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ):
        assert heading in texts
    assert not any("4119" in t for t in texts)
    assert all(b.page for b in hzq.blocks)
    assert "洪泽区人民政府2023年政府信息公开工作年度报告" in hzq.title


def test_owner_password_only_opens():
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.platypus import Paragraph

    enc = StandardEncryption("", ownerPassword="owner", canPrint=1, strength=128)
    doc = parse_pdf(build_pdf(lambda st: [Paragraph("可以打开", st)], encrypt=enc))
    assert "可以打开" in [b.text for b in doc.blocks]


def test_kangxi_radicals_are_folded():
    from reportlab.platypus import Paragraph

    rows = [["⼀、本年新收", "⼆"], ["规章", "１"]]
    doc = parse_pdf(build_pdf(lambda st: [Paragraph("第⼀部分", st), ruled_table(rows)]))
    assert "第一部分" in [b.text for b in doc.blocks]
    assert doc.tables()[0].text_rows() == [["一、本年新收", "二"], ["规章", "1"]]


def test_box_around_text_is_not_a_table():
    from reportlab.platypus import Paragraph

    rows = [["这是一个带边框的说明框，不是表格。"]]
    doc = parse_pdf(build_pdf(lambda st: [Paragraph("正文", st), ruled_table(rows)]))
    assert doc.tables() == []
    assert "这是一个带边框的说明框，不是表格。" in [b.text for b in doc.blocks]


# --- tables printed without ruling lines (recovered from the layout) ------------------------

REQ_COLS = [
    "natural_person",
    "commercial",
    "research",
    "social_org",
    "legal_service",
    "other_org",
    "total",
]
# (group label, sub-group label, label, row key) of table 三, template 2019
REQ_ROWS = [
    ("一、本年新收政府信息公开申请数量", None, None, "new_received"),
    ("二、上年结转政府信息公开申请数量", None, None, "carried_over"),
    ("三、本年度办理结果", "（一）予以公开", None, "granted"),
    ("", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", None, "partly_granted"),
    ("", "（三）不予公开", "1.属于国家秘密", "withheld_state_secret"),
    ("", "", "2.其他法律行政法规禁止公开", "withheld_prohibited"),
    ("", "", "3.危及“三安全一稳定”", "withheld_security"),
    ("", "", "4.保护第三方合法权益", "withheld_third_party"),
    ("", "", "5.属于三类内部事务信息", "withheld_internal"),
    ("", "", "6.属于四类过程性信息", "withheld_process"),
    ("", "", "7.属于行政执法案卷", "withheld_enforcement"),
    ("", "", "8.属于行政查询事项", "withheld_query"),
    ("", "（四）无法提供", "1.本机关不掌握相关政府信息", "unavailable_not_held"),
    ("", "", "2.没有现成信息需要另行制作", "unavailable_needs_creation"),
    ("", "", "3.补正后申请内容仍不明确", "unavailable_unclear"),
    ("", "（五）不予处理", "1.信访举报投诉类申请", "declined_petition"),
    ("", "", "2.重复申请", "declined_duplicate"),
    ("", "", "3.要求提供公开出版物", "declined_publication"),
    ("", "", "4.无正当理由大量反复申请", "declined_excessive"),
    ("", "", "5.要求行政机关确认或重新出具已获取信息", "declined_confirmation"),
    ("", "（六）其他处理", None, "other"),
    ("", "（七）总计", None, "total"),
    ("四、结转下年度继续办理", None, None, "carried_forward"),
]


def _req_values():
    """Numbers for table 三 (row i, column j), a few cells left blank."""
    out = {}
    for i, (_, _, _, key) in enumerate(REQ_ROWS):
        vals = [(i * 7 + j * 3) % 11 if (i + j) % 5 else 0 for j in range(6)]
        row = vals + [sum(vals)]
        if i == 6:
            row[3] = None  # a blank cell stays blank
        out[key] = dict(zip(REQ_COLS, row, strict=True))
    return out


def layout_table(rows, widths, rules="none", valign="TOP", spans=()):
    """A reportlab table drawn without a grid: no rules, rules under rows, or a frame."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Table, TableStyle

    st = ParagraphStyle("cell", fontName="WQY", fontSize=9, leading=11, wordWrap="CJK")
    data = [
        [Paragraph(c, st) if isinstance(c, str) and len(c) > 6 else c for c in row] for row in rows
    ]
    t = Table(data, colWidths=widths, repeatRows=0)
    cmds = [("FONT", (0, 0), (-1, -1), "WQY", 9), ("VALIGN", (0, 0), (-1, -1), valign)]
    if rules in ("hrules", "frame+hrules"):
        cmds.append(("LINEBELOW", (0, 0), (-1, -1), 0.5, "black"))
    if rules in ("frame", "frame+hrules"):
        cmds.append(("BOX", (0, 0), (-1, -1), 0.8, "black"))
    cmds += [("SPAN", a, b) for a, b in spans]
    t.setStyle(TableStyle(cmds))
    return t


def requests_pdf(rules="none", valign="TOP") -> tuple[bytes, dict]:
    from reportlab.platypus import Paragraph

    values = _req_values()
    head = [
        ["", "", "", "申请人情况", "", "", "", "", "", ""],
        ["", "", "", "自然人", "法人或其他组织", "", "", "", "", "总计"],
        ["", "", "", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""],
    ]
    body = []
    for group, sub, label, key in REQ_ROWS:
        cells = [group, sub or "", label or ""]
        nums = ["" if v is None else str(v) for v in values[key].values()]
        body.append(cells + nums)
    widths = [62, 70, 110] + [36] * 7
    data = build_pdf(
        lambda st: [
            Paragraph("三、收到和处理政府信息公开申请情况", st),
            layout_table(head + body, widths, rules, valign),
        ]
    )
    return data, values


def active_pdf(rules="none") -> tuple[bytes, dict]:
    from reportlab.platypus import Paragraph

    rows = [
        ["第二十条第（一）项", "", "", ""],
        ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
        ["规章", "2", "1", "35"],
        ["规范性文件", "14", "14", "208"],
        ["第二十条第（五）项", "", "", ""],
        ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
        ["行政许可", "126", "+3", "5310"],
        ["其他对外管理服务事项", "40", "-2", "17"],
        ["第二十条第（六）项", "", "", ""],
        ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
        ["行政处罚", "88", "0", "1046"],
        ["行政强制", "12", "1", "63"],
        ["第二十条第（八）项", "", "", ""],
        ["信息内容", "上一年项目数量", "本年增/减", ""],
        ["行政事业性收费", "9", "0", ""],
        ["第二十条第（九）项", "", "", ""],
        ["信息内容", "采购项目数量", "采购总金额", ""],
        ["政府集中采购", "31", "998.43万元", ""],
    ]
    want = {
        "regulations": {"new_made": 2, "new_published": 1, "total_published": 35},
        "normative_documents": {"new_made": 14, "new_published": 14, "total_published": 208},
        "licensing": {"prev_items": 126, "change": 3, "decisions": 5310},
        "other_management": {"prev_items": 40, "change": -2, "decisions": 17},
        "punishment": {"prev_items": 88, "change": 0, "decisions": 1046},
        "coercion": {"prev_items": 12, "change": 1, "decisions": 63},
        "fees": {"prev_items": 9, "change": 0},
        "procurement": {"projects": 31, "amount": 998.43},
    }
    data = build_pdf(
        lambda st: [
            Paragraph("二、主动公开政府信息情况", st),
            layout_table(rows, [150, 100, 100, 100], rules),
        ]
    )
    return data, want


def _extract(data):
    import parsers

    return parsers.extract_bytes(data, name="x.pdf")


@pytest.mark.parametrize("valign", ["TOP", "MIDDLE", "BOTTOM"])
def test_borderless_requests_table(valign):
    data, values = requests_pdf("none", valign)
    doc = parse_pdf(data)
    assert len(doc.tables()) == 1
    t = doc.tables()[0]
    rows = t.text_rows()
    assert len(rows) >= 24
    wrapped = next(r for r in rows if any("确认或重新" in c for c in r))
    assert [c for c in wrapped if c] == ["5.要求行政机关确认或重新出具已获取信息"] + [
        str(v) for v in values["declined_confirmation"].values()
    ]
    texts = [b.text for b in doc.blocks if b.kind == "paragraph"]
    assert "三、收到和处理政府信息公开申请情况" in texts
    assert not any("国家秘密" in s or "出具已获取" in s for s in texts)  # not twice
    assert _extract(data)["tables"]["requests"] == values


@pytest.mark.parametrize("rules", ["hrules", "frame", "frame+hrules"])
def test_requests_table_with_partial_rules(rules):
    data, values = requests_pdf(rules)
    doc = parse_pdf(data)
    assert len(doc.tables()) == 1
    assert _extract(data)["tables"]["requests"] == values


@pytest.mark.parametrize("rules", ["none", "hrules"])
def test_borderless_active_table(rules):
    data, want = active_pdf(rules)
    doc = parse_pdf(data)
    assert len(doc.tables()) == 1
    rec = _extract(data)
    assert rec["tables"]["active"] == want
    assert rec["units"] == {"active.procurement.amount": "万元"}
    texts = [b.text for b in doc.blocks if b.kind == "paragraph"]
    assert "二、主动公开政府信息情况" in texts and not any("5310" in s for s in texts)


def test_prose_with_numbers_is_not_a_table():
    from reportlab.platypus import Paragraph

    lines = [
        "2023年，本机关共收到政府信息公开申请 12 件，办结 10 件，结转 2 件。",
        "全年主动公开政府信息 1 356 条，其中 政策文件 45 条， 解读 18 篇， 图解 6 篇。",
        "第 1 季度 3 件 ， 第 2 季度 4 件 ， 第 3 季度 2 件 ， 第 4 季度 3 件 。",
        "电话： 0531 - 8888 6666    邮编： 250000    传真： 0531 - 8888 6667",
    ]
    data = build_pdf(lambda st: [Paragraph(s, st) for s in lines * 3])
    doc = parse_pdf(data)
    assert doc.tables() == []
    texts = [b.text for b in doc.blocks if b.kind == "paragraph"]
    assert any("共收到政府信息公开申请 12 件" in s for s in texts)
    rec = _extract(data)
    assert all(v is None for v in rec["tables"].values())


def test_label_and_one_number_lines_stay_text():
    """Lines of a label and one number set apart (a contact list) are not strong enough
    evidence for a table."""
    from reportlab.platypus import Paragraph

    gap = "&nbsp;" * 8
    lines = [
        f"{label}{gap}{n}"
        for label, n in [
            ("联系电话", "12345"),
            ("邮政编码", "250000"),
            ("办公时间", "9"),
            ("受理窗口", "3"),
            ("办理时限", "20"),
            ("咨询电话", "12345"),
            ("传真号码", "88886666"),
        ]
    ]
    data = build_pdf(
        lambda st: [Paragraph("六、其他需要报告的事项", st)] + [Paragraph(s, st) for s in lines]
    )
    doc = parse_pdf(data)
    assert doc.tables() == []
    assert "联系电话 12345" in [b.text for b in doc.blocks]
