"""A server and the processes it started (its trainer process), read from ``/proc``: what the benches charge to
the server, so that work moved to a child process is still counted."""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants, parents first (``/proc/PID/task/*/children``); a process that ended is left out."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop(0)
        found.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                todo += [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and its live descendants (``/proc/PID/stat`` fields 14 and 15), and of the
    children ``pid`` has reaped (its fields 16 and 17): a trainer process that died and was replaced between two
    readings is still counted."""
    total = 0
    for p in tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if p == pid else 0)
    return total / TICKS
