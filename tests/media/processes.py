"""Processes as /proc shows them (Linux), for tests about what outlives what."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path


def processes() -> Iterator[tuple[int, str, str, int]]:
    """(pid, program name, state, parent pid) of every process."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # ended meanwhile
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        state, parent = stat[stat.rindex(")") + 2 :].split()[:2]
        yield int(entry.name), name, state, int(parent)


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its new parent to collect it is dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def child_named(parent: int, name: str, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid, found, state, ppid in processes():
            if ppid == parent and found == name and state != "Z":
                return pid
        time.sleep(0.2)
    raise AssertionError(f"the worker started no {name} within {timeout:.0f} s")


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.1)
    return False
