"""Scrapyd nodes on loopback: real `scrapyd` processes on 127.0.0.201, .202 … (a free port
each), one directory each with its scrapyd.conf, eggs, logs and items — the machines of the
multi-machine crawl tests (tests/test_nodes.py) and bench (bench/nodes.py). Each runs with this
Python, in whose venv ogi-archive is installed, as a real node's Scrapyd does."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

CONF = """\
[scrapyd]
bind_address = {host}
http_port = {port}
eggs_dir = {root}/eggs
logs_dir = {root}/logs
items_dir = {root}/items
dbs_dir = {root}/dbs
max_proc = {max_proc}
poll_interval = {poll}
jobs_to_keep = 100
"""


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class ScrapydNode:
    def __init__(
        self, root: Path, host: str, max_proc: int = 2, poll: float = 0.5, items: bool = True
    ):
        """items=False: no items_dir (a misconfigured node)."""
        self.root, self.host = Path(root), host
        self.port = free_port(host)
        self.root.mkdir(parents=True, exist_ok=True)
        conf = CONF.format(host=host, port=self.port, root=self.root, max_proc=max_proc, poll=poll)
        if not items:
            conf = "\n".join(x for x in conf.splitlines() if not x.startswith("items_dir"))
        (self.root / "scrapyd.conf").write_text(conf + "\n")
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 60) -> "ScrapydNode":
        # Scrapyd reads scrapyd.conf in its working directory; its crawl processes run with
        # this same Python, where ogi-archive is installed
        self.log = open(self.root / "scrapyd.out", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "scrapyd", "--pidfile="],
            cwd=self.root,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"scrapyd exited: {(self.root / 'scrapyd.out').read_text()}")
            try:
                if requests.get(self.url + "/daemonstatus.json", timeout=2).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"scrapyd on {self.url} did not answer in {timeout} s")

    def running_pids(self) -> list[int]:
        data = requests.get(self.url + "/listjobs.json", timeout=5).json()
        return [j["pid"] for j in data.get("running", []) if j.get("pid")]

    def kill(self) -> list[int]:
        """The machine dies: its crawl processes and Scrapyd itself, SIGKILL, by pid."""
        pids = self.running_pids()
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        return pids

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                pids = self.running_pids()
            except requests.RequestException:
                pids = []
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            for pid in pids:  # a crawl Scrapyd started and did not stop
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if getattr(self, "log", None):
            self.log.close()


def start_nodes(root: Path, n: int = 3, first_host: int = 201, **kw) -> list[ScrapydNode]:
    nodes = [
        ScrapydNode(root / f"node{i + 1}", f"127.0.0.{first_host + i}", **kw) for i in range(n)
    ]
    try:
        for node in nodes:
            node.start()
    except Exception:
        for node in nodes:
            node.stop()
        raise
    return nodes
