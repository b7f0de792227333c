"""A video worker that dies takes its ffmpeg with it: real `manage.py run_worker --queue video` processes,
killed in the middle of a real conversion.

Each test copies the test database into a file (workers are other processes and cannot see the test's
in-memory database), queues a recording there with `manage.py import_recordings`, starts a worker on it
and watches the worker's children in /proc. The conversion is made slow (x264's slowest preset on a
two-minute clip) so that, without the fix, ffmpeg would still be converting long after the assertions.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from django.db import connection

import pytest

from tests.media.processes import child_named, gone_within
from tests.media.samples import long_lecture

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.django_db,  # for the test database to exist (django_db_setup), copied by `database_file`
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc (Linux)"),
]


@pytest.fixture(scope="module")
def database_file(django_db_setup, django_db_blocker, tmp_path_factory) -> Path:
    """The test database (its schema and the rows of the data migrations) copied into a file."""
    with django_db_blocker.unblock():
        if connection.vendor != "sqlite" or "memory" not in connection.settings_dict["NAME"]:
            pytest.skip("the workers are given a copy of the in-memory SQLite test database")
        connection.ensure_connection()
        path = tmp_path_factory.mktemp("worker-db") / "template.sqlite3"
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
    return path


@pytest.fixture(scope="module")
def long_recording(tmp_path_factory) -> Path:
    return long_lecture(tmp_path_factory.mktemp("long-recording"))


class Site:
    """A portal's files and database in a folder of their own, for worker processes."""

    def __init__(self, folder: Path, database: Path) -> None:
        self.folder = folder
        self.database = folder / "db.sqlite3"
        self.database.write_bytes(database.read_bytes())
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
            "DATABASE_URL": f"sqlite:///{self.database}",
            "VAR_DIR": str(folder / "var"),
            "TASKS_BACKEND": "database",
            "ELASTICSEARCH_URL": "",
            "WHISPER_MODEL_DIR": "",
            "WORKER_HEARTBEAT_SECONDS": "1",
            "VIDEO_PRESET": "veryslow",  # a slow conversion: ffmpeg would outlive the test by far
            "PYTHONUNBUFFERED": "1",
        }

    @property
    def work(self) -> Path:
        return self.folder / "var" / "work"

    def manage(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), *args],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=(self.folder / f"{args[0]}.log").open("ab"),
        )

    def video(self) -> tuple[str, int]:
        with sqlite3.connect(self.database, timeout=20) as db:
            state, attempts = db.execute("SELECT state, attempts FROM media_video").fetchone()
        return state, attempts

    def tasks_waiting(self) -> int:
        with sqlite3.connect(self.database, timeout=20) as db:
            query = "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE status = 'READY' AND queue_name = ?"
            return db.execute(query, ["video"]).fetchone()[0]


@pytest.fixture
def site(tmp_path, database_file, long_recording) -> Site:
    """A portal where the long recording waits in the video queue."""
    site = Site(tmp_path, database_file)
    importing = site.manage("import_recordings", str(long_recording))
    assert importing.wait(timeout=120) == 0, (tmp_path / "import_recordings.log").read_text()
    assert site.video() == ("queued", 0)
    return site


@pytest.fixture
def cleanup() -> Iterator[list[int]]:
    """Pids to kill whatever happens (a failing test must not leave a conversion running)."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def test_a_killed_worker_takes_its_ffmpeg_with_it(site, cleanup):
    worker = site.manage("run_worker", "--queue", "video")
    cleanup.append(worker.pid)
    converting = child_named(worker.pid, "ffmpeg", timeout=90)
    cleanup.append(converting)
    assert list(site.work.glob("*-1-*")), "the conversion writes into its work folder (attempt 1, as claimed)"

    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)

    assert gone_within(converting, 5), "ffmpeg kept converting after its worker was killed"


def test_a_worker_asked_to_stop_ends_its_ffmpeg_and_gives_the_job_back(site, cleanup):
    worker = site.manage("run_worker", "--queue", "video")
    cleanup.append(worker.pid)
    converting = child_named(worker.pid, "ffmpeg", timeout=90)
    cleanup.append(converting)

    worker.send_signal(signal.SIGTERM)  # a restart, a shutdown of the machine

    assert gone_within(converting, 5), "ffmpeg kept converting after its worker was asked to stop"
    assert worker.wait(timeout=30) == 0, "the worker stops at once rather than after the whole conversion"
    # Not the recording's fault: queued again without counting an attempt, and nothing left behind.
    assert site.video() == ("queued", 0)
    assert site.tasks_waiting() == 1
    assert not any(site.work.glob("*-*")), "no half-made conversion is left in the work folder"
