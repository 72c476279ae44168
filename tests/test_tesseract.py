"""tesseract in-process (tesserocr, as scripts/setup.sh builds it) against the `tesseract`
command: the same words, boxes and confidences, engines kept loaded between documents."""

import threading

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from parsers.formats.ocr import tesseract as T
from parsers.formats.ocr.cells import NO_INVERT
from parsers.formats.ocr.readings import DIGITS

tesserocr = pytest.importorskip("tesserocr")


def _cell(text: str, size: int = 40):
    from synthetic.render_pdf import FONT_PATH

    font = ImageFont.truetype(FONT_PATH, size)
    x0, y0, x1, y1 = font.getbbox(text)
    img = Image.new("L", (x1 - x0 + 24, y1 - y0 + 24), 255)
    ImageDraw.Draw(img).text((12 - x0, 12 - y0), text, font=font, fill=0)
    return img.filter(ImageFilter.GaussianBlur(0.8))  # a scan's soft edges


def _sheet(texts):
    cells = [_cell(t) for t in texts]
    sheet = Image.new("L", (max(c.width for c in cells) + 48, sum(c.height + 24 for c in cells)))
    sheet.paste(255, (0, 0, *sheet.size))
    y = 12
    for c in cells:
        sheet.paste(c, (24, y))
        y += c.height + 24
    return sheet


def test_the_binding_is_the_commands_own_libtesseract():
    """setup.sh builds tesserocr from source against Debian's libtesseract; the PyPI wheel
    bundles another version, whose readings differ, and would not be used."""
    assert T.in_process()


@pytest.mark.parametrize(
    "psm,lang,config",
    [
        (6, "chi_sim", ()),
        (6, "chi_sim", (DIGITS,)),
        (6, "eng", (DIGITS,)),
        (7, "chi_sim", ()),
        (6, "chi_sim", (NO_INVERT,)),
        (6, "eng", (NO_INVERT, DIGITS)),
    ],
)
def test_in_process_reads_what_the_command_reads(psm, lang, config):
    if not T.in_process():
        pytest.skip("tesserocr is not linked to the command's libtesseract")
    imgs = [
        _sheet(["收到申请数", "1,613", "0", "政府信息公开", "27", "/", "-3", "主动公开"]),
        _cell("行政复议 12"),
        _cell("8"),
    ]
    by_command = T._command_each(imgs, psm, lang, config)
    in_process = T.tesseract_each(imgs, psm=psm, lang=lang, config=config)
    assert sum(len(ws) for ws in by_command) >= 3
    assert in_process == by_command  # text, boxes and confidence of every word


def test_engines_are_lent_and_kept_for_the_next_document():
    if not T.in_process():
        pytest.skip("tesserocr is not linked to the command's libtesseract")
    img = _cell("2023")
    key = (7, "eng", (DIGITS,))
    T.tesseract(img, psm=7, lang="eng", config=(DIGITS,))  # loaded once
    idle = list(T._idle["eng"])
    got = []
    threads = [
        threading.Thread(
            target=lambda: got.append(T.tesseract(img, psm=key[0], lang=key[1], config=key[2]))
        )
        for _ in range(3)
    ]
    for t in threads:  # one after the other, each a new thread (a document's new pool)
        t.start()
        t.join()
    assert [[w.text for w in ws] for ws in got] == [["2023"]] * 3
    assert T._idle["eng"] == idle  # the same engine, lent and given back


def test_a_setting_this_tesseract_does_not_know_is_left_alone():
    """A setting another tesseract release has (or has dropped) is not set, and the engine
    that was asked for it reads the next image as any other."""
    if not T.in_process():
        pytest.skip("tesserocr is not linked to the command's libtesseract")
    img = _cell("2023")
    for config in [("no_such_setting_of_ours=1", DIGITS), (DIGITS,), ()]:
        assert [w.text for w in T.tesseract(img, psm=7, lang="eng", config=config)] == ["2023"]


def test_a_language_not_installed_is_a_parse_error():
    from parsers.model import ParseError

    if not T.in_process():
        pytest.skip("tesserocr is not linked to the command's libtesseract")
    with pytest.raises(ParseError, match="tesseract failed"):
        T.tesseract(_cell("1"), psm=7, lang="xyz_not_installed")


def test_a_child_forked_after_engines_were_used_still_reads(tmp_path):
    """The build's child, forked from a process that had read with an engine, hung reading
    a page's pictures of tables in-process until its time limit; such a child now reads by
    the command."""
    if not T.in_process():
        pytest.skip("tesseract is read by the command here already")
    from archive.build import build
    from archive.captures import CaptureStore
    from archive.testing import add_portal, capture_body
    from synthetic.render_pictures import render_html_pictures
    from synthetic.report import generate_report

    T.tesseract(_cell("2023"), psm=7, lang="eng", config=(DIGITS,))  # an engine used here
    page_url = "http://linqing.test/art/2023/ndbg.html"
    rep = generate_report(905, agency="临清市烟店镇人民政府", year=2023, pages=4)
    page, pictures = render_html_pictures(rep, layout="template", base=page_url)
    store = CaptureStore(tmp_path)
    add_portal(store, "临清市人民政府", "371581", level="县", parent="聊城市人民政府")
    capture_body(
        store, page, page_url, "临清市人民政府", link_text="2023年政府信息公开工作年度报告"
    )
    for url, body in pictures.items():
        capture_body(
            store, body, url, "临清市人民政府", content_type="image/png", kind="image",
            is_report=False, referer=page_url,
        )  # fmt: skip
    store.close()
    stats = build(tmp_path, workers=1, progress=False)
    assert stats.failed == {} and stats.filed == {"report": 1}
