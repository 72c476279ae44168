"""What /proc says about a process and the processes it started, and killing them (Linux)."""

from __future__ import annotations

import os
import signal

PAGE = os.sysconf("SC_PAGE_SIZE")


def exited(pid: int) -> bool:
    """Has the child ended? It is not reaped here, so its pid and process group stay ours
    until the group has been killed."""
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return info is not None


def kill(pid: int) -> None:
    """Kill a child and the process group it leads."""
    for kill_, target in ((os.killpg, pid), (os.kill, pid)):
        try:  # the group first: a child that has not called setsid yet is killed by pid
            kill_(target, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def kill_seen(seen: dict[int, int]) -> None:
    """Kill the descendants a watch saw (pid → start time) that still run (checked by start
    time, so a reused pid is left alone), and the process group each one leads."""
    own = os.getpgrp()
    for pid, started in seen.items():
        if start_time(pid) != started:
            continue
        try:
            pgid = os.getpgid(pid)
            if pgid == pid and pgid != own:
                os.killpg(pgid, signal.SIGKILL)
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def descendants(pid: int) -> list[int]:
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


def statm(pid) -> tuple[int, int]:
    """(resident, anonymous resident) bytes of a process; (0, 0) when it is gone."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            _, resident, shared = (int(x) for x in f.read().split()[:3])
    except (OSError, ValueError):
        return 0, 0
    return resident * PAGE, (resident - shared) * PAGE


def cmdline(pid) -> bytes | None:
    """A process's command line; None when it is gone."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return None


def start_time(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return int(f.read().rsplit(b")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None
