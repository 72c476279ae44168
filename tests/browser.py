"""Headless Chromium against `ogi serve` run for real (uvicorn + datasette in a subprocess)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_archive(root: Path):
    """`ogi serve --archive root` on a free port until the block ends; yields its base URL."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "ogi.cli", "serve", "--archive", str(root),
                             "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    raise RuntimeError("ogi serve did not start: "
                                       + proc.stdout.read().decode()[-2000:]) from None
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def chromium(*args: str, profile: Path, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}", *args],
        capture_output=True, timeout=timeout)


def dump_dom(url: str, tmp_path: Path, budget_ms: int = 3000) -> str:
    out = chromium(f"--virtual-time-budget={budget_ms}", "--dump-dom", url,
                   profile=tmp_path / "profile")
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    return out.stdout.decode("utf-8")


def screenshot(url: str, out: Path, tmp_path: Path, height: int = 1600) -> Path:
    """A 1280-pixel-wide screenshot of the page (test artifacts: test-artifacts/, not kept in
    git)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    done = chromium("--hide-scrollbars", f"--window-size=1280,{height}",
                    "--virtual-time-budget=3000", f"--screenshot={out}", url,
                    profile=tmp_path / "shots")
    assert done.returncode == 0 and out.stat().st_size > 10_000, done.stderr.decode()[-2000:]
    return out
