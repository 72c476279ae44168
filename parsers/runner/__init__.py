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
sections (the record's: one splitter) and format (`result.document`), for the archive.

- `pool`: the parent's side: forks, watches, kills, collects results;
- `child`: the forked child's side: limits, extraction, the result;
- `procs`: what /proc says about a process tree, and killing it;
- `limits`: size, page, zip and nesting limits checked before a parser reads a file;
- `commands`: helper processes (LibreOffice, tesseract) under a time limit.

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
  "internal error: …"; anything the child left running is killed when it ends;
- temporary files: the child and its helpers write theirs (TMPDIR) in a folder of the
  child's, removed however the child ends.

How fast it kills and refuses is measured by bench/guard.py; the tests check behaviour only.

Forking needs a caller without other busy threads that hold locks the parsers use; the
child replaces stdin/stdout/stderr and never returns into the caller's code (os._exit).
"""

from parsers.runner.pool import (
    MEMORY_MB,
    TIMEOUT_S,
    GuardResult,
    Task,
    preload,
    run_guarded,
    run_many,
)

__all__ = ["MEMORY_MB", "TIMEOUT_S", "GuardResult", "Task", "preload", "run_guarded", "run_many"]
