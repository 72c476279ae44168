"""The scheduler's disk queue (crawler/queues.py): one LIFO stack whatever part of it is in
memory or in the file, Scrapy's own file format at close, nothing on disk while queues are
short. The whole path (interrupted crawl, queue kept, resumed) is in test_crawl_resume.py."""

from __future__ import annotations

import pytest
import scrapy
from scrapy.squeues import LifoMemoryQueue, PickleLifoDiskQueue
from scrapy.utils.test import get_crawler

from crawler.queues import SpillingLifoQueue, RequestFile


class Spider(scrapy.Spider):
    name = "queue-test"

    def parse_detail(self, response):
        pass

    def parse_list(self, response):
        pass

    def failed(self, failure):
        pass


def crawler(limit: int, total: int = 4096):
    c = get_crawler(Spider, {"OGI_QUEUE_IN_MEMORY": limit, "OGI_QUEUE_IN_MEMORY_TOTAL": total})
    c.spider = c._create_spider()
    return c


def request(spider, i: int) -> scrapy.Request:
    meta = {
        "portal": "某县人民政府",
        "kind": "detail" if i % 3 else "list",
        "referer": f"http://127.0.0.2/list_{i // 10}.html",
        "link_text": f"2023年政府信息公开工作年度报告 {i}",
        "catid": None,
        "ogi_refusal": ("http_503", "Retry-After 400 s"),
    }
    if i % 7 == 0:  # an API page: a POST with its form
        return scrapy.FormRequest(
            f"http://127.0.0.2/api/{i}",
            formdata={"page": str(i)},
            callback=spider.parse_list,
            errback=spider.failed,
            meta=meta,
        )
    return scrapy.Request(
        f"http://127.0.0.2/doc/{i}.html",
        callback=spider.parse_detail,
        errback=spider.failed,
        meta=meta,
        headers={"Referer": meta["referer"]},
    )


def fields(r: scrapy.Request) -> tuple:
    """What a request is, its callbacks by name (a resumed crawl has a new spider)."""
    return (
        type(r),
        r.url,
        r.method,
        r.body,
        r.meta,
        r.headers.to_unicode_dict(),
        r.callback.__name__,
        r.errback.__name__,
    )


def same(a: scrapy.Request, b: scrapy.Request) -> bool:
    return fields(a) == fields(b)


def test_the_queue_is_one_stack_across_memory_file_and_a_resume(tmp_path):
    key = str(tmp_path / "requests.queue" / "slot" / "0")
    c = crawler(limit=8)
    q, ref = SpillingLifoQueue.from_crawler(c, key), LifoMemoryQueue()
    n, popped = 0, []
    # pushes and pops interleaved, deep enough that the oldest go to the file
    for pushes, pops in [(5, 2), (30, 4), (3, 20), (40, 1), (2, 10), (6, 1)]:
        for _ in range(pushes):
            r = request(c.spider, n)
            q.push(r)
            ref.push(r)
            n += 1
        for _ in range(pops):
            got, want = q.pop(), ref.pop()
            assert same(got, want), (got, want)
            popped.append(got.url)
        assert len(q) == len(ref)
    assert c.stats.get_value("ogi/queue_spilled") > 0
    left = len(q)
    q.close()  # the crawl stops: everything left goes to Scrapy's file

    c2 = crawler(limit=8)  # the resumed crawl
    q2 = SpillingLifoQueue.from_crawler(c2, key)
    assert len(q2) == left
    rest = [q2.pop() for _ in range(left)]
    want = [ref.pop() for _ in range(left)]
    assert [fields(r) for r in rest] == [fields(r) for r in want]
    assert q2.pop() is None and len(q2) == 0
    q2.close()
    assert not (tmp_path / "requests.queue" / "slot" / "0").exists()  # an empty queue: no file


