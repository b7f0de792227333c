"""Housekeeping tasks of the portal itself."""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from django.db import DatabaseError
from django.utils import timezone

from django_tasks import task

from portal.core.models import WorkerHeartbeat

FORGET_WORKERS_AFTER = timedelta(days=1)


@task()
def forget_dead_workers() -> int:
    """Remove heartbeats of workers that died without saying goodbye (power loss, kill -9)."""
    deleted, _ = WorkerHeartbeat.objects.filter(last_seen__lt=timezone.now() - FORGET_WORKERS_AFTER).delete()
    return deleted


def dead_workers(worker_ids: Collection[str], silent_seconds: float) -> set[str]:
    """Those of `worker_ids` (run_worker's) known dead: no heartbeat for `silent_seconds`, or none at all (a
    worker that stops removes its own). None of them when the database cannot tell."""
    limit = timezone.now() - timedelta(seconds=silent_seconds)
    try:
        alive = set(
            WorkerHeartbeat.objects.filter(worker_id__in=worker_ids, last_seen__gte=limit).values_list(
                "worker_id", flat=True
            )
        )
    except DatabaseError:
        return set()
    return set(worker_ids) - alive
