"""Ways a server misbehaves, done for real on a BaseHTTPRequestHandler's socket: the demo
farm's fault mode (Farm(faults=…)) and the crawler's failure tests use them.

    status(h, 503) · status(h, 429, retry_after=1) · reset(h) · truncate(h, body, ctype)
    stall(h, seconds) · bomb(h, mb) · declare(h, size)
"""

from __future__ import annotations

import functools
import gzip
import io
import socket
import struct
import time

KINDS = ("503", "429", "reset", "truncate", "stall", "bomb")


def status(h, code: int, retry_after: float | None = None, body: bytes = b"busy") -> None:
    h.send_response(code)
    if retry_after is not None:
        h.send_header("Retry-After", str(int(retry_after)))
    h.send_header("Content-Type", "text/plain")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def reset(h) -> None:
    """Close with a TCP RST, before any byte of the response."""
    h.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.close_connection = True
    h.request.close()


def truncate(
    h, body: bytes, ctype: str = "application/octet-stream", headers: dict | None = None
) -> None:
    """Declare the whole body, send half of it, close."""
    h.send_response(200)
    h.send_header("Content-Type", ctype)
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.send_header("Content-Length", str(max(2, len(body))))
    h.end_headers()
    h.wfile.write(body[: len(body) // 2])
    h.wfile.flush()
    h.close_connection = True
    h.request.shutdown(socket.SHUT_RDWR)


def stall(h, seconds: float) -> None:
    """Say nothing for `seconds` (past the client's timeout), then close."""
    time.sleep(seconds)
    h.close_connection = True


@functools.lru_cache(maxsize=8)
def bomb_body(mb: int) -> bytes:
    """gzip of `mb` MiB of zeros (about 1/1000 of that)."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0) as f:
        chunk = bytes(2**20)
        for _ in range(mb):
            f.write(chunk)
    return buf.getvalue()


def bomb(h, mb: int, ctype: str = "application/pdf") -> None:
    """A 200 whose gzip Content-Encoding expands to `mb` MiB."""
    body = bomb_body(mb)
    h.send_response(200)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Encoding", "gzip")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def declare(h, size: int, ctype: str = "application/pdf") -> None:
    """Declare a body of `size` bytes, send a little of it, close."""
    h.send_response(200)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(size))
    h.end_headers()
    h.wfile.write(b"%PDF-1.4\n")
    h.close_connection = True


class DocPortal:
    """A portal on loopback whose list page links documents by report titles: {path: body},
    each body sent as is or (gzip=True) as a gzip Content-Encoding of it.

        with DocPortal({"/doc/0.pdf": data}) as portal: portal.write_sources(path)
    """

    def __init__(
        self,
        docs: dict[str, bytes],
        host: str = "127.0.0.98",
        gzip: bool = False,
        name: str = "文档门户",
    ):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        links = "".join(
            f'<p><a href="{p}">{2000 + i}年政府信息公开工作年度报告</a></p>'
            for i, p in enumerate(docs)
        ).encode()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                body = links if self.path == "/list.html" else docs.get(self.path, b"")
                self.send_response(200 if body else 404)
                if self.path in docs:
                    self.send_header("Content-Type", "application/pdf")
                    if gzip:
                        self.send_header("Content-Encoding", "gzip")
                else:
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.docs, self.name = docs, name
        self.srv = ThreadingHTTPServer((host, 0), Handler)
        self.srv.daemon_threads = True
        self._thread = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.base = f"http://{host}:{self.srv.server_address[1]}"
        self.url = f"{self.base}/list.html"

    def entry(self) -> dict:
        return {"name": self.name, "family": "generic", "start_urls": [self.url]}

    def write_sources(self, path) -> None:
        import yaml

        with open(path, "w", encoding="utf-8") as f:
            yaml.safe_dump({"portals": [self.entry()]}, f, allow_unicode=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.srv.shutdown()
        self.srv.server_close()


class BombPortal(DocPortal):
    """`n` documents, each a gzip body expanding to `mb` MiB (the crawler's memory test and
    benchmark)."""

    def __init__(self, host: str = "127.0.0.98", n: int = 6, mb: int = 190):
        body = bomb_body(mb)  # compressed once, before any crawler waits
        super().__init__(
            {f"/doc/{i}.pdf": body for i in range(n)}, host=host, gzip=True, name="膨胀门户"
        )
