"""Run extractions in child processes with a wall-time limit and a memory bound.

One file:

    result = run_guarded("report.doc", timeout_s=120, memory_mb=1536)
    result.record      # the extraction record, or None
    result.error       # None, or a one-line reason ("timed out after 120 s", "file too large: …")
    result.status      # "ok" | "parse_error" | "timeout" | "memory" | "crashed" | "error"

Many files, at most `workers` at once (`ogi extract` and `ogi build` both use this):

    for item, result in run_many(paths, workers=4, timeout_s=120, memory_mb=1536):
        ...                # in input order; ordered=False gives them as they finish

An item is a path, bytes, or a Task (source, name, content_type, and a key of the caller's
that comes back untouched). With document=True a result also carries the document's text,
numbered sections and format (`result.document`), for the archive.

The guarantees, per file:
- the size limit is checked from the file system (or len of the bytes) before any byte is
  read; a refused file starts no child;
- the child is forked from this process with the parsers already imported (`preload`), so
  it starts in milliseconds instead of paying ~1 s of imports; it runs in its own session
  and process group;
- memory: the child's address space may grow by `memory_mb` over what it starts with
  (RLIMIT_AS; helpers it execs inherit the limit), and the resident memory of the child and
  of every process it started (LibreOffice, tesseract — exec'd helpers get a fresh address
  space, and the converters run in sessions of their own) may grow by `memory_mb` in total,
  watched every 50 ms; over either bound: "out of memory (limit N MB)";
- time: when `timeout_s` is up the child's process group and every descendant seen are
  killed ("timed out after N s"); a result that arrives later counts as a timeout too;
- a crash is one line ("parser crashed with SIGSEGV (memory limit N MB)"), a parser bug is
  "internal error: …"; anything the child left running is killed when it ends.

Forking needs a caller without other busy threads that hold locks the parsers use; the
child replaces stdin/stdout/stderr and never returns into the caller's code (os._exit).
"""
from __future__ import annotations

import os
import pickle
import re
import resource
import selectors
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from parsers.model import ParseError

TIMEOUT_S = 180.0
MEMORY_MB = 2048
WATCH_S = 0.05  # how often the resident memory of running children is looked at
_MB = 2**20
_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class GuardResult:
    record: dict | None
    error: str | None
    seconds: float
    peak_rss_mb: float  # resident memory the extraction added (0 when no child was started)
    status: str = "ok"  # "ok" | "parse_error" | "timeout" | "memory" | "crashed" | "error"
    document: dict | None = None  # with document=True: {"text", "sections", "ext"}

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class Task:
    source: Any  # a path (str / Path) or bytes
    name: str = ""  # a file name: a hint for the format (a path's own name by default)
    content_type: str = ""
    key: Any = None  # the caller's, returned untouched


def run_guarded(source, *, name: str = "", content_type: str = "", timeout_s: float = TIMEOUT_S,
                memory_mb: int = MEMORY_MB, max_bytes: int | None = None) -> GuardResult:
    """Extract one file (a path, or bytes with an optional name) under the limits."""
    task = Task(source, name=name, content_type=content_type)
    for _, result in run_many([task], workers=1, timeout_s=timeout_s, memory_mb=memory_mb,
                              max_bytes=max_bytes):
        return result
    raise AssertionError("run_many gave no result")  # pragma: no cover


def run_many(items: Iterable, *, workers: int | None = None, timeout_s: float = TIMEOUT_S,
             memory_mb: int = MEMORY_MB, max_bytes: int | None = None, document: bool = False,
             ordered: bool = True) -> Iterator[tuple[Any, GuardResult]]:
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
    from parsers.runner.limits import check_size
    start = time.monotonic()
    src = task.source
    try:
        if isinstance(src, (bytes, bytearray, memoryview)):
            size = len(src)
        else:
            try:
                size = os.stat(src).st_size
            except OSError as e:
                return GuardResult(None, f"cannot read file: {e.strerror or e}",
                                   time.monotonic() - start, 0.0, "error")
        check_size(size, max_bytes)
    except ParseError as e:
        return GuardResult(None, str(e), time.monotonic() - start, 0.0, "parse_error")
    return None


