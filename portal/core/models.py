"""Operational state of the portal's own processes (not content)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """One row per background worker process, touched every few seconds while it lives.

    django-tasks' database worker keeps no such record, and /healthz must tell whether each queue
    has a live worker: a queue with none means transcodes that never start.
    """

    worker_id = models.CharField(_("worker id"), max_length=64, unique=True)
    queues = models.JSONField(_("queues"), default=list)
    pid = models.PositiveIntegerField(_("PID"))
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    last_seen = models.DateTimeField(_("last seen"), db_index=True)

    class Meta:
        verbose_name = _("background worker")
        verbose_name_plural = _("background worker")

    def __str__(self) -> str:
        return f"{self.worker_id} ({', '.join(self.queues)})"
