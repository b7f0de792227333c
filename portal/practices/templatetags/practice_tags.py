"""Template helpers of the good-practices app."""

from __future__ import annotations

from typing import Any

from django import template

from portal.practices.submission import is_submitter

register = template.Library()


@register.filter
def writes_up_practices(user: Any) -> bool:
    """Does this user write up good practices for their unit (the Unit submitter role)?"""
    return bool(getattr(user, "is_authenticated", False)) and is_submitter(user)
