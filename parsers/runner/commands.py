"""Running an external converter (LibreOffice, tesseract) with a time limit.

The child runs in its own process group, so a timeout kills it and everything it started.
"""

from __future__ import annotations

import os
import signal
import subprocess

from parsers.model import ParseError


def run_command(
    args: list[str], *, timeout_s: float, cwd=None, env: dict | None = None, what: str = "converter"
) -> subprocess.CompletedProcess:
    """Run args; raise ParseError with a one-line reason on timeout or a missing binary."""
    full_env = dict(os.environ, **(env or {}))
    try:
        proc = subprocess.Popen(
            args,
            cwd=cwd,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise ParseError(f"{what} not installed: {args[0]}") from None
    try:
        out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        raise ParseError(f"{what} timed out after {timeout_s:g} s") from None
    except BaseException:
        kill_group(proc)
        raise
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


def kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.communicate()
