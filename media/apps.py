from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaConfig(AppConfig):
    name = "media"
    label = "media"
    verbose_name = _("Recordings")
    # Periodic duties, run by `manage.py housekeeping` (portal.core.housekeeping): jobs whose worker died are
    # queued again first, then the work folders no running job owns (a killed worker's) are removed, on each
    # machine; unfinished uploads abandoned for MEDIA_UPLOAD_EXPIRE_HOURS are removed hourly, each by the machine
    # that holds its partial file.
    housekeeping = [
        {"call": "media.processing.requeue_stalled", "every": "WORKER_HOUSEKEEPING_SECONDS"},
        {"call": "media.transcription.requeue_stalled", "every": "WORKER_HOUSEKEEPING_SECONDS"},
        {"call": "media.workdir.sweep_work_dir", "every": "WORKER_HOUSEKEEPING_SECONDS", "per_machine": True},
        {"call": "media.housekeeping.remove_stale_uploads", "every": 3600, "per_machine": True},
    ]

    def ready(self) -> None:
        # transcription: connects the receiver that queues transcription of new recordings when
        # TRANSCRIBE_BY_DEFAULT is on; signing: registers the check that nginx and Django agree on the session
        # cookie signed HLS addresses are bound to.
        from media import signing, transcription  # noqa: F401
