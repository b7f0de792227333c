"""The RQ worker `manage.py run_worker` runs under TASKS_BACKEND=rq.

rq's default Worker forks a "work horse" per job: the job would then run in a child process, where the jobs
it runs (media.workers.running) and the worker id it records (media.workers.set_current_worker) are not the
parent's, and the parent's heartbeat thread could not keep them alive. So the portal's worker is rq's
SimpleWorker: the job runs in the worker's own main thread (rq's time limit, a SIGALRM, still works there),
the side thread of run_worker keeps its heartbeat fresh, and the ffmpeg it starts dies with it.

What it adds to SimpleWorker:
- the signals are run_worker's: the first SIGTERM/SIGINT ends the job's children (media.children.stop_all),
  so the job gives its video back to the queue and returns at once, and the worker exits after it (idle, within
  IDLE_CHECK_SECONDS; never between taking a job off the queue and starting it); a second signal exits at once;
- the worker's heartbeat in Redis is refreshed by the side thread, including while a job runs (SimpleWorker
  only beats between jobs, and /healthz reads that heartbeat);
- each job starts and ends with Django's database connections checked, as a request does (the process lives
  for days; a connection the database dropped meanwhile is replaced);
- Redis unreachable gives one clear line, not a traceback per attempt.
"""

from __future__ import annotations

import logging
import threading
from types import FrameType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management.base import CommandError
from django.db import close_old_connections, connection

import redis
from rq import SimpleWorker
from rq.exceptions import StopRequested

logger = logging.getLogger(__name__)

PUBSUB_WAKE_SECONDS = 1.0
IDLE_CHECK_SECONDS = 2
REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def redis_url(queue_name: str) -> str:
    """The Redis address of a queue, without its password (for messages)."""
    url = str(settings.RQ_QUEUES.get(queue_name, {}).get("URL", settings.REDIS_URL))
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def unreachable(error: BaseException, queue_name: str | None = None) -> str:
    name = queue_name or settings.TASK_QUEUES[0]
    return (
        f"Redis does not answer at {redis_url(name)} ({error}). Start Redis or correct REDIS_URL; "
        "TASKS_BACKEND=rq needs it to run tasks."
    )


class PortalWorker(SimpleWorker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._life = threading.Lock()
        self._registered = False
        self._redis_failing = False

    # --- Registration, and the heartbeat from run_worker's side thread ------------------------------------

    def register_birth(self) -> None:
        with self._life:
            super().register_birth()
            self._registered = True

    def register_death(self) -> None:
        with self._life:
            self._registered = False
        super().register_death()

    def heartbeat_from_side_thread(self) -> None:
        """Refresh the worker's heartbeat in Redis (never before it is registered nor after it is gone, which
        would leave a stray key). A Redis outage is logged once when it starts and once when it ends."""
        with self._life:
            if not self._registered:
                return
            try:
                self.heartbeat()
            except REDIS_ERRORS as error:
                if not self._redis_failing:
                    logger.error("worker %s: Redis unreachable, heartbeat not sent: %s", self.name, error)
                self._redis_failing = True
                return
        if self._redis_failing:
            logger.warning("worker %s: Redis answers again", self.name)
            self._redis_failing = False

    def subscribe(self) -> None:
        """rq's, with the thread listening for commands waking every second rather than every minute: when the
        worker stops, rq waits for that thread, which could otherwise keep it from exiting for up to a minute."""
        self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(  # type: ignore[assignment]
            sleep_time=PUBSUB_WAKE_SECONDS, daemon=True, exception_handler=self._pubsub_exception_handler
        )

    # --- Stopping -----------------------------------------------------------------------------------------

    def _install_signal_handlers(self) -> None:
        """run_worker installs its own (they end the job's children first, then call stop_on_signal)."""

    def stop_on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self._stop_requested:  # the second signal: exit now
            logger.warning("worker %s: stopping at once", self.name)
            raise SystemExit(1)
        self.log.info("worker %s: stopping (signal %s)", self.name, signum)
        self._shutdown_requested_date = self._now()
        self._stop_requested = True  # read between jobs, and every IDLE_CHECK_SECONDS while waiting for one

    def dequeue_job_and_maintain_ttl(self, timeout: int | None, max_idle_time: int | None = None) -> Any:
        """rq's, waiting for a job at most IDLE_CHECK_SECONDS at a time so that a stop asked meanwhile is seen.
        rq's own stop raises an exception from the signal handler, wherever the worker is: just after a job was
        taken off the queue, that job would be lost (its video left queued for ever)."""
        if timeout is None or max_idle_time is not None:  # --batch, or an idle limit of the caller's
            return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
        while not self._stop_requested:
            result = super().dequeue_job_and_maintain_ttl(timeout, IDLE_CHECK_SECONDS)
            if result is not None:
                return result
        raise StopRequested()  # rq's loop ends on this

    def stop_was_requested(self) -> bool:
        return bool(self._stop_requested)

    @staticmethod
    def _now() -> Any:
        from rq.utils import now

        return now()

    # --- Jobs ---------------------------------------------------------------------------------------------

    def execute_job(self, job: Any, queue: Any) -> None:
        self._check_connections()
        try:
            super().execute_job(job, queue)
        finally:
            self._check_connections()

    @staticmethod
    def _check_connections() -> None:
        if not connection.in_atomic_block:  # (a test's transaction, in --batch, is not to be closed)
            close_old_connections()


def build(worker_id: str, queue_names: list[str]) -> PortalWorker:
    """An RQ worker named `worker_id` for `queue_names` ("*": every queue); a clear error when Redis is down."""
    from django_rq.queues import get_queues
    from django_tasks_rq import Job

    names = list(settings.TASK_QUEUES) if "*" in queue_names else queue_names
    unknown = [name for name in names if name not in settings.RQ_QUEUES]
    if unknown:
        raise CommandError(f"No such queue: {', '.join(unknown)} (settings.TASK_QUEUES: {settings.TASK_QUEUES})")
    probe = redis.Redis.from_url(str(settings.RQ_QUEUES[names[0]]["URL"]), socket_connect_timeout=5)
    try:
        probe.ping()
    except REDIS_ERRORS as error:
        raise CommandError(unreachable(error, names[0])) from None
    finally:
        probe.close()
    queues = get_queues(*names, job_class=Job)
    return PortalWorker(
        queues, connection=queues[0].connection, job_class=Job, queue_class=type(queues[0]), name=worker_id
    )


def enqueue_scheduled_tasks() -> int | None:
    """A housekeeping duty: under RQ, queue the deferred tasks whose time has come (a task enqueued with
    `run_after` waits in rq's scheduled registry, which only an rq scheduler empties; this is that scheduler,
    run with the other duties instead of a process forked by every worker). Nothing to do on the database backend,
    whose workers read `run_after` themselves."""
    if settings.TASKS_BACKEND != "rq":
        return None
    from django_rq.queues import get_queues
    from rq.scheduler import RQScheduler

    queues = get_queues(*settings.TASK_QUEUES)
    scheduler = RQScheduler(queues, connection=queues[0].connection, logging_level=logging.WARNING)
    scheduler.acquire_locks()
    if not scheduler.acquired_locks:
        return 0  # a worker started with rq's own scheduler has it
    try:
        before = {queue.name: queue.count for queue in queues}
        scheduler.enqueue_scheduled_jobs()
        return sum(queue.count - before[queue.name] for queue in queues)
    finally:
        scheduler.release_locks()
