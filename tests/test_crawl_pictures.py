"""Which pictures of a report page the crawler fetches with it: those that may hold a table,
not the site's furniture."""

from scrapy.http import HtmlResponse

from crawler.pictures import MAX_PICTURES, table_pictures


def _page(body: str) -> HtmlResponse:
    return HtmlResponse(
        "http://www.example.gov.cn/xxgk/2024/t1.html",
        body=f"<html><body>{body}</body></html>".encode(),
        encoding="utf-8",
    )


def test_table_pictures_not_furniture():
    page = _page(
        '<div class="header"><img src="/images/logo.png"></div>'
        '<img src="/images/ewm.jpg" alt="二维码"><img src="icon_print.gif">'
        '<img src="data:image/png;base64,iVBOR" alt="inline">'
        '<img src="spacer.gif" width="1" height="1"><img src="a.png" width="80">'
        '<p><img src="W020240301_table1.png"></p>'
        '<p><img data-src="../img/表二.jpg" width="600"></p>'
        '<p><img src="W020240301_table1.png"></p>'
    )
    assert table_pictures(page) == [
        "http://www.example.gov.cn/xxgk/2024/W020240301_table1.png",
        "http://www.example.gov.cn/xxgk/img/表二.jpg",
    ]


def test_at_most_so_many_pictures_a_page():
    page = _page("".join(f'<img src="p{i}.png">' for i in range(MAX_PICTURES + 5)))
    assert len(table_pictures(page)) == MAX_PICTURES
