"""robots.txt per RFC 9309, in real crawls against loopback servers: 2xx obeyed; 4xx allows
everything; 5xx disallows the whole host for the crawl (and says so, without an alert);
redirects followed up to 5 hops, also to another host; more than 5: unavailable."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer

import pytest
import yaml

from archive.captures import CaptureStore
from crawler.run import crawl_in_subprocess

from badportal import QuietHandler  # tests/badportal.py

PDF = b"%PDF-1.4\n" + b"1" * 500 + b"\n%%EOF\n"
LIST = (
    '<html><body><p><a href="/doc/ok.pdf">2021年政府信息公开工作年度报告</a></p>'
    '<p><a href="/doc/secret.pdf">2020年政府信息公开工作年度报告</a></p></body></html>'
)
RULES = b"User-agent: *\nDisallow: /doc/secret\n"


class Handler(QuietHandler):
    def do_GET(self):
        srv = self.server
        srv.log.append(self.path)
        robots = srv.robots
        if self.path == "/robots.txt" or self.path.startswith("/hop"):
            n = int(self.path[4:]) if self.path.startswith("/hop") else 0
            if robots[0] == "status":
                return self._send(robots[1], b"User-agent: *\nDisallow: /\n")
            if robots[0] == "rules":
                return self._send(200, RULES)
            if robots[0] == "redirect":
                hops, final = robots[1], robots[2]
                location = f"/hop{n + 1}" if n + 1 < hops else final
                return self._send(302, b"", Location=location)
        if self.path == "/rules.txt":
            return self._send(200, RULES)
        if self.path == "/list.html":
            return self._send(200, LIST.encode(), ctype="text/html; charset=utf-8")
        if self.path.startswith("/doc/"):
            return self._send(200, PDF, ctype="application/pdf")
        return self._send(404, b"")


def server(host, robots):
    srv = ThreadingHTTPServer((host, 0), Handler)
    srv.daemon_threads, srv.log, srv.robots = True, [], robots
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("robots")
    rules = server("127.0.0.86", ("rules",))  # another host, where a redirect ends
    servers = {
        "五百门户": server("127.0.0.81", ("status", 500)),
        "四零四门户": server("127.0.0.82", ("status", 404)),
        "规则门户": server("127.0.0.83", ("rules",)),
        "转向门户": server(
            "127.0.0.84", ("redirect", 4, f"http://127.0.0.86:{rules.server_address[1]}/rules.txt")
        ),
        "多跳门户": server("127.0.0.85", ("redirect", 7, "/rules.txt")),
    }
    entries = [
        {
            "name": name,
            "family": "generic",
            "start_urls": [f"http://{s.server_address[0]}:{s.server_address[1]}/list.html"],
        }
        for name, s in servers.items()
    ]
    (tmp / "r.yaml").write_text(
        yaml.safe_dump({"portals": entries}, allow_unicode=True), encoding="utf-8"
    )
    report = crawl_in_subprocess(tmp / "r.yaml", tmp / "data", "--fast", "-s", "RETRY_TIMES=1")
    yield {
        "report": report,
        "servers": servers,
        "store": CaptureStore(tmp / "data"),
        "rules": rules,
    }
    for s in (*servers.values(), rules):
        s.shutdown()
        s.server_close()


def fetched(crawl, name):
    return sorted(p for p in crawl["servers"][name].log if p.startswith(("/list", "/doc")))


def test_robots_5xx_disallows_the_host_and_says_why(crawl):
    srv = crawl["servers"]["五百门户"]
    assert set(srv.log) == {"/robots.txt"}  # zero requests beyond robots.txt (retried once)
    fig = crawl["report"]["portals"]["五百门户"]
    assert "HTTP 500" in fig["robots_unreachable"] or "http_500" in fig["robots_unreachable"]
    assert fig["robots_denied"] == 1 and "alert" not in fig and "RFC 9309" in fig["note"]
    rows = crawl["store"].captures(crawl["report"]["crawl_id"], portal="五百门户")
    assert [(r["kind"], r["status"]) for r in rows] == [("robots", 500), ("list", None)]
    assert rows[1]["error"].startswith("robots_denied: robots.txt unreachable")


def test_robots_4xx_allows_everything(crawl):
    assert fetched(crawl, "四零四门户") == ["/doc/ok.pdf", "/doc/secret.pdf", "/list.html"]
    assert "robots_unreachable" not in crawl["report"]["portals"]["四零四门户"]


def test_robots_rules_obeyed_and_denials_recorded(crawl):
    assert fetched(crawl, "规则门户") == ["/doc/ok.pdf", "/list.html"]
    fig = crawl["report"]["portals"]["规则门户"]
    assert fig["robots_denied"] == 1 and fig["documents"] == 1


def test_robots_redirect_followed_to_another_host(crawl):
    assert fetched(crawl, "转向门户") == ["/doc/ok.pdf", "/list.html"]
    assert crawl["servers"]["转向门户"].log.count("/robots.txt") == 1
    assert "/rules.txt" in crawl["rules"].log


def test_robots_more_than_five_redirects_is_unavailable(crawl):
    srv = crawl["servers"]["多跳门户"]
    assert "/hop5" in srv.log and "/hop6" not in srv.log and "/rules.txt" not in srv.log
    assert fetched(crawl, "多跳门户") == ["/doc/ok.pdf", "/doc/secret.pdf", "/list.html"]
