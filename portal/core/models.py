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


class HousekeepingRun(models.Model):
    """When a housekeeping duty last started (portal.core.housekeeping): on the site for a duty on the shared
    database (`machine` empty), on each machine for a per-machine duty, so that `manage.py housekeeping` run
    every minute by a timer still runs an hourly duty hourly."""

    duty = models.CharField(_("duty"), max_length=200)
    machine = models.CharField(_("machine"), max_length=255, blank=True)
    last_started = models.DateTimeField(_("last started"))

    class Meta:
        verbose_name = _("housekeeping run")
        verbose_name_plural = _("housekeeping runs")
        constraints = [models.UniqueConstraint(fields=["duty", "machine"], name="core_housekeeping_run_unique")]

    def __str__(self) -> str:
        return f"{self.duty} ({self.machine or 'site'}): {self.last_started:%Y-%m-%d %H:%M:%S}"
