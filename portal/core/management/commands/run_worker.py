"""Run a background worker for some queues, reporting a heartbeat that /healthz and the housekeeping read.

The same command whichever backend runs the tasks (TASKS_BACKEND): django-tasks-db's worker polling the
database, or an RQ worker on Redis (portal.core.rq_worker). Neither keeps a record of being alive that the
site can read, so a daemon thread writes one (a WorkerHeartbeat row) every WORKER_HEARTBEAT_SECONDS, even
while a long transcode runs, and keeps the heartbeat of the job it runs fresh (media.workers.keep_alive):
`manage.py housekeeping` takes back the jobs of a worker whose heartbeat stopped. The programs it starts
(ffmpeg, ffprobe) die with it (media.children); asked to stop (SIGTERM, Ctrl-C), it ends them at once and its
job goes back to the queue, rather than finishing an hours-long conversion first.

Under RQ the job runs in the worker's own process (no work horse forked per job), so the jobs this process
runs (media.workers.running) are the ones the side thread keeps alive, and the thread also refreshes the
worker's heartbeat in Redis, which /healthz reads.

The periodic duties (requeue stalled jobs, retry the search outbox, sweep the work folders) are not the
worker's: `manage.py housekeeping` runs them.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from argparse import ArgumentParser
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.crypto import get_random_string

from media import children, workers
from portal.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

STOP_SIGNALS = [signal.SIGINT, signal.SIGTERM, *([signal.SIGQUIT] if hasattr(signal, "SIGQUIT") else [])]


def beat(worker_id: str, queues: list[str]) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"queues": queues, "pid": os.getpid(), "last_seen": timezone.now()},
    )


class Heartbeat:
    """What the worker's side thread does at each beat: the worker's heartbeat row, its running jobs'
    heartbeats, and anything the backend adds (RQ: the worker's heartbeat in Redis)."""

    def __init__(self, worker_id: str, queues: list[str], extra: Callable[[], None] | None = None) -> None:
        self.worker_id = worker_id
        self.queues = queues
        self.extra = extra

    def tick(self) -> None:
        beat(self.worker_id, self.queues)
        workers.keep_alive(self.worker_id)
        if self.extra is not None:
            self.extra()


def _beat_forever(heartbeat: Heartbeat, stop: threading.Event) -> None:
    while not stop.wait(settings.WORKER_HEARTBEAT_SECONDS):
        try:
            heartbeat.tick()
        except Exception:  # a locked or restarting database must not kill the worker
            logger.exception("worker heartbeat failed")
            close_old_connections()
    connection.close()


class Command(BaseCommand):
    help = "Run a background worker for the given queues (default: all) with a heartbeat."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--queue", action="append", dest="queues", help="queue to serve; repeatable")
        parser.add_argument("--interval", type=float, default=1.0, help="database backend: seconds between polls")
        parser.add_argument("--batch", action="store_true", help="run what is waiting, then exit")

    def handle(self, *args: Any, queues: list[str] | None, interval: float, batch: bool, **options: Any) -> None:
        queue_names = queues or list(settings.TASK_QUEUES)
        worker_id = get_random_string(32)
        if settings.TASKS_BACKEND == "rq":
            from portal.core import rq_worker

            runner: Runner = RQRunner(rq_worker.build(worker_id, queue_names), batch, int(options["verbosity"]))
        else:
            runner = DatabaseRunner(worker_id, queue_names, interval, batch)
        workers.set_current_worker(worker_id)
        beat(worker_id, queue_names)
        stop = threading.Event()
        heartbeat = Heartbeat(worker_id, queue_names, runner.heartbeat)
        thread = threading.Thread(target=_beat_forever, args=(heartbeat, stop), daemon=True)
        thread.start()
        previous = {number: signal.getsignal(number) for number in STOP_SIGNALS}

        def stop_now(number: int, frame: FrameType | None) -> None:
            children.stop_all()  # the job sees its ffmpeg killed and goes back to the queue
            runner.stop(number, frame)  # then no new task; a second signal exits at once

        for number in STOP_SIGNALS:
            signal.signal(number, stop_now)
        self.stdout.write(f"Worker {worker_id} serving queues: {', '.join(queue_names)} ({settings.TASKS_BACKEND})")
        try:
            runner.run()
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
            stop.set()
            thread.join(timeout=settings.WORKER_HEARTBEAT_SECONDS)  # a beat in flight would bring the row back
            WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


class Runner:
    def run(self) -> None:
        raise NotImplementedError

    def stop(self, number: int, frame: FrameType | None) -> None:
        raise NotImplementedError

    def heartbeat(self) -> None:
        """Called by the side thread at each beat."""


class DatabaseRunner(Runner):
    """django-tasks-db's worker, polling the database."""

    def __init__(self, worker_id: str, queue_names: list[str], interval: float, batch: bool) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        self.worker = Worker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=not batch,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )

    def run(self) -> None:
        self.worker.run()

    def stop(self, number: int, frame: FrameType | None) -> None:
        self.worker.shutdown(number, frame)


class RQRunner(Runner):
    """An RQ worker (portal.core.rq_worker.PortalWorker) on Redis."""

    def __init__(self, worker: Any, batch: bool, verbosity: int) -> None:
        self.worker = worker
        self.batch = batch
        self.level = "DEBUG" if verbosity >= 2 else "WARNING" if verbosity == 0 else "INFO"

    def run(self) -> None:
        from portal.core import rq_worker

        try:
            self.worker.work(burst=self.batch, logging_level=self.level)
        except rq_worker.REDIS_ERRORS as error:
            raise CommandError(rq_worker.unreachable(error)) from None
        if not self.batch and not self.worker.stop_was_requested():
            # rq's loop ends by itself only on an error it has logged (Redis gone for good, a bug): exit non-zero
            # so the service manager restarts the worker.
            raise CommandError("The RQ worker stopped by itself (see the log above); it should be restarted.")

    def stop(self, number: int, frame: FrameType | None) -> None:
        self.worker.stop_on_signal(number, frame)

    def heartbeat(self) -> None:
        self.worker.heartbeat_from_side_thread()
