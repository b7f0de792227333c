"""Housekeeping tasks of the portal itself."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from django_tasks import task

from portal.core.models import WorkerHeartbeat

FORGET_WORKERS_AFTER = timedelta(days=1)


@task()
def forget_dead_workers() -> int:
    """Remove heartbeats of workers that died without saying goodbye (power loss, kill -9)."""
    deleted, _ = WorkerHeartbeat.objects.filter(last_seen__lt=timezone.now() - FORGET_WORKERS_AFTER).delete()
    return deleted
