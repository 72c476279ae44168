"""Headless Chromium against `ogi serve` run for real (uvicorn + datasette in a subprocess)."""

from __future__ import annotations

import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

from served import Served

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def serve_archive(root: Path):
    """`ogi serve --archive root` on a free port until the block ends; yields its base URL."""
    with Served(root) as served:
        yield served.base


def chromium(*args: str, profile: Path, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        timeout=timeout,
    )


def dump_dom(url: str, tmp_path: Path, budget_ms: int = 3000) -> str:
    out = chromium(
        f"--virtual-time-budget={budget_ms}", "--dump-dom", url, profile=tmp_path / "profile"
    )
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    return out.stdout.decode("utf-8")


def screenshot(url: str, out: Path, tmp_path: Path, height: int = 1600) -> Path:
    """A 1280-pixel-wide screenshot of the page (test artifacts: test-artifacts/, not kept in
    git)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    done = chromium(
        "--hide-scrollbars",
        f"--window-size=1280,{height}",
        "--virtual-time-budget=3000",
        f"--screenshot={out}",
        url,
        profile=tmp_path / "shots",
    )
    assert done.returncode == 0 and out.stat().st_size > 10_000, done.stderr.decode()[-2000:]
    return out
