"""Start a child process that dies with the process that started it: ffmpeg, ffprobe, any outside tool.

A worker killed outright (SIGKILL, the kernel's out-of-memory killer) runs none of its clean-up code: its
ffmpeg used to carry on converting for minutes at full CPU, for no one. So every child started here is

- given a parent-death signal (Linux ``prctl(PR_SET_DEATHSIG, SIGKILL)``): the kernel kills it as soon as
  the thread that started it is gone, whatever way it went;
- put in a process group of its own, so that one ``killpg`` ends it and whatever it started, and a Ctrl-C
  typed in a terminal reaches the worker only (which then ends its children itself);
- remembered while it runs, so a worker asked to stop (SIGTERM) ends them all at once: ``stop_all``.

ffmpeg-python's ``run``/``run_async`` take no arguments for ``Popen``, so the portal only builds ffmpeg's
arguments with it (``get_args()``) and starts the program here.

The death signal follows the *thread* that forked the child (Linux semantics): start children from a thread
that outlives them, as ``run`` does by waiting, and as callers of ``popen`` must. Elsewhere than Linux there is
no death signal; the process group and ``stop_all`` still apply.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any

PR_SET_DEATHSIG = 1


def _load_prctl() -> Any:
    """libc's prctl, resolved once in the parent: the child, between fork and exec, only calls it."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return prctl


_prctl = _load_prctl()
_children: weakref.WeakSet[subprocess.Popen[Any]] = weakref.WeakSet()
_lock = threading.Lock()
_stopping = threading.Event()


def _die_with(parent: int) -> Callable[[], None]:
    def arm() -> None:  # runs in the child, between fork and exec: nothing that could take a lock
        if _prctl is not None:
            _prctl(PR_SET_DEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os.kill(os.getpid(), signal.SIGKILL)

    return arm


def popen(args: Sequence[str], **kwargs: Any) -> subprocess.Popen[Any]:
    """``subprocess.Popen`` for a child that dies with this process (and with the thread calling this)."""
    process: subprocess.Popen[Any] = subprocess.Popen(  # noqa: S603 - callers pass fixed programs, never a shell
        args,
        preexec_fn=_die_with(os.getpid()),  # only prctl and getppid run there
        process_group=0,
        **kwargs,
    )
    with _lock:
        _children.add(process)
    return process


def kill_group(process: subprocess.Popen[Any], sig: int = signal.SIGKILL) -> None:
    """Send `sig` to the child's process group (the child and what it started)."""
    if process.returncode is not None:  # reaped: its number may already belong to someone else
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def run(
    args: Sequence[str],
    *,
    input: bytes | str | None = None,  # the name subprocess.run uses
    timeout: float | None = None,
    check: bool = False,
    capture_output: bool = False,
    **kwargs: Any,
) -> subprocess.CompletedProcess[Any]:
    """``subprocess.run`` for a child that dies with this process; on a time-out its whole group is killed."""
    if capture_output:
        kwargs["stdout"] = kwargs["stderr"] = subprocess.PIPE
    if input is not None:
        kwargs["stdin"] = subprocess.PIPE
    with popen(args, **kwargs) as process:
        try:
            stdout, stderr = process.communicate(input, timeout=timeout)
        except BaseException:  # the time-out, or the caller interrupted
            kill_group(process)
            process.wait()
            raise
        returncode = process.poll()
    assert returncode is not None
    if check and returncode:
        raise subprocess.CalledProcessError(returncode, process.args, output=stdout, stderr=stderr)
    return subprocess.CompletedProcess(process.args, returncode, stdout, stderr)


def running() -> list[subprocess.Popen[Any]]:
    """The children started here that have not ended yet."""
    with _lock:
        return [process for process in _children if process.returncode is None]


def stop_all() -> None:
    """End every child started here, at once (SIGKILL to each one's group): the worker is stopping.

    SIGKILL rather than SIGTERM: ffmpeg answers SIGTERM by exiting with an error code, which would read
    as a broken file; killed, it reads as interrupted (TranscodeKilled) and the job goes back to the queue.
    """
    _stopping.set()
    for process in running():
        kill_group(process)


def stopping() -> bool:
    """Whether ``stop_all`` was called: a child that died now was stopped with its worker, not by its input."""
    return _stopping.is_set()


def bound_this_process(memory_bytes: int, cpu_seconds: int, parent: int = 0) -> None:
    """Called first thing by a child that reads untrusted files (a document, a PDF to draw): the ceilings its
    parent asked for, no core file, and death with the parent even if it was started without `popen`."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if _prctl is not None:
        _prctl(PR_SET_DEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent and sys.platform.startswith("linux") and os.getppid() != parent:
        raise SystemExit(1)  # the parent died before the signal was asked for
