"""MHT versions of generated reports: the page as Word saves a 单个文件网页 (Web archive, RFC
2557), often published under a .doc name. The HTML part is quoted-printable in GB2312/GBK
(Word's choice for Chinese), the pictures (tables pasted as pictures, when asked) base64 parts
named by Content-Location under report.files/."""

from __future__ import annotations

import base64
import quopri

from synthetic.layout import choose_layout

BOUNDARY = "----=_NextPart_01DA0000.5A1B2C30"
ROOT = "file:///C:/D2B3F1C5/report.htm"


def render_mht(report, layout=None, pictures: bool = False, encoding: str = "gbk") -> bytes:
    from synthetic.render_html import render_html
    from synthetic.render_pictures import render_html_pictures

    lay = choose_layout(report, "html", layout if layout is not None else "word")
    if pictures:
        page, resources = render_html_pictures(report, layout=lay, base=ROOT, encoding=encoding)
    else:
        page, resources = _html(render_html, report, lay, encoding), {}
    head = (
        f'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="{BOUNDARY}"\r\n'
        "\r\n此文档为“单个文件网页”，也称为“Web 档案”文件。\r\n"
    ).encode("gbk")
    parts = [head]
    charset = "gb18030" if b"charset=gb18030" in page[:600] else encoding
    parts.append(
        f"\r\n--{BOUNDARY}\r\nContent-Location: {ROOT}\r\nContent-Transfer-Encoding: "
        f'quoted-printable\r\nContent-Type: text/html; charset="{charset}"\r\n\r\n'.encode("ascii")
    )
    parts.append(quopri.encodestring(page).replace(b"\n", b"\r\n"))
    for url, data in resources.items():
        ctype = "image/jpeg" if url.endswith(".jpg") else "image/png"
        b64 = base64.encodebytes(data).replace(b"\n", b"\r\n")
        parts.append(
            f"\r\n--{BOUNDARY}\r\nContent-Location: {url}\r\nContent-Transfer-Encoding:"
            f" base64\r\nContent-Type: {ctype}\r\n\r\n".encode("ascii")
            + b64
        )
    parts.append(f"\r\n--{BOUNDARY}--\r\n".encode("ascii"))
    return b"".join(parts)


def _html(render_html, report, lay, encoding: str) -> bytes:
    try:
        return render_html(report, layout=lay, encoding=encoding)
    except UnicodeEncodeError:  # Kangxi radicals are not in GBK
        return render_html(report, layout=lay, encoding="gb18030")
