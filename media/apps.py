from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaConfig(AppConfig):
    name = "media"
    label = "media"
    verbose_name = _("Recordings")

    def ready(self) -> None:
        # Connects the receiver that queues transcription of new recordings when TRANSCRIBE_BY_DEFAULT is on.
        from media import transcription  # noqa: F401
