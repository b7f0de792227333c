"""media/'s periodic duties that need an argument from the settings (declared in media.apps.MediaConfig)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from media import upload


def remove_stale_uploads() -> int:
    """Remove the unfinished uploads nobody touched for MEDIA_UPLOAD_EXPIRE_HOURS, and their partial files."""
    return upload.remove_stale(timedelta(hours=settings.MEDIA_UPLOAD_EXPIRE_HOURS))