def test_the_file_is_scrapys_own_both_ways(tmp_path):
    c = crawler(limit=4)
    # written by Scrapy's PickleLifoDiskQueue (a crawl interrupted before this queue), read here
    old = PickleLifoDiskQueue(c, str(tmp_path / "a"))
    for i in range(10):
        old.push(request(c.spider, i))
    old.close()
    q = SpillingLifoQueue.from_crawler(c, str(tmp_path / "a"))
    assert [q.pop().url for _ in range(10)] == [request(c.spider, i).url for i in range(9, -1, -1)]
    q.close()
    # written here at close, read by Scrapy's own
    q = SpillingLifoQueue.from_crawler(c, str(tmp_path / "b"))
    for i in range(10):
        q.push(request(c.spider, i))
    q.close()
    scrapys = PickleLifoDiskQueue(c, str(tmp_path / "b"))
    assert [scrapys.pop().url for _ in range(10)] == [
        request(c.spider, i).url for i in range(9, -1, -1)
    ]
    scrapys.close()


def test_a_short_queue_touches_no_file(tmp_path):
    c = crawler(limit=32)
    key = tmp_path / "slot" / "0"
    q = SpillingLifoQueue.from_crawler(c, str(key))
    for round_ in range(50):  # a host's queue emptied and refilled, as in a fast crawl
        for i in range(20):
            q.push(request(c.spider, round_ * 20 + i))
        while q.pop() is not None:
            pass
    assert not key.parent.exists()
    assert q.peek() is None
    q.close()
    assert not key.parent.exists()
    assert not c.stats.get_value("ogi/queue_spilled")


def test_the_crawls_queues_together_hold_a_bounded_number_in_memory(tmp_path):
    """Many hosts' queues, each short of its own limit: past the crawl-wide bound a queue
    pushed to keeps only its newest in memory, the rest in its file, and every queue is still
    one stack."""
    c = crawler(limit=32, total=100)
    queues = [SpillingLifoQueue.from_crawler(c, str(tmp_path / f"h{h}" / "0")) for h in range(50)]
    for i in range(10):
        for h, q in enumerate(queues):
            q.push(request(c.spider, h * 100 + i))
            held = sum(len(q.top) for q in queues)
            assert held == c._ogi_queue_held[0] <= 100 + len(queues)
    assert c.stats.get_value("ogi/queue_spilled") >= 500 - 150
    for h, q in enumerate(queues):
        got = [q.pop().url for _ in range(10)]
        assert got == [request(c.spider, h * 100 + i).url for i in range(9, -1, -1)]
        assert q.pop() is None
        q.close()
    assert c._ogi_queue_held[0] == 0


def test_requests_go_to_the_file_as_scrapy_writes_them(tmp_path):
    """The dict made without inspect.getmembers is Scrapy's own `Request.to_dict`, field for
    field, for every request the spider makes; anything else goes Scrapy's way."""
    c = crawler(limit=4)
    f = RequestFile(c, str(tmp_path / "f"))
    plain = scrapy.Request("http://127.0.0.2/a", callback=c.spider.parse_detail)
    for r in [request(c.spider, i) for i in range(14)] + [plain]:
        assert f.as_dict(r) == r.to_dict(spider=c.spider)
    not_ours = scrapy.Request("http://127.0.0.2/b", callback=print)
    assert f.as_dict(not_ours) is None
    with pytest.raises(ValueError):  # Scrapy's refusal: the scheduler keeps it in memory
        f.push(not_ours)
    f.close()


def test_a_request_that_cannot_be_pickled_is_counted_once_and_not_tried_again(tmp_path):
    """Scrapy keeps such a request in memory and counts it once (scheduler/unserializable);
    here it stays in memory too (popped before the file, as Scrapy pops its memory queue
    first), and is not pickled again at every spill."""
    c = crawler(limit=4)
    q = SpillingLifoQueue.from_crawler(c, str(tmp_path / "slot" / "0"))
    odd = scrapy.Request("http://127.0.0.2/odd", callback=print)  # not a spider's method
    q.push(odd)
    for i in range(40):  # deep enough to spill many times
        q.push(request(c.spider, i))
    assert c.stats.get_value("scheduler/unserializable") == 1
    assert c.stats.get_value("ogi/queue_spilled") == 40 - len(q.top) + 1
    popped = [q.pop() for _ in range(41)]
    assert [r for r in popped if r is odd] == [odd] and q.pop() is None
    urls = [r.url for r in popped if r is not odd]
    assert urls == [request(c.spider, i).url for i in range(39, -1, -1)]
    q.close()
