"""media.children: a program started for the portal, and whatever it starts, ends when it must."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from media import children
from tests.media.processes import gone_within

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc (Linux)")


def test_a_program_past_its_time_is_killed_with_what_it_started(tmp_path):
    pid_file = tmp_path / "sleep.pid"
    script = f"sleep 60 & echo $! > {pid_file}; wait"
    with pytest.raises(subprocess.TimeoutExpired):
        children.run(["sh", "-c", script], capture_output=True, timeout=1)
    deadline = time.monotonic() + 5
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone_within(int(pid_file.read_text()), 5), "the program's own child outlived the time-out"


def test_run_answers_as_subprocess_run_does():
    done = children.run(["sh", "-c", "cat; echo oops >&2; exit 3"], input=b"xin chao", capture_output=True)
    assert (done.returncode, done.stdout, done.stderr) == (3, b"xin chao", b"oops\n")
    with pytest.raises(subprocess.CalledProcessError):
        children.run(["false"], check=True)
