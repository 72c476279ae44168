"""The forked child's side of the guarded runner: set the limits, extract one file, write the
result where the parent reads it, and never return into the caller's code (os._exit)."""

from __future__ import annotations

import os
import pickle
import re
import resource
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

from parsers.model import ParseError
from parsers.runner.procs import PAGE

_MB = 2**20

_OOM = re.compile(
    r"MemoryError|Cannot allocate memory|failed to map|out of memory|bad_alloc|"
    r"allocation failed|failed to allocate",
    re.I,
)


def run_child(task, out: Path, err: Path, memory_mb: int, document: bool):
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
        # temporary files (LibreOffice's profile, tesseract's images) in a folder of this
        # child's, which the parent removes however the child ends
        scratch = out.with_suffix(".tmp.d")
        scratch.mkdir()
        tempfile.tempdir = os.environ["TMPDIR"] = str(scratch)
        with open("/proc/self/statm") as f:
            base_vms, base_rss, base_shared = (int(x) * PAGE for x in f.read().split()[:3])
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
            self_peak -= max(0, int(f.read().split()[2]) * PAGE - base_shared)
        # helpers' memory is what the parent's watch saw: their ru_maxrss would carry this
        # child's resident size (the caller's, forked) across their fork and exec
        res["peak_mb"] = max(self_peak, 0) / _MB
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


def _extract(task, memory_mb: int, base_rss: int, document: bool) -> dict:
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
        import parsers
        from parsers.formats.containers import container_record, unpack
        from parsers.formats.sniff import CONTAINERS, sniff_format
        from parsers.report import extract

        fmt = sniff_format(data, name=name, content_type=task.content_type)
        if fmt in CONTAINERS:  # an archive: its members are the documents
            from parsers.runner.limits import precheck

            precheck(data, fmt)
            members = unpack(data, fmt, name)
            out["record"] = container_record(members, fmt, extract=not document)
            if document:  # the archive stores each member and parses it as a document
                out["document"] = {
                    "text": "",
                    "sections": [],
                    "ext": f".{fmt}",
                    "members": [(m.path, m.data, m.error) for m in members],
                }
            return out
        resources = _resources(task.resources)
        doc = parsers.parse_bytes(
            data, name=name, content_type=task.content_type, url=task.url, resources=resources
        )
        del data, resources
        out["record"] = extract(doc)
        if document:  # for the archive; the sections are the record's (one splitter)
            fmt = (doc.format or "").strip(".")
            out["document"] = {
                "text": doc.text(),
                "sections": out["record"]["sections"],
                "ext": f".{fmt}" if fmt else "",
            }
            if out["record"].get("reports"):  # a compilation: each report's own text
                from parsers.report.compilation import split_reports

                out["document"]["parts"] = [
                    {"text": part.text(), "sections": r["sections"]}
                    for part, r in zip(
                        split_reports(doc) or [], out["record"]["reports"], strict=False
                    )
                ]
    except ParseError as e:
        # a parser that ran out of memory may say "corrupt" (lxml: "unknown error")
        if _grew(base_rss) > 0.75 * memory_mb * _MB:
            out.update(record=None, error=oom, status="memory")
        else:
            out.update(record=None, error=one_line(str(e)), status="parse_error")
    except MemoryError:
        out.update(record=None, error=oom, status="memory")
    except RecursionError:
        out.update(record=None, error="document nested too deeply", status="parse_error")
    except Exception as e:  # noqa: BLE001 — a parser bug: one line for the user, the batch goes on
        what = f"{type(e).__name__}: {e}"
        # C libraries (libxml2, pdfium) report a failed allocation as some other error
        if _OOM.search(what) or _grew(base_rss) > 0.75 * memory_mb * _MB:
            out.update(record=None, error=oom, status="memory")
        else:
            tb = traceback.extract_tb(e.__traceback__)
            where = f" ({Path(tb[-1].filename).name}:{tb[-1].lineno})" if tb else ""
            out.update(
                record=None,
                error=one_line(f"internal error: {what}", 300 - len(where)) + where,
                status="error",
            )
    return out


def _grew(base_rss: int) -> int:
    """How far this child's resident memory has peaked over its start (bytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base_rss


def _resources(resources) -> dict:
    """The pictures captured with a page: {url: bytes} (given as bytes or as paths)."""
    out = {}
    for url, src in (resources or {}).items():
        if isinstance(src, (bytes, bytearray, memoryview)):
            out[url] = bytes(src)
            continue
        try:
            out[url] = Path(src).read_bytes()
        except OSError:
            continue  # a picture lost from the store: the page is read without it
    return out


def _unresident_private() -> int:
    kb = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmData", "VmStk", "RssAnon"):
                kb[key] = int(value.split()[0])
    return max(0, kb.get("VmData", 0) + kb.get("VmStk", 0) - kb.get("RssAnon", 0)) * 1024


def one_line(s: str, limit: int = 300) -> str:
    return " ".join(s.split())[:limit]
