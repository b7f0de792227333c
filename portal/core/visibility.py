"""Which pages a person may open, for listings.

Wagtail's `.public()` leaves out every page under a view restriction, even for the people the restriction
lets in: a training restricted to one group was listed nowhere, not even for that group. `visible_to` keeps
the pages `user` may open: those under no restriction, under "signed-in users" (everyone here is signed in),
or under a group restriction of one of their groups (superusers pass them all). Password-protected pages stay
out of listings: their password is asked on the page itself.
"""

from __future__ import annotations

from typing import Any

from wagtail.models import PageViewRestriction
from wagtail.query import PageQuerySet


def allows(restriction: PageViewRestriction, user: Any) -> bool:
    """Whether `restriction` lets `user` open the pages under it without more ado."""
    if restriction.restriction_type == PageViewRestriction.LOGIN:
        return bool(user is not None and user.is_authenticated)
    if restriction.restriction_type == PageViewRestriction.GROUPS:
        if user is None or not user.is_authenticated:
            return False
        return user.is_superuser or restriction.groups.filter(pk__in=user.groups.all()).exists()
    return False


def hidden_paths(user: Any) -> list[str]:
    """The tree paths of the pages whose restriction keeps `user` out (they and the pages under them are
    hidden): one query, remembered on the user object, which lives as long as the request."""
    cached = getattr(user, "_hidden_page_paths", None)
    if cached is not None:
        return cached
    restrictions = PageViewRestriction.objects.all()
    signed_in = user is not None and user.is_authenticated
    if signed_in:
        restrictions = restrictions.exclude(restriction_type=PageViewRestriction.LOGIN)
        if user.is_superuser:
            restrictions = restrictions.exclude(restriction_type=PageViewRestriction.GROUPS)
        else:
            allowed = PageViewRestriction.objects.filter(
                restriction_type=PageViewRestriction.GROUPS, groups__in=user.groups.all()
            )
            restrictions = restrictions.exclude(pk__in=allowed.values("pk"))
    paths = sorted(set(restrictions.values_list("page__path", flat=True)))
    if user is not None:
        user._hidden_page_paths = paths
    return paths


def visible_to(pages: PageQuerySet, user: Any) -> PageQuerySet:
    """`pages` without those under a restriction that keeps `user` out."""
    for path in hidden_paths(user):
        pages = pages.exclude(path__startswith=path)
    return pages
