"""Run a background worker for some queues, reporting a heartbeat that /healthz reads.

A thin wrapper around django-tasks-db's worker: the worker itself keeps no record of being alive,
so a daemon thread writes one every WORKER_HEARTBEAT_SECONDS, even while a long transcode runs.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string

from django_tasks_db.management.commands.db_worker import Worker

from media.processing import requeue_stalled
from media.upload import remove_stale
from portal.core.models import WorkerHeartbeat
from portal.core.tasks import forget_dead_workers

logger = logging.getLogger(__name__)


def beat(worker_id: str, queues: list[str]) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"queues": queues, "pid": os.getpid(), "last_seen": timezone.now()},
    )


# How often a worker serving the video queue looks for transcodes left by dead workers and for
# abandoned uploads (besides once at start).
HOUSEKEEPING_SECONDS = 60


def serves_video(queues: list[str]) -> bool:
    return "video" in queues or "*" in queues


def serves_default(queues: list[str]) -> bool:
    return "default" in queues or "*" in queues


def housekeeping() -> None:
    """Requeue transcodes whose worker died (restart, power loss, a machine gone); remove unfinished
    uploads abandoned long ago, which only take disk space."""
    requeue_stalled()
    remove_stale(timedelta(hours=settings.MEDIA_UPLOAD_EXPIRE_HOURS))


class Upkeep:
    """What the worker's side thread does at each tick: the heartbeat, and every HOUSEKEEPING_SECONDS the
    video queue's housekeeping (a job found dead is retried without waiting for a worker restart) and, for
    the default queue, the hooks named in WORKER_HOUSEKEEPING (the search outbox retry)."""

    def __init__(self, worker_id: str, queues: list[str], housekeeping_seconds: float | None = None) -> None:
        self.worker_id = worker_id
        self.queues = queues
        self.every = HOUSEKEEPING_SECONDS if housekeeping_seconds is None else housekeeping_seconds
        self.next_housekeeping = time.monotonic() + self.every

    def tick(self) -> None:
        beat(self.worker_id, self.queues)
        if time.monotonic() < self.next_housekeeping:
            return
        self.next_housekeeping = time.monotonic() + self.every
        if serves_video(self.queues):
            housekeeping()
        if serves_default(self.queues):
            for hook in settings.WORKER_HOUSEKEEPING:
                try:
                    import_string(hook)()
                except Exception:  # one failing hook must not stop the heartbeat or the others
                    logger.exception("Worker housekeeping %s failed", hook)


def _beat_forever(upkeep: Upkeep, stop: threading.Event) -> None:
    while not stop.wait(settings.WORKER_HEARTBEAT_SECONDS):
        try:
            upkeep.tick()
        except Exception:  # a locked or restarting database must not kill the worker
            logger.exception("worker upkeep failed")
            close_old_connections()
    connection.close()


class Command(BaseCommand):
    help = "Run a background worker for the given queues (default: all) with a heartbeat."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--queue", action="append", dest="queues", help="queue to serve; repeatable")
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--batch", action="store_true", help="run what is waiting, then exit")

    def handle(self, *args: Any, queues: list[str] | None, interval: float, batch: bool, **options: Any) -> None:
        queue_names = queues or list(settings.TASK_QUEUES)
        worker_id = get_random_string(32)
        forget_dead_workers.call()
        if serves_video(queue_names):
            housekeeping()
        beat(worker_id, queue_names)
        stop = threading.Event()
        thread = threading.Thread(target=_beat_forever, args=(Upkeep(worker_id, queue_names), stop), daemon=True)
        thread.start()
        worker = Worker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=not batch,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        self.stdout.write(f"Worker {worker_id} serving queues: {', '.join(queue_names)}")
        try:
            worker.run()
        finally:
            stop.set()
            thread.join(timeout=settings.WORKER_HEARTBEAT_SECONDS)  # a beat in flight would bring the row back
            WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()
