"""Who may see and edit which good practices: every such decision lives here.

Published write-ups are for all staff. An unpublished one (a draft, one in review, one sent back for
changes, one rejected) is seen only by the submitters of its unit, by reviewers and by administrators;
for everyone else it does not exist (404), wherever they ask: the page, the preview. Its attached files are
refused to them (403) by the portal's one rule for documents, portal.documents.access.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from portal.units import roles


def role_names(user: Any) -> frozenset[str]:
    """The user's role (group) names, read once per user object: checks run several times a request."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_portal_role_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._portal_role_names = cached
    return cached


def is_practice_admin(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or roles.ADMINISTRATOR in role_names(user)


def is_reviewer(user: Any) -> bool:
    return roles.REVIEWER in role_names(user)


def sees_all_practices(user: Any) -> bool:
    """Reviewers and administrators see every write-up, whatever its unit or state."""
    return is_practice_admin(user) or is_reviewer(user)


def is_submitter_for(user: Any, unit_id: int | None) -> bool:
    """A submitter of this unit: the only people outside review who see the unit's unpublished write-ups."""
    return (
        unit_id is not None
        and getattr(user, "unit_id", None) == unit_id
        and roles.SUBMITTER in role_names(user)
        and bool(getattr(user, "is_active", False))
    )


def can_preview_practice(user: Any, page: Any) -> bool:
    """May this user see the latest, possibly unpublished, version of the write-up?"""
    if not getattr(user, "is_authenticated", False):
        return False
    return sees_all_practices(user) or is_submitter_for(user, page.unit_id)


def can_view_practice(user: Any, page: Any) -> bool:
    """May this user open the write-up at all? Published ones are for every member of staff."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(page.live) or can_preview_practice(user, page)


def visible_practices(user: Any) -> QuerySet[Any]:
    """The write-ups this user may open: published ones, plus their own unit's unpublished ones
    for its submitters, plus everything for reviewers and administrators."""
    from portal.practices.models import GoodPracticePage

    pages = GoodPracticePage.objects.all()
    if not getattr(user, "is_authenticated", False):
        return pages.none()
    if sees_all_practices(user):
        return pages
    if roles.SUBMITTER in role_names(user) and getattr(user, "unit_id", None) is not None:
        return pages.filter(Q(live=True) | Q(unit_id=user.unit_id))
    return pages.filter(live=True)


def unit_practices(user: Any) -> QuerySet[Any]:
    """The write-ups of the user's own unit, in every state, when the user submits for that unit."""
    from portal.practices.models import GoodPracticePage

    if roles.SUBMITTER not in role_names(user) or getattr(user, "unit_id", None) is None:
        return GoodPracticePage.objects.none()
    return GoodPracticePage.objects.filter(unit_id=user.unit_id)


def may_open_upload(user: Any, document: Any) -> bool:
    """May this user download a file uploaded for a write-up that no saved write-up shows yet? (A draft of a
    published write-up keeps its new files in the revision only.) It stays with its uploader's unit and the
    reviewers. Files that write-ups show follow those write-ups: portal.documents.access decides for all files.
    """
    if sees_all_practices(user):
        return True
    uploader = getattr(document, "uploaded_by_user", None)
    return uploader is not None and (
        uploader.pk == getattr(user, "pk", None) or is_submitter_for(user, uploader.unit_id)
    )


def in_practices_collection(document: Any) -> bool:
    """Whether `document` was uploaded for a write-up (they are kept in their own collection)."""
    from portal.practices.submission import COLLECTION_NAME

    collection = getattr(document, "collection", None)
    return collection is not None and collection.name == COLLECTION_NAME
