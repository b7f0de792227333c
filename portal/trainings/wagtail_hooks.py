"""Admin hooks of trainings: the "Slides" screen (slides_admin.py) and the ways into it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wagtail import hooks

from portal.trainings.models import TrainingPage


@hooks.register("register_admin_urls")
def register_slide_urls() -> list:
    from portal.trainings.slides_admin import urlpatterns

    return urlpatterns()


def _slides_item(page: Any, user: Any, priority: int) -> Iterator[Any]:
    specific_class = page.specific_class
    if specific_class and issubclass(specific_class, TrainingPage) and page.permissions_for_user(user).can_edit():
        from portal.trainings.slides_admin import slides_menu_item

        yield slides_menu_item(page, priority=priority)


@hooks.register("register_page_header_buttons")
def slides_header_button(page: Any, user: Any, view_name: str, next_url: str | None = None) -> Iterator[Any]:
    yield from _slides_item(page, user, priority=25)


@hooks.register("register_page_listing_more_buttons")
def slides_listing_button(page: Any, user: Any, next_url: str | None = None) -> Iterator[Any]:
    yield from _slides_item(page, user, priority=25)
