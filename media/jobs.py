"""One lifecycle for the media's background jobs: a conversion (a Video row) and a transcription (a
TranscriptionJob row) are claimed, kept alive, report progress, are retried and given up the same way.

- **Claim**: an atomic UPDATE moves the row from queued to processing, counts the attempt and records the
  worker, the moment and a first heartbeat. Two workers never both claim the same queued row.
- **Lease**: what the claiming worker holds. Every later write of that worker (progress, heartbeat, a saved
  chunk, the publication, a failure, a retry) is an UPDATE or a locked read of the row *as claimed*: its pk,
  state processing, the attempt number it claimed and the moment it claimed it. A job taken back meanwhile
  (requeued after a stall, retried by hand, claimed by another worker, deleted) no longer matches: the write
  changes nothing and raises JobLost, and the worker stops there — its ffmpeg is killed (run_ffmpeg ends its
  child on any exception of a progress callback), its work folder and whatever it published are removed, the
  row is left to the worker that holds it now. So a slow-but-alive worker and the one the job was handed to
  never both publish. The claim moment is part of the fence because a retry by hand counts attempts from zero
  again: attempt 1 of the new run is not attempt 1 of the old one.
- **Progress**: saved at most every PROGRESS_SAVE_SECONDS, with the time left from this attempt's pace; a
  step without a percentage (a poster, a download, an upload to storage) only moves the heartbeat.
- **Requeue, give up**: `retry_or_fail` queues the job again up to VIDEO_MAX_ATTEMPTS, then fails it with the
  reason; the rule for a job whose worker died is workers.requeue_stalled_jobs.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from media import workers
from media.models import TranscriptionJob, Video
from media.states import State

PROGRESS_SAVE_SECONDS = 2.0


class JobLost(Exception):
    """The job is no longer this worker's (requeued after a stall and claimed again, retried by hand, deleted)."""


@dataclass(frozen=True)
class Kind:
    """Where a kind of job keeps its lifecycle on its row."""

    name: str  # as workers.running and the logs call it
    model: type[models.Model]
    heartbeat: str
    worker: str
    started: str


VIDEO = Kind(
    "video", Video, heartbeat="processing_heartbeat", worker="processing_worker", started="processing_started_at"
)
TRANSCRIPTION = Kind("transcription", TranscriptionJob, heartbeat="heartbeat", worker="worker", started="started_at")


def claim(kind: Kind, pk: int, **fields: object) -> Any:
    """Take a queued job for this worker, setting `fields` too; its row as claimed, or None when it is not (or
    no longer) queued."""
    now = timezone.now()
    claimed = kind.model._default_manager.filter(pk=pk, state=State.QUEUED).update(
        state=State.PROCESSING,
        attempts=F("attempts") + 1,
        **{kind.heartbeat: now, kind.started: now, kind.worker: workers.current_worker()},
        **fields,
    )
    if not claimed:
        return None
    row = kind.model._default_manager.filter(pk=pk).first()
    if row is None or row.state != State.PROCESSING or getattr(row, kind.started) != now:  # type: ignore[attr-defined]
        return None  # taken back and claimed again between the two statements
    return row


class Lease:
    """A claimed job, as its worker holds it: every write is fenced on the row as claimed (module's note)."""

    def __init__(self, kind: Kind, row: Any) -> None:
        self.kind = kind
        self.pk = row.pk
        self.attempt = row.attempts
        self.started = getattr(row, kind.started)

    def __repr__(self) -> str:
        return f"<{self.kind.name} {self.pk}, attempt {self.attempt}>"

    def rows(self) -> QuerySet[Any]:
        """The job's row while it is still this worker's; empty once it was taken back."""
        return self.kind.model._default_manager.filter(
            pk=self.pk, state=State.PROCESSING, attempts=self.attempt, **{self.kind.started: self.started}
        )

    def write(self, **fields: object) -> None:
        """Update the job's row, or raise JobLost when it is no longer this worker's."""
        if not self.rows().update(**fields):
            raise JobLost(f"{self.kind.name} {self.pk} (attempt {self.attempt}) was taken back")

    def beat(self) -> None:
        self.write(**{self.kind.heartbeat: timezone.now()})

    def lock(self) -> Any:
        """The row, locked until the surrounding transaction ends; JobLost when it is no longer this worker's."""
        row = self.rows().select_for_update().first()
        if row is None:
            raise JobLost(f"{self.kind.name} {self.pk} (attempt {self.attempt}) was taken back")
        return row

    def settle(self, decide: Callable[[Any], str]) -> str:
        """End the attempt with `decide(row)` (fail, requeue...), in one transaction on the locked row; "skipped"
        when the job is no longer this worker's (the worker that holds it now decides)."""
        with transaction.atomic():
            try:
                row = self.lock()
            except JobLost:
                return "skipped"
            return decide(row)

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        """While the block runs, the worker's side thread keeps this job's heartbeat fresh (workers.keep_alive)."""
        with workers.running(self.kind.name, self.pk, (self.attempt, self.started)):
            yield


