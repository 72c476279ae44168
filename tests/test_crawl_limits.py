"""Limits the crawl must respect and say it met, in real crawls against loopback servers:
Retry-After (the host waits, the retry comes no sooner), RETRY_AFTER_MAX, the per-host
concurrency in every mode, and a depth limit that cuts a list (no "removed" concluded)."""

from __future__ import annotations

import threading
import time
from http.server import ThreadingHTTPServer

import pytest
import yaml

from archive.captures import CaptureStore
from crawler.run import crawl_in_subprocess
from synthetic.farm import Farm

from badportal import QuietHandler  # tests/badportal.py

PDF = b"%PDF-1.4\n" + b"2" * 800 + b"\n%%EOF\n"


class Handler(QuietHandler):
    def do_GET(self):
        srv = self.server
        with srv.lock:
            srv.log.append((time.monotonic(), self.path))
            first = self.path not in srv.seen
            srv.seen.add(self.path)
        if self.path == "/list.html":
            body = "".join(
                f'<p><a href="/doc/{i}.pdf">{2000 + i}年政府信息公开工作年度报告</a></p>'
                for i in range(srv.docs)
            ).encode()
            return self._send(200, body, "text/html; charset=utf-8")
        if self.path == "/doc/0.pdf" and srv.retry_after and first:
            return self._send(429, b"slow down", **{"Retry-After": str(srv.retry_after)})
        if self.path.startswith("/doc/"):
            # requests waiting here at once are outstanding at the client at once: it cannot
            # have its answer before the wait ends
            with srv.lock:
                srv.inflight += 1
                srv.most = max(srv.most, srv.inflight)
            time.sleep(srv.slow)
            with srv.lock:
                srv.inflight -= 1
            return self._send(200, PDF, "application/pdf")
        return self._send(404, b"", "text/plain")


@pytest.fixture
def site(tmp_path):
    def make(host, docs=6, retry_after=0, slow=0.0):
        srv = ThreadingHTTPServer((host, 0), Handler)
        srv.daemon_threads = True
        srv.lock, srv.log, srv.seen = threading.Lock(), [], set()
        srv.inflight = srv.most = 0
        srv.docs, srv.retry_after, srv.slow = docs, retry_after, slow
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        made.append(srv)
        path = tmp_path / f"{host}.yaml"
        path.write_text(
            yaml.safe_dump(
                {
                    "portals": [
                        {
                            "name": f"限制门户{host}",
                            "family": "generic",
                            "start_urls": [f"http://{host}:{srv.server_address[1]}/list.html"],
                        }
                    ]
                },
                allow_unicode=True,
            ),
            encoding="utf-8",
        )
        return srv, path

    made = []
    yield make
    for srv in made:
        srv.shutdown()
        srv.server_close()


def test_429_waits_at_least_its_retry_after_and_so_does_the_host(site, tmp_path):
    srv, sources = site("127.0.0.71", docs=4, retry_after=3)
    report = crawl_in_subprocess(
        sources, tmp_path / "data", "--fast", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"
    )
    assert report["portals"]["限制门户127.0.0.71"]["attachments"] == 4
    times = [(t, p) for t, p in srv.log]
    t429 = next(t for t, p in times if p == "/doc/0.pdf")
    retry = [t for t, p in times if p == "/doc/0.pdf"][1]
    after = [t for t, p in times if t > t429 and p.startswith("/doc/")]
    print(
        f"429 Retry-After 3: retried after {retry - t429:.2f} s; the host's next request "
        f"after {min(after) - t429:.2f} s"
    )
    assert retry - t429 >= 3.0
    assert min(after) - t429 >= 2.9  # the host waited too, not only the retried URL


def test_retry_after_over_the_cap_is_recorded_not_waited_for(site, tmp_path):
    srv, sources = site("127.0.0.72", docs=2, retry_after=3600)
    t = time.monotonic()
    report = crawl_in_subprocess(sources, tmp_path / "data", "--fast")
    assert time.monotonic() - t < 60
    store = CaptureStore(tmp_path / "data")
    (row,) = [c for c in store.captures(report["crawl_id"]) if c["url"].endswith("/doc/0.pdf")]
    assert row["status"] == 429 and "Retry-After 3600 s is over RETRY_AFTER_MAX" in row["error"]
    assert [p for _, p in srv.log].count("/doc/0.pdf") == 1


@pytest.mark.parametrize(
    "mode,limit",
    [
        (("--fast",), 8),
        (("-s", "DOWNLOAD_DELAY=0.05"), 2),
        (("--fast", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2"), 2),
    ],
)
def test_per_host_concurrency_holds_in_every_mode(site, tmp_path, mode, limit):
    srv, sources = site("127.0.0.73", docs=24, slow=0.3)
    report = crawl_in_subprocess(sources, tmp_path / "data", *mode)
    assert report["portals"]["限制门户127.0.0.73"]["attachments"] == 24
    print(f"{' '.join(mode)}: at most {srv.most} requests at once (limit {limit})")
    assert 1 <= srv.most <= limit


@pytest.mark.parametrize(
    "limit,name,kind",
    [
        ("DEPTH_LIMIT=4", "DEPTH_LIMIT", "depth_limit"),
        ("OGI_MAX_LIST_PAGES=2", "OGI_MAX_LIST_PAGES", "page_limit"),
    ],
)
def test_a_limit_that_cuts_a_list_concludes_no_removal(tmp_path, limit, name, kind):
    with Farm(reports_per_portal=24, blocked=False) as farm:
        sources = farm.write_sources(tmp_path / "demo.yaml")
        generic = farm.site("generic")
        args = ("--fast", "--portal", generic.name)
        whole = crawl_in_subprocess(sources, tmp_path / "data", *args)
        assert whole["portals"][generic.name]["documents"] == 24
        cut = crawl_in_subprocess(sources, tmp_path / "data", *args, "-s", limit)
    fig = cut["portals"][generic.name]
    assert fig["documents"] < 24  # the oldest reports are past the limit
    assert name in fig["incomplete"] and fig["removed"] == 0
    store = CaptureStore(tmp_path / "data")
    assert [e for e in store.events(cut["crawl_id"]) if e["event"] == "removed"] == []
    cuts = [c for c in store.captures(cut["crawl_id"]) if (c["error"] or "").startswith(kind)]
    assert cuts and all(c["status"] is None for c in cuts)
