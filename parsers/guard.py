"""Run one extraction in a child process with a wall-time limit and a memory bound.

    result = run_guarded("report.doc", timeout_s=120, memory_mb=1536)
    result.record      # the extraction record, or None
    result.error       # None, or a one-line reason ("timed out after 120 s", "file too large: …")

The size limit is checked from the file system before any byte is read. The child sets
RLIMIT_AS (address space) to memory_mb before parsing, runs in its own process group, and the
whole group (LibreOffice, tesseract too) is killed when the time is up. A crash, a memory
blow-up or a hang in one file therefore costs only that file.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from parsers.model import ParseError

TIMEOUT_S = 180.0
MEMORY_MB = 2048
_ROOT = Path(__file__).resolve().parents[1]


@dataclass
class GuardResult:
    record: dict | None
    error: str | None
    seconds: float
    peak_rss_mb: float  # the child's peak resident memory (0 when no child was started)

    @property
    def ok(self) -> bool:
        return self.error is None


def run_guarded(source, *, name: str = "", content_type: str = "", timeout_s: float = TIMEOUT_S,
                memory_mb: int = MEMORY_MB, max_bytes: int | None = None) -> GuardResult:
    """Extract one file (a path, or bytes with an optional name) under the limits."""
    from parsers.limits import check_path, check_size
    start = time.monotonic()
    try:
        if isinstance(source, (bytes, bytearray, memoryview)):
            check_size(len(source), max_bytes)
        elif max_bytes is None:
            check_path(source)
        else:
            check_size(_stat_size(source), max_bytes)
    except ParseError as e:
        return GuardResult(None, str(e), time.monotonic() - start, 0.0)
    with tempfile.TemporaryDirectory(prefix="ogi-guard-") as tmp:
        tmp = Path(tmp)
        if isinstance(source, (bytes, bytearray, memoryview)):
            path = tmp / "input"
            path.write_bytes(source)
        else:
            path = Path(source).resolve()
            name = name or path.name
        job = {"path": str(path), "name": name, "content_type": content_type,
               "memory_mb": memory_mb, "out": str(tmp / "result.json")}
        (tmp / "job.json").write_text(json.dumps(job), encoding="utf-8")
        return _run_child(tmp, timeout_s, memory_mb, start)


def _stat_size(path) -> int:
    try:
        return os.stat(path).st_size
    except OSError as e:
        raise ParseError(f"cannot read file: {e.strerror or e}") from None


def _run_child(tmp: Path, timeout_s: float, memory_mb: int, start: float) -> GuardResult:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(_ROOT), os.environ.get("PYTHONPATH")])),
               OMP_THREAD_LIMIT="1")
    with open(tmp / "stderr", "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "parsers.guard", str(tmp / "job.json")],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                env=env, cwd=str(tmp), start_new_session=True)
    deadline = start + timeout_s
    status, usage, timed_out = None, None, False
    while status is None:
        pid, st, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            status, usage = st, ru
            break
        if time.monotonic() >= deadline:
            timed_out = True
            _killpg(proc.pid)
            _, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.02)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    _killpg(proc.pid)  # anything the child left running (a converter) goes too
    seconds = time.monotonic() - start
    peak = usage.ru_maxrss / 1024 if usage else 0.0
    if timed_out:
        return GuardResult(None, f"timed out after {timeout_s:g} s", seconds, peak)
    out = tmp / "result.json"
    if out.is_file():
        try:
            res = json.loads(out.read_text(encoding="utf-8"))
            return GuardResult(res.get("record"), res.get("error"), seconds, peak)
        except ValueError:
            pass
    code = proc.returncode
    if code < 0:
        sig = signal.Signals(-code).name
        reason = "killed (out of memory?)" if -code == signal.SIGKILL else f"crashed with {sig}"
        return GuardResult(None, f"parser {reason} (memory limit {memory_mb} MB)", seconds, peak)
    last = (tmp / "stderr").read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:]
    return GuardResult(None, f"parser failed (exit {code})" + (f": {last[0][:200]}" if last else ""),
                       seconds, peak)


def _killpg(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# ---------------------------------------------------------------- the child

def _child(job_path: str) -> int:
    import resource
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    limit = int(job["memory_mb"]) * 2**20
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard if hard != resource.RLIM_INFINITY else limit))
    sys.setrecursionlimit(5000)
    record, error = None, None
    try:
        from parsers import extract_bytes
        data = Path(job["path"]).read_bytes()
        record = extract_bytes(data, name=job["name"], content_type=job["content_type"])
    except ParseError as e:
        error = _one_line(str(e))
    except MemoryError:
        error = f"out of memory (limit {job['memory_mb']} MB)"
    except RecursionError:
        error = "document nested too deeply"
    except Exception as e:  # a parser bug: one line for the user, the batch goes on
        error = _one_line(f"internal error: {type(e).__name__}: {e}")
        # C libraries (libxml2, pdfium) report a failed allocation as some other error
        if resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 > 0.75 * limit:
            error = f"out of memory (limit {job['memory_mb']} MB)"
    tmp = job["out"] + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"record": record, "error": error}, f, ensure_ascii=False)
    os.replace(tmp, job["out"])
    return 0


def _one_line(s: str) -> str:
    s = " ".join(s.split())
    return s[:300]


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1]))