def eta_seconds(*, done: float, total: float, resumed_from: float, elapsed: float) -> int | None:
    """Time left, from the pace of this attempt alone (units done per second since it started)."""
    progressed = done - resumed_from
    if progressed <= 0 or elapsed <= 0 or total <= 0 or progressed < 0.01 * total:
        return None
    return int(max(0.0, total - done) * elapsed / progressed)


class Progress:
    """Saves progress, time left and a heartbeat at most every PROGRESS_SAVE_SECONDS, through the lease (so a
    worker whose job was taken back stops at its next report)."""

    def __init__(self, lease: Lease, total: float, resumed_from: float = 0.0) -> None:
        self.lease = lease
        self.total = total
        self.resumed_from = resumed_from
        self.started = time.monotonic()
        self.last_save = 0.0

    def fields(self, done: float) -> dict[str, object]:
        percent = min(99.0, 100.0 * done / self.total) if self.total else 0.0
        eta = eta_seconds(
            done=done, total=self.total, resumed_from=self.resumed_from, elapsed=time.monotonic() - self.started
        )
        return {"progress": round(percent, 1), "eta_seconds": eta, self.lease.kind.heartbeat: timezone.now()}

    def _due(self) -> bool:
        now = time.monotonic()
        if now - self.last_save < PROGRESS_SAVE_SECONDS:
            return False
        self.last_save = now
        return True

    def __call__(self, done: float) -> None:
        if self._due():
            self.lease.write(**self.fields(done))

    def alive(self, *_ignored: object) -> None:
        """A sign of life without a percentage (poster, storyboard, a download, an upload): the heartbeat."""
        if self._due():
            self.lease.beat()


def is_stale(kind: Kind, row: Any) -> bool:
    """Processing, but without a sign of life for VIDEO_STALE_AFTER_SECONDS, or for WORKER_DEAD_AFTER_SECONDS
    with the worker that claimed it known dead: its worker has died."""
    if row.state != State.PROCESSING:
        return False
    heartbeat = getattr(row, kind.heartbeat)
    now = timezone.now()
    if heartbeat is None or heartbeat < now - timedelta(seconds=settings.VIDEO_STALE_AFTER_SECONDS):
        return True
    return heartbeat < now - timedelta(seconds=workers.dead_after_seconds()) and bool(
        workers.dead_workers({getattr(row, kind.worker)})
    )


def requeue_stalled(kind: Kind, retry: Callable[[Any], object]) -> list[int]:
    """Hand the jobs of this kind whose worker died to `retry` (workers.requeue_stalled_jobs says which)."""
    return workers.requeue_stalled_jobs(
        kind.model._default_manager.all(),
        heartbeat=kind.heartbeat,
        worker=kind.worker,
        processing=State.PROCESSING,
        retry=retry,
    )


def retry_or_fail(row: Any, *, requeue: Callable[[Any], None], given_up: Callable[[int], str]) -> str:
    """After a failure that may not happen again: `requeue(row)` up to VIDEO_MAX_ATTEMPTS attempts, then fail
    for good with the message `given_up(attempts made)`."""
    if row.attempts < settings.VIDEO_MAX_ATTEMPTS:
        requeue(row)
        return State.QUEUED
    row.move_to(State.FAILED, error=given_up(row.attempts), eta_seconds=None)
    return State.FAILED
