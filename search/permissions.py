"""What a user may find: the one place that turns a user into the `Viewer` every engine filters by.

It mirrors who may open a page: live pages for every member of staff unless the page (or an ancestor) is
restricted to groups; unpublished good practices for reviewers, administrators and the submitters of their
unit (portal.practices.visibility); nothing for anonymous users.
"""

from __future__ import annotations

from typing import Any

from portal.practices.visibility import is_submitter_for, sees_all_practices
from search.engines.base import Viewer


def viewer_for(user: Any) -> Viewer | None:
    """The Viewer for `user`, or None when they may find nothing (not signed in)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    unit_id = getattr(user, "unit_id", None)
    return Viewer(
        superuser=bool(user.is_superuser),
        groups=tuple(sorted(user.groups.values_list("pk", flat=True))),
        all_drafts=sees_all_practices(user),
        draft_unit=unit_id if is_submitter_for(user, unit_id) else None,
    )
