"""A portal that misbehaves in every way the capture recorder must account for, served for
real on loopback (synthetic/faults.py does the misbehaving). Its list page links, with report
titles, to one document per kind of failure:

    ok.pdf  bomb.pdf (gzip to 64 MiB)  big.pdf (declares 50 MB)  cut.pdf (half, then closed)
    reset.pdf  stall.pdf  loop.pdf (to itself)  loop-a.pdf ⇄ loop-b.pdf  away.pdf (off the
    registry)  gone.pdf (404)  wall.html (an anti-bot challenge)
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from synthetic import faults
from synthetic.farm_sites import challenge

PDF = b"%PDF-1.4\n" + b"0" * 3000 + b"\n%%EOF\n"
DOCS = {  # path: what the link says it is
    "ok": "正常",
    "bomb": "压缩炸弹",
    "big": "超大",
    "cut": "截断",
    "reset": "重置",
    "stall": "超时",
    "loop": "自我重定向",
    "loop-a": "循环重定向",
    "away": "站外重定向",
    "gone": "已删除",
    "wall": "验证页",
}


class QuietHandler(BaseHTTPRequestHandler):
    """HTTP/1.1, no log lines, and _send(status, body, content type, **headers)."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def _send(self, status, body, ctype="text/plain", **headers):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Handler(QuietHandler):
    def do_GET(self):
        srv = self.server
        with srv.lock:
            srv.log.append(self.path)
        path = self.path.split("?")[0]
        if path == "/robots.txt":
            return self._send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        if path == "/list.html":
            links = "".join(
                f'<p><a href="/doc/{k}.{"html" if k == "wall" else "pdf"}">'
                f"2021年政府信息公开工作年度报告（{v}）</a></p>"
                for k, v in DOCS.items()
            )
            return self._send(
                200, f"<html><body>{links}</body></html>".encode(), "text/html; charset=utf-8"
            )
        name = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if name == "ok":
            return self._send(200, PDF, "application/pdf")
        if name == "bomb":
            return faults.bomb(self, 64)
        if name == "big":
            return faults.declare(self, 50_000_000)
        if name == "cut":
            return faults.truncate(self, PDF, "application/pdf")
        if name == "reset":
            return faults.reset(self)
        if name == "stall":
            return faults.stall(self, srv.stall)
        if name == "loop":
            return self._send(302, b"", "text/html", Location="/doc/loop.pdf")
        if name == "loop-a":
            return self._send(302, b"", "text/html", Location="/doc/loop-b.pdf")
        if name == "loop-b":
            return self._send(301, b"", "text/html", Location="/doc/loop-a.pdf")
        if name == "away":
            return self._send(302, b"", "text/html", Location=srv.away)
        if name == "wall":
            status, ctype, body, headers = challenge()
            return self._send(status, body, ctype, **headers)
        return self._send(404, b"<h1>404</h1>", "text/html")


class BadPortal:
    def __init__(
        self,
        host: str = "127.0.0.91",
        away: str = "http://127.0.0.92:9/x.pdf",
        stall: float = 5.0,
        handler=Handler,
    ):
        self.srv = ThreadingHTTPServer((host, 0), handler)
        self.srv.daemon_threads = True
        self.srv.log, self.srv.lock = [], threading.Lock()
        self.srv.away, self.srv.stall = away, stall
        self.srv.handle_error = lambda *a: None
        self.host, self.port = host, self.srv.server_address[1]
        self.base = f"http://{host}:{self.port}"

    @property
    def log(self) -> list[str]:
        return self.srv.log

    def __enter__(self):
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.srv.shutdown()
        self.srv.server_close()
