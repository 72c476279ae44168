"""A number read from a picture of a table leads to that picture: the report page's source view
shows the picture (made in the guarded child from the captures, never from scraped markup)
with the cell's box over it, and the box holds the place where the picture drew that number.
The archive is built by the real builder from a generated page whose tables are pictures,
captured with it as the crawler does, and served by `ogi serve`."""

from __future__ import annotations

import io
import json
from html import unescape
import re
import urllib.parse
import urllib.request

import pytest
from PIL import Image

from archive.build import build
from archive.captures import CaptureStore
from archive.testing import add_portal, capture_body
from browser import serve_archive
from synthetic.render_pictures import render_html_pictures
from synthetic.report import generate_report

pytestmark = pytest.mark.slow  # the build reads the pictures by OCR
PAGE = "http://linqing.test/art/2023/ndbg.html"
CLEAN = dict(arithmetic_errors=False, blanks=False, units=False, truncate=None, cell_noise=False)


def test_a_number_read_from_a_picture_opens_that_picture_with_the_cell_boxed(tmp_path):
    rep = generate_report(905, agency="临清市烟店镇人民政府", year=2023, pages=4, **CLEAN)
    drawn: dict = {}
    page, pictures = render_html_pictures(rep, layout="template", base=PAGE, drawn=drawn)
    store = CaptureStore(tmp_path)
    add_portal(store, "临清市人民政府", "371581", level="县", parent="聊城市人民政府")
    capture_body(store, page, PAGE, "临清市人民政府", link_text="2023年政府信息公开工作年度报告")
    for url, body in pictures.items():
        capture_body(
            store,
            body,
            url,
            "临清市人民政府",
            content_type="image/png",
            kind="image",
            is_report=False,
            referer=PAGE,
        )
    store.close()
    assert build(tmp_path, workers=1, progress=False).filed == {"report": 1}
    order = [
        urllib.parse.urljoin(PAGE, s) for s in re.findall(r'<img src="([^"]+)"', page.decode())
    ]
    with serve_archive(tmp_path) as base:
        q = urllib.parse.urlencode({"body": rep.agency, "_shape": "array"})
        with urllib.request.urlopen(f"{base}/ogi/reports.json?{q}") as r:
            report_id = json.loads(r.read())[0]["id"]
        checked = 0
        for cell in ["requests.new_received.total", "appeals.review.total", "active.fees.amount"]:
            t, k, c = cell.split(".")
            value = rep.record["tables"][t][k][c]
            if value is None:
                continue
            with urllib.request.urlopen(f"{base}/-/ogi/source/{report_id}/{cell}") as r:
                html = r.read().decode()
            pos = json.loads(unescape(re.search(r"<code>(.*?)</code>", html).group(1)))
            assert set(pos) == {"picture", "box"}, pos
            src = re.search(r'<img src="([^"]+)"', html).group(1)
            assert re.fullmatch(rf"/-/ogi/picture/[0-9a-f]{{64}}/{pos['picture']}\.png", src), src
            style = re.search(r'class="ogi-box" style="([^"]+)"', html).group(1)
            pct = dict((k_, float(v)) for k_, v in re.findall(r"([a-z]+):([\d.]+)%", style))
            with urllib.request.urlopen(base + src) as r:
                assert r.headers["content-type"] == "image/png"
                shown = Image.open(io.BytesIO(r.read())).convert("RGB")
            original = pictures[order[pos["picture"]]]
            # the picture shown is that picture of the page, pixel for pixel
            assert shown.tobytes() == Image.open(io.BytesIO(original)).convert("RGB").tobytes()
            # the box drawn over it holds the ink the renderer drew for that very cell
            x0 = pct["left"] * shown.width / 100
            top = pct["top"] * shown.height / 100
            x1 = x0 + pct["width"] * shown.width / 100
            bottom = top + pct["height"] * shown.height / 100
            (ink,) = [b for key, _, b in drawn[original] if key == cell]
            assert x0 - 3 <= ink[0] and ink[2] <= x1 + 3 and top - 3 <= ink[1]
            assert ink[3] <= bottom + 3
            checked += 1
    assert checked >= 2
