from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaConfig(AppConfig):
    name = "media"
    label = "media"
    verbose_name = _("Recordings")

    def ready(self) -> None:
        # transcription: connects the receiver that queues transcription of new recordings when
        # TRANSCRIBE_BY_DEFAULT is on; signing: registers the check that nginx and Django agree on the session
        # cookie signed HLS addresses are bound to.
        from media import signing, transcription  # noqa: F401
