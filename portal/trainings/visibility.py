"""Who may watch a recording: whoever may see a live training page that shows it (media/ asks)."""

from __future__ import annotations

from typing import Any

from portal.core.visibility import allows
from portal.trainings.models import RecordingPart


def training_viewer_check(user: Any, video: Any) -> bool | None:
    pages = [part.page for part in RecordingPart.objects.filter(video=video).select_related("page")]
    live = [page for page in pages if page.live]
    if not live:
        return None
    for page in live:
        restrictions = page.get_view_restrictions()
        if not restrictions or all(allows(restriction, user) for restriction in restrictions):
            return True
    return False