# ---------------------------------------------------------------- the parent's side

_PRELOAD = ("parsers", "parsers.model", "parsers.formats.sniff", "parsers.runner.limits", "parsers.formats.html",
            "parsers.formats.pdf", "parsers.formats.docx", "parsers.formats.office", "parsers.formats.sheet", "parsers.formats.text",
            "parsers.formats.ocr", "parsers.report", "parsers.runner.commands",
            # what the parsers import lazily: costly to import in every child
            "pdfplumber", "pdfplumber.table", "pypdfium2", "docx", "docx.opc.exceptions",
            "charset_normalizer", "openpyxl", "xlrd", "PIL.Image", "PIL.ImageDraw",
            "PIL.ImageFilter", "PIL.ImageOps", "PIL.ImageSequence")
_preloaded = False


def preload() -> None:
    """Import the parsers (and the libraries they load lazily) once in this process, so every
    forked child starts warm. Idempotent; a module that fails to import is left to fail in
    the child, per document."""
    global _preloaded
    if _preloaded:
        return
    import importlib
    for name in _PRELOAD:
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
        self.tmp, self.timeout_s, self.memory_mb, self.document = tmp, timeout_s, memory_mb, document
        self.running: dict[int, _Run] = {}  # pid → run
        self.sel = selectors.DefaultSelector()
        self.next_watch = 0.0

    def start(self, index: int, item, task: Task) -> GuardResult | None:
        preload()
        out, err = self.tmp / f"{index}.result", self.tmp / f"{index}.stderr"
        base, base_anon = _statm("self")
        started = time.monotonic()
        try:
            pid = os.fork()
        except OSError as e:  # no process or memory left for one more child
            return GuardResult(None, _one_line(f"internal error: cannot start a worker: {e}"),
                               time.monotonic() - started, 0.0, "error")
        if pid == 0:  # the child: never returns
            _child(task, out, err, self.memory_mb, self.document, started)
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
        wait = max(0.0, min(self.next_watch - now,
                            min(r.started + self.timeout_s for r in self.running.values()) - now))
        if any(r.pidfd is None for r in self.running.values()):
            wait = min(wait, 0.01)
        self.sel.select(wait)
        done = []
        for run in list(self.running.values()):
            if _exited(run.pid):
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
        are shared, not its own); a helper's: all of its resident memory."""
        total = max(0, _statm(run.pid)[1] - run.base_anon)
        for pid in _descendants(run.pid):
            started = _start_time(pid)
            if started is not None:
                run.seen.setdefault(pid, started)
            total += _statm(pid)[0]
        run.peak = max(run.peak, total)
        return total

    def _finish(self, run: _Run, killed: tuple[str, str] | None) -> tuple[int, Any, GuardResult]:
        if killed:
            self._watch(run)  # the descendants as they are now, before the child goes
        _kill(run)  # the child (if alive), its group, anything it started and left running
        try:
            _, status, usage = os.wait4(run.pid, 0)
            maxrss = usage.ru_maxrss * 1024
        except ChildProcessError:  # reaped by someone else: no status to read
            status, maxrss = 0, 0
        self.running.pop(run.pid)
        if run.pidfd is not None:
            self.sel.unregister(run.pidfd)
            os.close(run.pidfd)
        _kill_seen(run)  # a converter started in a session of its own
        end = time.monotonic()
        peak_mb = max(run.peak, maxrss - run.base_rss, 0) / _MB
        result = self._result(run, killed, status, end, peak_mb)
        for path in (run.out, run.err):
            path.unlink(missing_ok=True)
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
                return GuardResult(None, f"timed out after {self.timeout_s:g} s", seconds,
                                   peak_mb, "timeout")
            return GuardResult(res["record"], res["error"], seconds, max(res["peak_mb"], 0.0),
                               res["status"], res["document"])
        seconds = end - run.started
        if seconds > self.timeout_s:
            return GuardResult(None, f"timed out after {self.timeout_s:g} s", seconds, peak_mb,
                               "timeout")
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            if sig == signal.SIGKILL:  # not by us: the system's OOM killer, most likely
                return GuardResult(None, f"parser killed (out of memory?) (memory limit {mem} MB)",
                                   seconds, peak_mb, "memory")
            return GuardResult(None, f"parser crashed with {signal.Signals(sig).name} "
                                     f"(memory limit {mem} MB)", seconds, peak_mb, "crashed")
        code = os.waitstatus_to_exitcode(status)
        try:
            last = run.err.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:]
        except OSError:
            last = []
        return GuardResult(None, f"parser failed (exit {code})" + (f": {last[0][:200]}" if last else ""),
                           seconds, peak_mb, "error")

    def stop_all(self) -> None:
        """Kill and reap every child still running (the caller stopped early, or an error)."""
        for run in list(self.running.values()):
            self._watch(run)
            _kill(run)
            try:
                os.waitpid(run.pid, 0)
            except ChildProcessError:
                pass
            _kill_seen(run)
            if run.pidfd is not None:
                os.close(run.pidfd)
        self.running.clear()
        self.sel.close()


