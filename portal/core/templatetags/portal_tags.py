from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from wagtail.models import Page

from portal.practices.models import GoodPracticeIndexPage
from portal.trainings.models import TrainingIndexPage

register = template.Library()


def _section_url(model: type[Page], request: Any) -> str | None:
    page = model.objects.live().first()
    return page.get_url(request) if page else None


@register.simple_tag(takes_context=True)
def main_navigation(context: dict[str, Any]) -> list[dict[str, Any]]:
    """The site's main menu: label, address and whether it is the current section."""
    request = context.get("request")
    path = request.path if request else ""
    items = [
        (_("Home"), "/"),
        (_("Trainings"), _section_url(TrainingIndexPage, request)),
        (_("Good practices"), _section_url(GoodPracticeIndexPage, request)),
        (_("Topics"), reverse("topic_list")),
        (_("Search"), reverse("search")),
    ]
    nav = []
    for label, url in items:
        if not url:
            continue
        current = path == url if url == "/" else path.startswith(url)
        nav.append({"label": label, "url": url, "current": current})
    return nav


@register.filter
def can_access_admin(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("wagtailadmin.access_admin"))


@register.filter
def minutes(value: Any) -> int:
    """Whole minutes of a timedelta, rounded up, for messages such as "try again in 15 minutes"."""
    seconds = value.total_seconds() if hasattr(value, "total_seconds") else float(value or 0)
    return max(1, -(-int(seconds) // 60))
