"""`ogi serve` run for real (datasette under uvicorn, in a process of its own), watched from
outside: its resident memory read from /proc, its console kept in a file, requests sent with
the path exactly as written (`..` and broken percent-encoding included).

Used by the tests (tests/test_serve_bounds.py, the browser tests) and by bench/serve.py.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """`ogi serve --archive root` on a free port; `with Served(root) as s: s.get(path)`."""

    def __init__(self, root: Path, log: Path | None = None):
        self.root = Path(root)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = Path(log or self.root.with_name(self.root.name + "-serve.log"))
        self._log_seen = 0

    def __enter__(self) -> "Served":
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self._log_fh = self.log.open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ogi.cli",
                "serve",
                "--archive",
                str(self.root),
                "--port",
                str(self.port),
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log_fh,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if self.get("/-/versions.json")[0] == 200:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("ogi serve did not start: " + self.log.read_text()[-2000:])
            time.sleep(0.2)
        self.startup = self.log_lines()  # what it said before the first request
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log_fh.close()

    # ---- requests -----------------------------------------------------------------------
    def get(self, path: str, timeout: float = 120) -> tuple[int, dict, bytes]:
        """GET path as written; (status, headers, body)."""
        status, headers, body, _ = self.fetch(path, timeout=timeout)
        return status, headers, body

    def fetch(self, path: str, timeout: float = 120, keep: int | None = None):
        """GET path as written; (status, headers, body, size): the body is read in chunks
        and only its first `keep` bytes kept (all of it when keep is None)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.putrequest("GET", path, skip_accept_encoding=True)
            conn.endheaders()
            resp = conn.getresponse()
            body, size = bytearray(), 0
            while chunk := resp.read(1 << 20):
                size += len(chunk)
                if keep is None or len(body) < keep:
                    body += chunk
            return resp.status, dict(resp.getheaders()), bytes(body), size
        finally:
            conn.close()

    def sql(self, query: str, fmt: str = ".json", **kw):
        return self.fetch(f"/ogi{fmt}?sql={urllib.parse.quote(query)}", **kw)

    # ---- the process, from outside -------------------------------------------------------
    def _status(self) -> dict:
        out = {}
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                out[key] = value.strip()
        return out

    def rss_mb(self) -> float:
        return int(self._status()["VmRSS"].split()[0]) / 1024

    def peak_mb(self) -> float:
        """The largest resident size since the last reset_peak() (VmHWM)."""
        return int(self._status()["VmHWM"].split()[0]) / 1024

    def reset_peak(self) -> None:
        with open(f"/proc/{self.proc.pid}/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current resident size

    def log_lines(self) -> list[str]:
        """The console lines written since the last call."""
        self._log_fh.flush()
        data = self.log.read_bytes()
        new, self._log_seen = data[self._log_seen :], len(data)
        return new.decode("utf-8", "replace").splitlines()


def big_blob(store, size_mb: int) -> str:
    """A capture body of size_mb random MiB stored in the archive without holding it in
    memory; returns its SHA-256."""
    spool = store.spool_dir() / "big.tmp"
    h = hashlib.sha256()
    with spool.open("wb") as f:
        for _ in range(size_mb):
            chunk = os.urandom(1 << 20)
            h.update(chunk)
            f.write(chunk)
    sha = h.hexdigest()
    store.store_file(spool, sha, size_mb << 20)
    return sha


def public_archive(root: Path, reports: int = 12, big_mb: int = 0) -> dict:
    """An archive as a crawl leaves it: generated reports filed, a portal and a crawl whose
    registry file is named by its absolute path, and (big_mb) one large raw capture."""
    from archive.captures import CaptureStore
    from archive.testing import add_report, finish, report_text
    from synthetic.report import generate_report

    root.mkdir(parents=True, exist_ok=True)
    registry = root.resolve() / "registry" / "sources.yaml"
    store = CaptureStore(root)
    store.upsert_portal(
        {
            "name": "p",
            "region_code": "371581",
            "level": "县",
            "family": "generic",
            "start_urls": ["http://portal.test/"],
            "allowed_domains": ["portal.test"],
            "source_file": str(registry),
        }
    )
    store.open_run(
        "c1",
        {"sources": str(registry), "portals": None, "fast": False, "settings": {}, "contact": None},
    )
    # a crawl on a Scrapyd node: the node's address is an internal machine's
    node = "http://10.9.8.7:6800"
    store.db["crawl_jobs"].insert(
        {
            "id": "j1",
            "crawl_id": "c1",
            "shard": 0,
            "attempt": 1,
            "node": node,
            "state": "merged",
            "detail": f"merged from {node}/items/ogi/portals/j1/",
        }
    )
    store.add_capture(
        crawl_id="c1",
        portal="p",
        url="http://portal.test/list.html",
        final_url="http://portal.test/list.html",
        status=404,
        kind="list",
        is_report=0,
        error="http_404",
        node=node,
    )
    store.finish_run("c1", "finished", {}, {"nodes": {node: {"jobs": 1}}})
    out = {"registry": str(registry), "big": None, "node": node}
    if big_mb:
        sha = big_blob(store, big_mb)
        store.add_capture(
            crawl_id="c1",
            portal="p",
            url="http://portal.test/big.pdf",
            final_url="http://portal.test/big.pdf",
            status=200,
            sha256=sha,
            size=big_mb << 20,
            content_type="application/pdf",
            kind="attachment",
            is_report=1,
        )
        out["big"] = sha
    store.close()
    for i in range(reports):
        rep = generate_report(300 + i, agency=f"测试县第{i}局", year=2020 + i % 4)
        add_report(
            root,
            record=rep.record,
            text=report_text(rep) + "\n本年度收到行政复议申请。",
            url=f"http://portal.test/r{i}.html",
            portal="p",
        )
    finish(root)
    return out
