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


def truncate(h, body: bytes, ctype: str = "application/octet-stream",
             headers: dict | None = None) -> None:
    """Declare the whole body, send half of it, close."""
    h.send_response(200)
    h.send_header("Content-Type", ctype)
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.send_header("Content-Length", str(max(2, len(body))))
    h.end_headers()
    h.wfile.write(body[:len(body) // 2])
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
