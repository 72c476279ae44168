"""The parent's side of the guarded runner: a pool of forked children, each extracting one
file, watched for time and memory and killed with everything it started (see
parsers/runner/__init__.py for the guarantees)."""

from __future__ import annotations

import os
import pickle
import selectors
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from parsers.model import ParseError
from parsers.runner import procs
from parsers.runner.child import one_line, run_child
from parsers.runner.limits import check_size

TIMEOUT_S = 180.0
MEMORY_MB = 2048
WATCH_S = 0.05  # how often the resident memory of running children is looked at
_MB = 2**20


@dataclass
class GuardResult:
    record: dict | None
    error: str | None
    seconds: float
    peak_rss_mb: float  # resident memory the extraction added (0 when no child was started)
    status: str = "ok"  # "ok" | "parse_error" | "timeout" | "memory" | "crashed" | "error"
    document: dict | None = None  # with document=True: {"text", "sections", "ext"}, and
    #                               "members" (an archive's) or "parts" (a compilation's)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class Task:
    source: Any  # a path (str / Path) or bytes
    name: str = ""  # a file name: a hint for the format (a path's own name by default)
    content_type: str = ""
    key: Any = None  # the caller's, returned untouched
    url: str = ""  # where it was found (a page's pictures are resolved against it)
    resources: dict | None = None  # {absolute url: path or bytes}: pictures captured with a page


def run_guarded(
    source,
    *,
    name: str = "",
    content_type: str = "",
    timeout_s: float = TIMEOUT_S,
    memory_mb: int = MEMORY_MB,
    max_bytes: int | None = None,
) -> GuardResult:
    """Extract one file (a path, or bytes with an optional name) under the limits."""
    task = Task(source, name=name, content_type=content_type)
    for _, result in run_many(
        [task], workers=1, timeout_s=timeout_s, memory_mb=memory_mb, max_bytes=max_bytes
    ):
        return result
    raise AssertionError("run_many gave no result")  # pragma: no cover


def run_many(
    items: Iterable,
    *,
    workers: int | None = None,
    timeout_s: float = TIMEOUT_S,
    memory_mb: int = MEMORY_MB,
    max_bytes: int | None = None,
    document: bool = False,
    ordered: bool = True,
) -> Iterator[tuple[Any, GuardResult]]:
    """Extract every item, each in its own forked child, at most `workers` at once.

    Yields (item, GuardResult) for every item, in input order (ordered=True) or as each
    finishes (ordered=False, which holds no finished result back). Closing the generator
    early kills whatever is still running.
    """
    workers = max(1, workers or os.cpu_count() or 1)
    pending = enumerate(items)
    held: dict[int, tuple[Any, GuardResult]] = {}
    next_out = 0
    with tempfile.TemporaryDirectory(prefix="ogi-guard-") as tmp:
        pool = _Pool(Path(tmp), timeout_s, memory_mb, document)
        try:
            more = True
            while more or pool.running:
                finished = []
                while more and len(pool.running) < workers:
                    nxt = next(pending, None)
                    if nxt is None:
                        more = False
                        break
                    i, item = nxt
                    task = item if isinstance(item, Task) else Task(item)
                    refused = _refuse(task, max_bytes)
                    if not refused:
                        refused = pool.start(i, item, task)  # None once a child runs it
                    if refused:
                        finished.append((i, item, refused))
                if pool.running:
                    finished += pool.poll()
                for i, item, result in finished:
                    if not ordered:
                        yield item, result
                        continue
                    held[i] = (item, result)
                    while next_out in held:
                        yield held.pop(next_out)
                        next_out += 1
        finally:
            pool.stop_all()


def _refuse(task: Task, max_bytes: int | None) -> GuardResult | None:
    """The size check, before any byte is read and before a child is started."""
    start = time.monotonic()
    src = task.source
    try:
        if isinstance(src, (bytes, bytearray, memoryview)):
            size = len(src)
        else:
            try:
                size = os.stat(src).st_size
            except OSError as e:
                return GuardResult(
                    None,
                    f"cannot read file: {e.strerror or e}",
                    time.monotonic() - start,
                    0.0,
                    "error",
                )
        check_size(size, max_bytes)
    except ParseError as e:
        return GuardResult(None, str(e), time.monotonic() - start, 0.0, "parse_error")
    return None


