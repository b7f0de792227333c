"""Run a background worker for some queues, reporting a heartbeat that /healthz reads.

A thin wrapper around django-tasks-db's worker: the worker itself keeps no record of being alive,
so a daemon thread writes one every WORKER_HEARTBEAT_SECONDS, even while a long transcode runs.
"""

from __future__ import annotations

import os
import threading
from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.crypto import get_random_string

from django_tasks_db.management.commands.db_worker import Worker

from media.processing import requeue_stalled
from media.upload import remove_stale
from portal.core.models import WorkerHeartbeat
from portal.core.tasks import forget_dead_workers


def beat(worker_id: str, queues: list[str]) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"queues": queues, "pid": os.getpid(), "last_seen": timezone.now()},
    )


def _beat_forever(worker_id: str, queues: list[str], stop: threading.Event) -> None:
    while not stop.wait(settings.WORKER_HEARTBEAT_SECONDS):
        try:
            beat(worker_id, queues)
        except Exception:  # a locked or restarting database must not kill the worker
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
        if "video" in queue_names or "*" in queue_names:
            # A transcode left "processing" by a worker that died (restart, power loss) goes back in the queue.
            requeue_stalled()
            # Unfinished uploads abandoned long ago only take disk space.
            remove_stale(timedelta(hours=settings.MEDIA_UPLOAD_EXPIRE_HOURS))
        beat(worker_id, queue_names)
        stop = threading.Event()
        thread = threading.Thread(target=_beat_forever, args=(worker_id, queue_names, stop), daemon=True)
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
