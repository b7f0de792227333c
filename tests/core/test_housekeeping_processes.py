"""Real processes: `manage.py run_worker` on RQ (Redis database 7 of 127.0.0.1:6379) killed in the middle of a
real conversion, its job taken back by `manage.py housekeeping` and finished by another worker; an RQ worker
asked to stop giving its job back; a housekeeping loop stopped by SIGTERM.

The processes share the test's database: on SQLite a copy of it in a file (they cannot see the test's
in-memory database), on PostgreSQL the test database itself (the tests are transactional, so what the
processes write is there for the test to read, and removed afterwards).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.db import connection

import pytest

from tests.media.processes import child_named, gone_within
from tests.media.samples import long_lecture

ROOT = Path(__file__).resolve().parents[2]
REDIS_TEST_URL = "redis://127.0.0.1:6379/7"
pytestmark = [
    # Serialized rollback restores what the data migrations made, for the transactional tests that follow.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc (Linux)"),
]


def until(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll `condition` until it is true; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"{what} (not within {timeout:.0f} s)")


@pytest.fixture
def redis_db() -> Iterator[Any]:
    """Redis database 7, empty, and this test's alone: the tests using it take turns (a lock file), whichever
    pytest process runs them (xdist's workers, or two runs of the suite at once)."""
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis must answer on 127.0.0.1:6379 on CI: {error}")
        pytest.skip(f"no Redis answers on 127.0.0.1:6379 ({error})")
    with (Path(tempfile.gettempdir()) / "vksnd-tests-redis-7.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            client.flushdb()
            yield client
            client.flushdb()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
            client.close()


@pytest.fixture(scope="module")
def long_recording(tmp_path_factory) -> Path:
    return long_lecture(tmp_path_factory.mktemp("long-recording"))


class Site:
    """The portal's processes on the test's database, with files in a folder of their own."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
            "DATABASE_URL": self.database_url(),
            "VAR_DIR": str(folder / "var"),
            "TASKS_BACKEND": "rq",
            "REDIS_URL": REDIS_TEST_URL,
            "ELASTICSEARCH_URL": "",
            "WHISPER_MODEL_DIR": "",
            "WORKER_HEARTBEAT_SECONDS": "1",
            "WORKER_DEAD_AFTER_SECONDS": "1",  # never less than three heartbeats: dead after 3 s of silence
            "WORKER_HOUSEKEEPING_SECONDS": "1",
            "VIDEO_PRESET": "veryslow",  # a slow conversion: it is still running when the worker is killed
            "PYTHONUNBUFFERED": "1",
        }

    def database_url(self) -> str:
        settings = connection.settings_dict
        if connection.vendor == "postgresql":
            user = settings["USER"] or ""
            password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
            host = settings["HOST"] or "127.0.0.1"
            port = f":{settings['PORT']}" if settings["PORT"] else ""
            return f"postgres://{user}{password}@{host}{port}/{settings['NAME']}"
        if connection.vendor != "sqlite":
            pytest.skip(f"the processes are given the test database on SQLite or PostgreSQL, not {connection.vendor}")
        path = self.folder / "db.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        self.sqlite = path
        return f"sqlite:///{path}"

    def manage(self, *args: str, **env: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), *args],
            cwd=ROOT,
            env={**self.env, **env},
            stdout=(self.folder / f"{args[0]}.out").open("ab"),
            stderr=(self.folder / f"{args[0]}.log").open("ab"),
        )

    def log(self, command: str) -> str:
        path = self.folder / f"{command}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return list(cursor.fetchall())
        with sqlite3.connect(self.sqlite, timeout=20) as db:
            return list(db.execute(sql).fetchall())

    def rounds(self) -> int:
        """How many rounds of `housekeeping --json` ran the requeue of conversions (whole lines: all of them ok)."""
        out = self.folder / "housekeeping.out"
        reports = [json.loads(line) for line in out.read_text().split("\n")[:-1]] if out.exists() else []
        assert all(report["ok"] for report in reports), self.log("housekeeping")
        return sum(
            any(outcome["duty"] == "media.processing.requeue_stalled" for outcome in report["duties"])
            for report in reports
        )

    def heartbeats(self) -> set[str]:
        return {row[0] for row in self.query("SELECT worker_id FROM core_workerheartbeat")}

    def video(self) -> tuple[str, int]:
        (row,) = self.query("SELECT state, attempts FROM media_video")
        return row[0], row[1]


@pytest.fixture
def cleanup() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes to kill whatever happens (a failing test must not leave a worker or a conversion running)."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)


@pytest.fixture
def site(tmp_path, redis_db, long_recording) -> Site:
    """A portal where the long recording waits in the video queue, on Redis."""
    site = Site(tmp_path)
    importing = site.manage("import_recordings", str(long_recording))
    assert importing.wait(timeout=120) == 0, site.log("import_recordings")
    assert site.video() == ("queued", 0)
    assert redis_db.llen("rq:queue:video") == 1, "the conversion is queued on Redis"
    return site


def rq_heartbeat(redis_db, worker_id: str) -> str:
    value = redis_db.hget(f"rq:worker:{worker_id}", "last_heartbeat")
    return value.decode() if value else ""


def workers_seen_by_healthz(settings) -> dict[str, Any]:
    """/healthz's worker check, reading this test's Redis, with a worker counted stale after 3 s of silence."""
    from portal.core.health import check_workers

    settings.TASKS_BACKEND = "rq"
    settings.RQ_QUEUES = {name: {"URL": REDIS_TEST_URL, "DEFAULT_TIMEOUT": 600} for name in settings.TASK_QUEUES}
    settings.WORKER_STALE_AFTER_SECONDS = 3
    return check_workers()


def worker_id(site: Site) -> str:
    out = site.folder / "run_worker.out"
    line = until(lambda: out.exists() and out.read_text(), 60, "the worker did not say who it is")
    return line.split()[1]


def test_housekeeping_requeues_the_job_of_a_killed_rq_worker_and_another_worker_finishes_it(
    site, redis_db, cleanup, settings
):
    worker = site.manage("run_worker", "--queue", "video")
    cleanup.append(worker)
    converting = child_named(worker.pid, "ffmpeg", timeout=90)
    name = worker_id(site)
    assert site.video() == ("processing", 1)
    # The side thread keeps the worker's heartbeat in Redis fresh while the job runs (what /healthz reads) ...
    seen = rq_heartbeat(redis_db, name)
    until(lambda: rq_heartbeat(redis_db, name) not in {"", seen}, 30, "the RQ heartbeat stood still during a job")
    assert workers_seen_by_healthz(settings)["video"]["ok"]
    # ... and writes the heartbeat row that tells the housekeeping this worker is alive.
    assert name in site.heartbeats()
    # The housekeeping as production runs it: a loop, here every half second with the duties due every second.
    loop = site.manage("housekeeping", "--loop", "0.5", "--json")
    cleanup.append(loop)
    until(lambda: site.rounds() >= 4, 90, "the housekeeping loop did not run its rounds")
    assert site.video() == ("processing", 1), "a live worker's job is never taken back"

    worker.send_signal(signal.SIGKILL)  # the machine lost, the out-of-memory killer
    worker.wait(timeout=10)
    assert gone_within(converting, 5), "ffmpeg kept converting after its worker was killed"

    until(lambda: site.video()[0] == "queued", 60, "the housekeeping never took the dead worker's job back")
    loop.send_signal(signal.SIGTERM)
    assert loop.wait(timeout=30) == 0, site.log("housekeeping")
    assert site.video() == ("queued", 1)
    assert redis_db.llen("rq:queue:video") == 1, "queued again on Redis"

    second = site.manage("run_worker", "--queue", "video", VIDEO_PRESET="ultrafast")
    cleanup.append(second)
    until(lambda: site.video()[0] in {"ready", "failed"}, 300, "the second worker never finished the conversion")
    assert site.video() == ("ready", 2)
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=30) == 0, site.log("run_worker")


def test_an_rq_worker_asked_to_stop_ends_its_ffmpeg_and_gives_the_job_back(site, redis_db, cleanup):
    worker = site.manage("run_worker", "--queue", "video")
    cleanup.append(worker)
    converting = child_named(worker.pid, "ffmpeg", timeout=90)
    name = worker_id(site)

    worker.send_signal(signal.SIGTERM)  # a restart, a shutdown of the machine

    assert gone_within(converting, 5), "ffmpeg kept converting after its worker was asked to stop"
    assert worker.wait(timeout=30) == 0, "the worker stops at once rather than after the whole conversion"
    # Not the recording's fault: queued again without counting an attempt.
    assert site.video() == ("queued", 0)
    assert redis_db.llen("rq:queue:video") == 1
    assert not redis_db.sismember("rq:workers", name), "the worker told Redis it is gone"
    assert name not in site.heartbeats(), "nor to the database"
    assert "Traceback" not in site.log("run_worker")


def test_the_housekeeping_loop_runs_round_after_round_until_sigterm(tmp_path, cleanup):
    site = Site(tmp_path)
    loop = site.manage("housekeeping", "--loop", "0.2", "--json")
    cleanup.append(loop)
    out = tmp_path / "housekeeping.out"

    def rounds() -> list[dict[str, Any]]:
        return [json.loads(line) for line in out.read_text().split("\n")[:-1]] if out.exists() else []

    until(lambda: len(rounds()) >= 2, 60, "the loop did not run its duties twice")
    first, second = rounds()[:2]
    assert first["ok"] and second["ok"], site.log("housekeeping")
    assert "media.processing.requeue_stalled" in {outcome["duty"] for outcome in second["duties"]}
    # Hourly duties ran in the first round only.
    assert "portal.core.tasks.forget_dead_workers" in {outcome["duty"] for outcome in first["duties"]}
    assert "portal.core.tasks.forget_dead_workers" not in {outcome["duty"] for outcome in second["duties"]}

    loop.send_signal(signal.SIGTERM)
    assert loop.wait(timeout=30) == 0, site.log("housekeeping")
    assert "Traceback" not in site.log("housekeeping")


def test_an_rq_worker_without_redis_says_so_in_one_line(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test", "TASKS_BACKEND": "rq"}
    env["REDIS_URL"] = "redis://127.0.0.1:1/7"  # nothing listens on port 1
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "run_worker", "--queue", "video"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "Redis does not answer at redis://127.0.0.1:1/7" in done.stderr
    assert "Traceback" not in done.stderr