# ---------------------------------------------------------------- the parent's side

# what the parsers import lazily: costly to import in every child
_LIBRARIES = (
    "pdfplumber",
    "pdfplumber.table",
    "pypdfium2",
    "docx",
    "docx.opc.exceptions",
    "olefile",
    "charset_normalizer",
    "openpyxl",
    "xlrd",
    "PIL.Image",
    "PIL.ImageDraw",
    "PIL.ImageFilter",
    "PIL.ImageOps",
    "PIL.ImageSequence",
    "rarfile",
    "email.policy",
)
_preloaded = False


def preload() -> None:
    """Import the parsers (every module under parsers.formats and parsers.report) and the
    libraries they load lazily once in this process, so every forked child starts warm.
    Idempotent; a module that fails to import is left to fail in the child, per document."""
    global _preloaded
    if _preloaded:
        return
    import importlib
    import pkgutil

    import parsers.formats
    import parsers.report

    names = [
        m.name
        for pkg in (parsers.formats, parsers.report)
        for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")
    ]
    for name in (*names, *_LIBRARIES):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 — reported per document by the child
            pass
    _preloaded = True


@dataclass
class _Run:
    index: int
    item: Any
    pid: int
    pidfd: int | None
    started: float
    base_rss: int  # this process's resident bytes at the fork: the child starts with about these
    base_anon: int  # … of which anonymous (not file-backed): what the watch compares with
    out: Path
    err: Path
    peak: int = 0  # the largest resident growth seen by the watch (bytes)
    seen: dict | None = None  # descendants seen: pid → start time (to kill them at the end)


