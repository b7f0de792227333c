"""Whether background workers are running, as the site tells media/ (media/ does not import the site).

The site registers a function returning {queue name: {"ok": bool, ...}}; the conversion queue page
shows it, so an editor knows whether waiting recordings will be converted at all. Each queue is shown by
what it does ("Chuyển đổi video"), never by its name in the settings ("video").

It also tells which workers are dead (their heartbeat stopped), and the worker this process is (set by the
site's run_worker): a job records the worker that claimed it, that worker's side thread keeps the heartbeat
of the jobs it is running fresh, however slow they are, and a job whose worker is known dead is taken back
after WORKER_DEAD_AFTER_SECONDS instead of VIDEO_STALE_AFTER_SECONDS (media.processing.requeue_stalled).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Collection, Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import pgettext_lazy

# settings.TASK_QUEUES, as an editor reads them.
QUEUE_LABELS = {
    "default": pgettext_lazy("task queue", "General work"),
    "video": pgettext_lazy("task queue", "Video conversion"),
    "transcribe": pgettext_lazy("task queue", "Speech recognition"),
    "store": pgettext_lazy("task queue", "Storing uploaded recordings"),
}

_provider: Callable[[], dict[str, dict[str, Any]]] | None = None


def register_worker_status(provider: Callable[[], dict[str, dict[str, Any]]]) -> None:
    global _provider
    _provider = provider


def queue_label(name: str) -> str:
    return str(QUEUE_LABELS.get(name, name))


def worker_status() -> dict[str, dict[str, Any]]:
    """{queue name: {"ok": bool, "label": what the queue does, ...}} for every queue that should have a worker."""
    status = _provider() if _provider is not None else {}
    return {name: {**check, "label": queue_label(name)} for name, check in status.items()}


# --- The worker this process is, the jobs it runs, the workers known dead ------------------------------

_worker_id = ""
# kind → {pk: (attempt, claim moment)}, or None for a job run without a lease.
_running: dict[str, dict[int, tuple[int, Any] | None]] = {"video": {}, "transcription": {}}
_running_lock = threading.Lock()
_dead_workers: Callable[[Collection[str], float], set[str]] | None = None


def set_current_worker(worker_id: str) -> None:
    """Called by the site's worker as it starts: the jobs it claims record this id."""
    global _worker_id
    _worker_id = worker_id


def current_worker() -> str:
    """The id of the worker this process is, or "" (a command processing a job itself, another task runner)."""
    return _worker_id


@contextlib.contextmanager
def running(kind: str, pk: int, claim: tuple[int, Any] | None = None) -> Iterator[None]:
    """While the block runs, job `pk` of `kind` ("video", "transcription") is one this process is running, as
    `claim` (attempt, claim moment) says: its heartbeat is only kept while the row is still that claim's
    (media.jobs)."""
    with _running_lock:
        _running[kind][pk] = claim
    try:
        yield
    finally:
        with _running_lock:
            if _running[kind].get(pk) == claim:
                del _running[kind][pk]


def keep_alive(worker_id: str) -> None:
    """Touch the heartbeat of the jobs this process is running for `worker_id` (the worker's side thread calls
    this at each beat): a slow step with no progress to report (a long download, an upload to storage) still
    shows its job alive, so it is never taken for dead and run twice."""
    from django.db.models import Q

    from media.jobs import TRANSCRIPTION, VIDEO
    from media.states import State

    with _running_lock:
        running_now = {kind: dict(jobs) for kind, jobs in _running.items()}
    now = timezone.now()
    for kind in (VIDEO, TRANSCRIPTION):
        jobs = running_now.get(kind.name) or {}
        if not jobs:
            continue
        which = Q()
        for pk, claim in jobs.items():
            which |= Q(pk=pk) if claim is None else Q(pk=pk, attempts=claim[0], **{kind.started: claim[1]})
        kind.model._default_manager.filter(which, state=State.PROCESSING, **{kind.worker: worker_id}).update(
            **{kind.heartbeat: now}
        )


def register_dead_workers(provider: Callable[[Collection[str], float], set[str]]) -> None:
    """The site's answer to "which of these workers have not reported for this many seconds (or are gone)?"."""
    global _dead_workers
    _dead_workers = provider


def dead_after_seconds() -> float:
    """How long a worker may stay silent before its jobs are taken back: WORKER_DEAD_AFTER_SECONDS, and never
    less than three missed heartbeats."""
    return float(max(settings.WORKER_DEAD_AFTER_SECONDS, 3 * settings.WORKER_HEARTBEAT_SECONDS))


def dead_workers(worker_ids: Collection[str]) -> set[str]:
    """Those of `worker_ids` known dead; none when the site cannot tell (no provider registered)."""
    ids = {worker_id for worker_id in worker_ids if worker_id}
    if not ids or _dead_workers is None:
        return set()
    return _dead_workers(ids, dead_after_seconds())


def requeue_stalled_jobs(
    jobs: Any, *, heartbeat: str, worker: str, processing: str, retry: Callable[[Any], object]
) -> list[int]:
    """The one rule for a job (a conversion, a transcription) whose worker died: among `jobs` in the state
    `processing`, those quiet for WORKER_DEAD_AFTER_SECONDS and claimed by a worker known dead, or quiet for
    VIDEO_STALE_AFTER_SECONDS whoever claimed them, are handed to `retry`, each locked and still as it was read
    (a sign of life since, or another worker's upkeep, and it is left alone). Returns their ids."""
    now = timezone.now()
    quiet = list(jobs.filter(state=processing, **{f"{heartbeat}__lt": now - timedelta(seconds=dead_after_seconds())}))
    dead = dead_workers({getattr(job, worker) for job in quiet})
    stale = now - timedelta(seconds=settings.VIDEO_STALE_AFTER_SECONDS)
    requeued = []
    for job in quiet:
        if getattr(job, worker) not in dead and getattr(job, heartbeat) >= stale:
            continue
        with transaction.atomic():
            as_read = {"pk": job.pk, "state": processing, heartbeat: getattr(job, heartbeat)}
            current = jobs.select_for_update().filter(**as_read).first()
            if current is None:
                continue
            retry(current)
        requeued.append(job.pk)
    return requeued
