"""Admin-wide adjustments of Wagtail."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from wagtail import hooks
from wagtail.admin.forms.models import register_form_field_override
from wagtail.admin.widgets.slug import SlugInput
from wagtail.models import Page

from portal.core import admin_access
from portal.core.slugs import slug_input_formatters


class VietnameseSlugInput(SlugInput):
    def __init__(self, attrs: dict | None = None, **kwargs: object) -> None:
        kwargs.setdefault("formatters", slug_input_formatters())
        super().__init__(attrs, **kwargs)


# Replaces Wagtail's registration for every slug field of every admin form (pages and snippets).
register_form_field_override(models.SlugField, override={"widget": VietnameseSlugInput})


# --- The site's skeleton ----------------------------------------------------------------------
# The home page and the section pages (Tập huấn, Cách làm hay) carry the site's addresses and the
# roles' permissions. Editors work inside them; only a superuser may delete, unpublish or move them.


def _is_structural(page: Page) -> bool:
    return bool(getattr(page.specific_class, "is_structural", False))


def _refuse(request: HttpRequest, page: Page) -> HttpResponse:
    messages.error(
        request,
        _("“%(title)s” is part of the portal's structure: only a system administrator may remove or move it.")
        % {"title": page.get_admin_display_title()},
    )
    return redirect("wagtailadmin_explore", page.get_parent().pk if page.get_parent() else page.pk)


@hooks.register("before_delete_page")
@hooks.register("before_unpublish_page")
def protect_structure(request: HttpRequest, page: Page) -> HttpResponse | None:
    if _is_structural(page) and not request.user.is_superuser:
        return _refuse(request, page)
    return None


@hooks.register("before_move_page")
def protect_structure_from_moves(request: HttpRequest, page: Page, destination: Page) -> HttpResponse | None:
    return protect_structure(request, page)


@hooks.register("before_bulk_action")
def protect_structure_from_bulk_actions(
    request: HttpRequest, action_type: str, objects: list, action: object
) -> HttpResponse | None:
    if action_type not in {"delete", "unpublish", "move"} or request.user.is_superuser:
        return None
    for obj in objects:
        if isinstance(obj, Page) and _is_structural(obj):
            return _refuse(request, obj)
    return None


# --- What the admin names to whom (portal.core.admin_access) -------------------------------------

hooks.register("construct_page_chooser_queryset", admin_access.page_chooser_pages)
hooks.register("construct_explorer_page_queryset", admin_access.explorer_pages)
hooks.register("before_move_page", admin_access.refuse_moves_of_pages_out_of_reach)
# After Wagtail's own registrations (order 0): the registry keeps the last class for each action.
for _action in admin_access.quiet_bulk_actions():
    hooks.register("register_bulk_action", _action, order=100)


@hooks.register("construct_admin_api", order=100)
def limit_the_admin_api(router: Any) -> None:
    for name, endpoint in admin_access.admin_api_endpoints().items():
        router.register_endpoint(name, endpoint)


@hooks.register("construct_main_menu")
def drop_help_menu(request: HttpRequest, menu_items: list[Any]) -> None:
    """Wagtail's "Help" menu links to its English guide on the internet, which the sector's internal network
    does not reach (and its "new" badge invites a click that leads nowhere)."""
    menu_items[:] = [item for item in menu_items if item.name != "help"]
