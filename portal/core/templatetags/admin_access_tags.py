"""Template filters of the admin screens that portal.core.admin_access adjusts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

from wagtail.models import Page

from portal.core.admin_access import admin_visible_pages

register = template.Library()


@register.filter
def last_edits_seen_by(page_types: Iterable[Any], user: Any) -> list[Any]:
    """The page types report's rows, without the last edited page where `user` may not see it."""
    rows = list(page_types)
    ids = [row.last_edited_page.pk for row in rows if getattr(row, "last_edited_page", None) is not None]
    seen = set(admin_visible_pages(Page.objects.filter(pk__in=ids), user).values_list("pk", flat=True))
    for row in rows:
        if getattr(row, "last_edited_page", None) is not None and row.last_edited_page.pk not in seen:
            row.last_edited_page = None
    return rows
