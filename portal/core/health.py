"""The checks behind /healthz: each returns a small dict with an "ok" flag and no secrets."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone
from django.utils.module_loading import import_string

from portal.core.models import WorkerHeartbeat

Check = dict[str, Any]


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return {"ok": False}
    return {"ok": True, "vendor": connection.vendor}


def _heartbeats() -> list[tuple[list[str], datetime]]:
    """(queues, last heartbeat) of every known worker, from the backend that runs the tasks."""
    if settings.TASKS_BACKEND == "rq":
        return _rq_heartbeats()
    try:
        return list(WorkerHeartbeat.objects.values_list("queues", "last_seen"))
    except DatabaseError:
        return []


def _rq_heartbeats() -> list[tuple[list[str], datetime]]:
    import django_rq
    from rq import Worker

    try:
        connection = django_rq.get_connection(settings.TASK_QUEUES[0])
        return [
            (worker.queue_names(), worker.last_heartbeat.replace(tzinfo=UTC))
            for worker in Worker.all(connection=connection)
            if worker.last_heartbeat is not None
        ]
    except Exception:  # Redis down or unreachable: no worker can be seen
        return []


def check_workers() -> dict[str, Check]:
    """Age of the freshest heartbeat of a worker serving each queue."""
    stale_after = settings.WORKER_STALE_AFTER_SECONDS
    now = timezone.now()
    newest: dict[str, float] = {}
    for queues, last_seen in _heartbeats():
        age = (now - last_seen).total_seconds()
        for queue in queues:
            if queue == "*" or queue in settings.WORKER_QUEUES:
                targets = settings.WORKER_QUEUES if queue == "*" else [queue]
                for target in targets:
                    newest[target] = min(age, newest.get(target, age))
    result: dict[str, Check] = {}
    for queue in settings.WORKER_QUEUES:  # the transcribe queue only has workers when a model is installed
        freshest = newest.get(queue)
        result[queue] = {
            "ok": freshest is not None and freshest <= stale_after,
            "heartbeat_age_seconds": None if freshest is None else round(freshest, 1),
        }
    return result


def check_search() -> Check:
    """The search check of the search app (SEARCH_HEALTH_CHECK; portal/ never imports search/): "ok" while users
    can search, "degraded" while they are answered from the database."""
    return dict(import_string(settings.SEARCH_HEALTH_CHECK)())


def check_disk() -> Check:
    """Free space where the portal writes: var/ and, when moved elsewhere, the media folder."""
    free = min(shutil.disk_usage(path).free for path in {settings.VAR_DIR, settings.MEDIA_ROOT} if path.exists())
    return {
        "ok": free >= settings.MIN_FREE_DISK_BYTES,
        "free_bytes": free,
        "min_free_bytes": settings.MIN_FREE_DISK_BYTES,
    }


def run_checks() -> tuple[bool, dict[str, Any]]:
    checks: dict[str, Any] = {
        "database": check_database(),
        "workers": check_workers(),
        "search": check_search(),
        "disk": check_disk(),
    }
    healthy = (
        checks["database"]["ok"]
        and all(queue["ok"] for queue in checks["workers"].values())
        and checks["search"]["ok"]
        and checks["disk"]["ok"]
    )
    return healthy, checks