def _exited(pid: int) -> bool:
    """Has the child ended? It is not reaped here, so its pid and process group stay ours
    until the group has been killed."""
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return info is not None


def _kill(run: _Run) -> None:
    for kill, target in ((os.killpg, run.pid), (os.kill, run.pid)):
        try:  # the group first: a child that has not called setsid yet is killed by pid
            kill(target, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _kill_seen(run: _Run) -> None:
    """Kill the descendants the watch saw that still run (checked by start time, so a reused
    pid is left alone), and the process group each one leads."""
    own = os.getpgrp()
    for pid, started in (run.seen or {}).items():
        if _start_time(pid) != started:
            continue
        try:
            pgid = os.getpgid(pid)
            if pgid == pid and pgid != own:
                os.killpg(pgid, signal.SIGKILL)
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _descendants(pid: int) -> list[int]:
    out, stack = [], [pid]
    while stack:
        p = stack.pop()
        try:
            tids = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    kids = [int(k) for k in f.read().split()]
            except (OSError, ValueError):
                continue
            out += kids
            stack += kids
    return out


def _statm(pid) -> tuple[int, int]:
    """(resident, anonymous resident) bytes of a process; (0, 0) when it is gone."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            _, resident, shared = (int(x) for x in f.read().split()[:3])
    except (OSError, ValueError):
        return 0, 0
    return resident * _PAGE, (resident - shared) * _PAGE


def _start_time(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return int(f.read().rsplit(b")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


# ---------------------------------------------------------------- the child

_OOM = re.compile(r"MemoryError|Cannot allocate memory|failed to map|out of memory|bad_alloc|"
                  r"allocation failed|failed to allocate", re.I)


def _child(task: Task, out: Path, err: Path, memory_mb: int, document: bool, started: float):
    """Runs in the forked child: limits, extraction, the result to `out`; never returns."""
    code = 70
    try:
        os.setsid()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        fd = os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        sys.stdout = sys.stderr = open(2, "w", encoding="utf-8", errors="replace", closefd=False)
        import faulthandler
        if faulthandler.is_enabled():  # to this child's stderr, not a descriptor of the caller's
            faulthandler.enable(file=sys.stderr)
        os.environ["OMP_THREAD_LIMIT"] = "1"  # tesseract: one thread per document
        with open("/proc/self/statm") as f:
            base_vms, base_rss, base_shared = (int(x) * _PAGE for x in f.read().split()[:3])
        # the address space may grow by memory_mb, less the private memory mapped but not
        # resident now (touching it adds resident memory without adding address space)
        limit = base_vms + memory_mb * _MB - min(_unresident_private(), memory_mb * _MB // 4)
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        sys.setrecursionlimit(5000)
        res = _extract(task, memory_mb, base_rss, document)
        res["end"] = time.monotonic()
        # the peak over the start, less the library pages mapped meanwhile (shared, not ours)
        self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base_rss
        with open("/proc/self/statm") as f:
            self_peak -= max(0, int(f.read().split()[2]) * _PAGE - base_shared)
        helpers_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        res["peak_mb"] = max(self_peak, helpers_peak, 0) / _MB
        tmp = out.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            pickle.dump(res, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, out)
        code = 0
    except BaseException:  # noqa: BLE001 — the parent reports the exit status
        try:
            traceback.print_exc()
        except BaseException:  # noqa: BLE001
            pass
    finally:
        try:
            sys.stdout.flush()
        except BaseException:  # noqa: BLE001
            pass
        os._exit(code)


def _extract(task: Task, memory_mb: int, base_rss: int, document: bool) -> dict:
    out = {"record": None, "error": None, "status": "ok", "document": None}
    oom = f"out of memory (limit {memory_mb} MB)"
    try:
        src = task.source
        if isinstance(src, (bytes, bytearray, memoryview)):
            data, name = bytes(src), task.name
        else:
            try:
                data = Path(src).read_bytes()
            except OSError as e:
                out.update(error=f"cannot read file: {e.strerror or e}", status="error")
                return out
            name = task.name or Path(src).name
        from parsers import parse_bytes
        from parsers.report import extract
        doc = parse_bytes(data, name=name, content_type=task.content_type)
        del data
        out["record"] = extract(doc)
        if document:
            fmt = (doc.format or "").strip(".")
            out["document"] = {"text": doc.text(), "sections": sections_of(doc),
                               "ext": f".{fmt}" if fmt else ""}
    except ParseError as e:
        out.update(record=None, error=_one_line(str(e)), status="parse_error")
    except MemoryError:
        out.update(record=None, error=oom, status="memory")
    except RecursionError:
        out.update(record=None, error="document nested too deeply", status="parse_error")
    except Exception as e:  # noqa: BLE001 — a parser bug: one line for the user, the batch goes on
        what = f"{type(e).__name__}: {e}"
        grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base_rss
        # C libraries (libxml2, pdfium) report a failed allocation as some other error
        if _OOM.search(what) or grew > 0.75 * memory_mb * _MB:
            out.update(record=None, error=oom, status="memory")
        else:
            tb = traceback.extract_tb(e.__traceback__)
            where = f" ({Path(tb[-1].filename).name}:{tb[-1].lineno})" if tb else ""
            out.update(record=None, error=_one_line(f"internal error: {what}", 300 - len(where)) + where,
                       status="error")
    return out


def _unresident_private() -> int:
    kb = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmData", "VmStk", "RssAnon"):
                kb[key] = int(value.split()[0])
    return max(0, kb.get("VmData", 0) + kb.get("VmStk", 0) - kb.get("RssAnon", 0)) * 1024


def _one_line(s: str, limit: int = 300) -> str:
    return " ".join(s.split())[:limit]


# ---------------------------------------------------------------- what the archive stores

_HEAD = re.compile(r"^\s*[一二三四五六七八]\s*[、.．]")


def sections_of(doc) -> list[dict]:
    """The report's numbered sections (一、总体情况 …) as [{heading, text}]."""
    out: list[dict] = []
    for b in doc.blocks:
        text = _block_text(b)
        if b.kind != "table" and _HEAD.match(text) and len(text) < 60:
            out.append({"heading": text.strip(), "text": ""})
        elif out:
            out[-1]["text"] += (("\n" if out[-1]["text"] else "") + text)
    return out


def _block_text(b) -> str:
    if b.kind == "table" and b.table is not None:
        return "\n".join("\t".join(r) for r in b.table.text_rows())
    return b.text or ""
