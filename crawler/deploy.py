"""The crawler as a Scrapyd project: an egg built from this checkout the way scrapyd-deploy
builds one (`setup.py bdist_egg`, the `scrapy` entry point naming crawler.settings), uploaded
with Scrapyd's addversion.json. An egg carries code, not dependencies: each node runs Scrapyd
in a venv where ogi-archive itself is installed (docs/crawling.md).

The version is the time and a fingerprint of the code (`20260401T031700Z-1a2b3c4d5e6f`): a node
that already has this code is not sent it again, and every job is scheduled with the version
the head runs, so no node crawls with other code."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PACKAGES = ("ogi", "crawler", "parsers", "archive", "synthetic")  # pyproject's packages


class DeployError(RuntimeError):
    pass


def project_root() -> Path:
    root = Path(__file__).resolve().parents[1]
    if not (root / "setup.py").exists() or not (root / "pyproject.toml").exists():
        raise DeployError(
            f"no project checkout at {root} (setup.py, pyproject.toml): run the "
            "head from a checkout of ogi-archive (pip install -e .)"
        )
    return root


def fingerprint(root: Path | None = None) -> str:
    """12 hex digits of the SHA-256 of the packaged files and pyproject.toml."""
    root = root or project_root()
    h = hashlib.sha256()
    files = [root / "pyproject.toml"] + sorted(
        p
        for pkg in PACKAGES
        for p in (root / pkg).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )
    for p in files:
        h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:12]


def build_egg(dest: Path, root: Path | None = None) -> Path:
    """The project's egg in dest (setuptools' bdist_egg, its build files in a temporary
    directory, none in the checkout)."""
    root = root or project_root()
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ogi-egg-") as tmp:
        cmd = [
            sys.executable,
            "setup.py",
            "-q",
            "egg_info",
            "--egg-base",
            tmp,
            "build",
            "--build-base",
            f"{tmp}/build",
            "bdist_egg",
            "--bdist-dir",
            f"{tmp}/bdist",
            "--dist-dir",
            str(dest),
        ]
        done = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
        if done.returncode:
            raise DeployError(f"building the egg failed: {done.stderr[-2000:]}")
    eggs = sorted(dest.glob("*.egg"), key=lambda p: p.stat().st_mtime)
    if not eggs:
        raise DeployError("building the egg made no .egg file")
    return eggs[-1]


def deploy(nodes, force: bool = False, say=lambda msg: None) -> dict[str, str]:
    """Make sure every node has this code; returns {node name: the version to schedule}."""
    fp = fingerprint()
    versions: dict[str, str] = {}
    egg: bytes | None = None
    for node in nodes:
        have = [v for v in node.versions() if v.endswith("-" + fp)]
        if have and not force:
            versions[node.name] = have[-1]
            continue
        if egg is None:
            with tempfile.TemporaryDirectory(prefix="ogi-egg-") as tmp:
                egg = build_egg(Path(tmp)).read_bytes()
        version = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + fp
        spiders = node.add_version(version, egg)
        if spiders < 1:
            raise DeployError(
                f"{node.name}: the egg was taken but lists no spider — is "
                "ogi-archive installed in the node's venv?"
            )
        say(f"deployed {version} to {node.name} ({len(egg) // 1024} KiB)")
        versions[node.name] = version
    return versions
