from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "portal.core"
    label = "core"
    verbose_name = _("Portal foundation")
    # Run by `manage.py housekeeping` (portal.core.housekeeping, where apps declare their periodic duties).
    housekeeping = [
        {"call": "portal.core.tasks.forget_dead_workers", "every": 3600},
        {"call": "portal.core.rq_worker.enqueue_scheduled_tasks", "every": "WORKER_HOUSEKEEPING_SECONDS"},
    ]

    def ready(self) -> None:
        from media.workers import register_dead_workers, register_worker_status
        from portal.core.health import check_workers
        from portal.core.tasks import dead_workers

        register_worker_status(check_workers)
        register_dead_workers(dead_workers)

        from portal.core.csp import nonce_for_wagtail_choosers

        nonce_for_wagtail_choosers()
