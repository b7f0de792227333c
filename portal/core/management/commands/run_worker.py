"""Run a background worker for some queues, reporting a heartbeat that /healthz reads.

A thin wrapper around django-tasks-db's worker: the worker itself keeps no record of being alive,
so a daemon thread writes one every WORKER_HEARTBEAT_SECONDS, even while a long transcode runs, and
keeps the heartbeat of the job it runs fresh (media.workers.keep_alive). The programs it starts
(ffmpeg, ffprobe) die with it (media.children); asked to stop (SIGTERM, Ctrl-C), it ends them at once
and its job goes back to the queue, rather than finishing an hours-long conversion first.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from argparse import ArgumentParser
from datetime import timedelta
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string

from django_tasks_db.management.commands.db_worker import Worker

from media import children, workers
from media.processing import requeue_stalled
from media.upload import remove_stale
from media.workdir import sweep_work_dir
from portal.core.models import WorkerHeartbeat
from portal.core.tasks import forget_dead_workers

logger = logging.getLogger(__name__)

STOP_SIGNALS = [signal.SIGINT, signal.SIGTERM, *([signal.SIGQUIT] if hasattr(signal, "SIGQUIT") else [])]


def beat(worker_id: str, queues: list[str]) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"queues": queues, "pid": os.getpid(), "last_seen": timezone.now()},
    )


def serves_video(queues: list[str]) -> bool:
    return "video" in queues or "*" in queues


def serves_transcribe(queues: list[str]) -> bool:
    return "transcribe" in queues or "*" in queues


def serves_default(queues: list[str]) -> bool:
    return "default" in queues or "*" in queues


def housekeeping(queues: list[str]) -> None:
    """For the video queue: requeue transcodes whose worker died (restart, power loss, a machine gone) and
    remove unfinished uploads abandoned long ago, which only take disk space; for the queues that write to
    MEDIA_WORK_DIR (video, transcribe): remove the work folders and files no running job owns (a killed
    worker's)."""
    if serves_video(queues):
        requeue_stalled()
        remove_stale(timedelta(hours=settings.MEDIA_UPLOAD_EXPIRE_HOURS))
    if serves_video(queues) or serves_transcribe(queues):
        sweep_work_dir()


class Upkeep:
    """What the worker's side thread does at each tick: the heartbeat (the worker's, and its running job's),
    and every WORKER_HOUSEKEEPING_SECONDS the media housekeeping (a job found dead is retried without waiting
    for a worker restart, and its work folder removed) and, for the default queue, the hooks named in
    WORKER_HOUSEKEEPING (the search outbox retry, transcriptions whose worker died)."""

    def __init__(self, worker_id: str, queues: list[str], housekeeping_seconds: float | None = None) -> None:
        self.worker_id = worker_id
        self.queues = queues
        self.every = settings.WORKER_HOUSEKEEPING_SECONDS if housekeeping_seconds is None else housekeeping_seconds
        self.next_housekeeping = time.monotonic() + self.every

    def tick(self) -> None:
        beat(self.worker_id, self.queues)
        workers.keep_alive(self.worker_id)
        if time.monotonic() < self.next_housekeeping:
            return
        self.next_housekeeping = time.monotonic() + self.every
        housekeeping(self.queues)
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
        workers.set_current_worker(worker_id)
        forget_dead_workers.call()
        housekeeping(queue_names)
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
        previous = {number: signal.getsignal(number) for number in STOP_SIGNALS}

        def stop_now(number: int, frame: FrameType | None) -> None:
            children.stop_all()  # the job sees its ffmpeg killed and goes back to the queue
            worker.shutdown(number, frame)  # then no new task; a second signal exits at once

        for number in STOP_SIGNALS:
            signal.signal(number, stop_now)
        self.stdout.write(f"Worker {worker_id} serving queues: {', '.join(queue_names)}")
        try:
            worker.run()
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
            stop.set()
            thread.join(timeout=settings.WORKER_HEARTBEAT_SECONDS)  # a beat in flight would bring the row back
            WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()