class _Pool:
    def __init__(self, tmp: Path, timeout_s: float, memory_mb: int, document: bool):
        self.tmp, self.timeout_s, self.memory_mb, self.document = (
            tmp,
            timeout_s,
            memory_mb,
            document,
        )
        self.running: dict[int, _Run] = {}  # pid → run
        self.sel = selectors.DefaultSelector()
        self.next_watch = 0.0
        self.cmdline = procs.cmdline("self")  # a forked child's, until it execs

    def start(self, index: int, item, task: Task) -> GuardResult | None:
        preload()
        out, err = self.tmp / f"{index}.result", self.tmp / f"{index}.stderr"
        base, base_anon = procs.statm("self")
        started = time.monotonic()
        try:
            pid = os.fork()
        except OSError as e:  # no process or memory left for one more child
            return GuardResult(
                None,
                one_line(f"internal error: cannot start a worker: {e}"),
                time.monotonic() - started,
                0.0,
                "error",
            )
        if pid == 0:  # the child: never returns
            run_child(task, out, err, self.memory_mb, self.document)
        try:
            pidfd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            pidfd = None  # an old kernel: polled instead
        run = _Run(index, item, pid, pidfd, started, base, base_anon, out, err, seen={})
        self.running[pid] = run
        if pidfd is not None:
            self.sel.register(pidfd, selectors.EVENT_READ, run)
        return None

    def poll(self) -> list[tuple[int, Any, GuardResult]]:
        """Wait until a child ends or the watch is due (at most WATCH_S); return what ended."""
        now = time.monotonic()
        wait = max(
            0.0,
            min(
                self.next_watch - now,
                min(r.started + self.timeout_s for r in self.running.values()) - now,
            ),
        )
        if any(r.pidfd is None for r in self.running.values()):
            wait = min(wait, 0.01)
        self.sel.select(wait)
        done = []
        for run in list(self.running.values()):
            if procs.exited(run.pid):
                done.append(self._finish(run, None))
        now = time.monotonic()
        watch = now >= self.next_watch
        if watch:
            self.next_watch = now + WATCH_S
        for run in list(self.running.values()):
            reason = None
            if now - run.started > self.timeout_s:
                reason = ("timeout", f"timed out after {self.timeout_s:g} s")
            elif watch:
                grew = self._watch(run)
                if grew > self.memory_mb * _MB:
                    reason = ("memory", f"out of memory (limit {self.memory_mb} MB)")
            if reason:
                done.append(self._finish(run, reason))
        return done

    def _watch(self, run: _Run) -> int:
        """Resident bytes the child and its descendants added; remembers the descendants.
        The child's own: anonymous memory over what it started with (library pages it maps
        are shared, not its own); a helper's: all of its resident memory, once it runs its
        own program (between fork and exec its pages are the child's, counted already: seen
        as the helper's, a large child looked twice its size)."""
        total = max(0, procs.statm(run.pid)[1] - run.base_anon)
        for pid in procs.descendants(run.pid):
            started = procs.start_time(pid)
            if started is not None:
                run.seen.setdefault(pid, started)
            if procs.cmdline(pid) != self.cmdline:
                total += procs.statm(pid)[0]
        run.peak = max(run.peak, total)
        return total

    def _finish(self, run: _Run, killed: tuple[str, str] | None) -> tuple[int, Any, GuardResult]:
        if killed:
            self._watch(run)  # the descendants as they are now, before the child goes
        procs.kill(run.pid)  # the child (if alive), its group, anything it started and left running
        try:
            _, status, usage = os.wait4(run.pid, 0)
            maxrss = usage.ru_maxrss * 1024
        except ChildProcessError:  # reaped by someone else: no status to read
            status, maxrss = 0, 0
        self.running.pop(run.pid)
        if run.pidfd is not None:
            self.sel.unregister(run.pidfd)
            os.close(run.pidfd)
        procs.kill_seen(run.seen)  # a converter started in a session of its own
        end = time.monotonic()
        peak_mb = max(run.peak, maxrss - run.base_rss, 0) / _MB
        result = self._result(run, killed, status, end, peak_mb)
        for path in (run.out, run.err):
            path.unlink(missing_ok=True)
        shutil.rmtree(run.out.with_suffix(".tmp.d"), ignore_errors=True)  # what a killed child left
        return run.index, run.item, result

    def _result(self, run: _Run, killed, status: int, end: float, peak_mb: float) -> GuardResult:
        mem = self.memory_mb
        if killed:
            return GuardResult(None, killed[1], end - run.started, peak_mb, killed[0])
        res = None
        if run.out.is_file():
            try:
                res = pickle.loads(run.out.read_bytes())
            except Exception:  # noqa: BLE001 — a torn result is no result
                res = None
        if res is not None:
            seconds = res["end"] - run.started
            if seconds > self.timeout_s:  # a late result counts as a timeout
                return GuardResult(
                    None, f"timed out after {self.timeout_s:g} s", seconds, peak_mb, "timeout"
                )
            return GuardResult(
                res["record"],
                res["error"],
                seconds,
                max(res["peak_mb"], run.peak / _MB),  # the child's own; its helpers' as watched
                res["status"],
                res["document"],
            )
        seconds = end - run.started
        if seconds > self.timeout_s:
            return GuardResult(
                None, f"timed out after {self.timeout_s:g} s", seconds, peak_mb, "timeout"
            )
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            if sig == signal.SIGKILL:  # not by us: the system's OOM killer, most likely
                return GuardResult(
                    None,
                    f"parser killed (out of memory?) (memory limit {mem} MB)",
                    seconds,
                    peak_mb,
                    "memory",
                )
            return GuardResult(
                None,
                f"parser crashed with {signal.Signals(sig).name} (memory limit {mem} MB)",
                seconds,
                peak_mb,
                "crashed",
            )
        code = os.waitstatus_to_exitcode(status)
        try:
            last = run.err.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:]
        except OSError:
            last = []
        return GuardResult(
            None,
            f"parser failed (exit {code})" + (f": {last[0][:200]}" if last else ""),
            seconds,
            peak_mb,
            "error",
        )

    def stop_all(self) -> None:
        """Kill and reap every child still running (the caller stopped early, or an error)."""
        for run in list(self.running.values()):
            self._watch(run)
            procs.kill(run.pid)
            try:
                os.waitpid(run.pid, 0)
            except ChildProcessError:
                pass
            procs.kill_seen(run.seen)
            if run.pidfd is not None:
                os.close(run.pidfd)
        self.running.clear()
        self.sel.close()
