"""Who may see a Video. media/ knows nothing of pages: the site registers the rules.

Each registered check is called with (user, video) and answers True (may see), False (may not) or
None (no opinion). A video is visible when some check says True and none says False; staff who may
edit recordings always see them. The site registers, for instance, "a video is visible to whoever
may see a live training page that shows it".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ViewerCheck = Callable[[Any, Any], bool | None]

_checks: list[ViewerCheck] = []


def register_viewer_check(check: ViewerCheck) -> ViewerCheck:
    if check not in _checks:
        _checks.append(check)
    return check


def can_manage(user: Any) -> bool:
    """Editors of recordings: they see every video and may download originals."""
    return bool(user.is_authenticated and (user.is_superuser or user.has_perm("media.change_video")))


def can_view(user: Any, video: Any) -> bool:
    if not user.is_authenticated:
        return False
    if can_manage(user):
        return True
    answers = [check(user, video) for check in _checks]
    return any(answer is True for answer in answers) and not any(answer is False for answer in answers)
