"""The header of an admin screen about one recording (its captions, caption editor, transcription, re-conversion):
the same breadcrumbs back to the recordings list and the recording, so every such screen reads alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from media.models import Video


def recording_breadcrumbs(video: Video, last: str, via: Sequence[dict[str, str]] = ()) -> list[dict[str, str]]:
    """Recordings, then the recording, then `via`, then `last` (the screen itself, not a link)."""
    return [
        {"url": reverse("media_videos:index"), "label": _("Recordings")},
        {"url": reverse("media_videos:edit", args=[video.pk]), "label": video.title},
        *via,
        {"url": "", "label": last},
    ]


def recording_screen(video: Video, title: str, icon: str) -> dict[str, Any]:
    """The header context of a screen titled `title` about `video`."""
    return {
        "header_icon": icon,
        "page_title": title,
        "header_title": f"{title}: {video.title}",
        "breadcrumbs_items": recording_breadcrumbs(video, title),
    }
