"""Admin hooks of the resumable upload screen: its URL and its menu item, for whoever may add recordings."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.menu import MenuItem

from media.upload_views import UPLOAD_PERMISSION, UploadPageView


class UploadMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(UPLOAD_PERMISSION))


@hooks.register("register_admin_urls")
def register_upload_url() -> list[URLPattern]:
    return [path("media/upload/", UploadPageView.as_view(), name="media_upload")]


@hooks.register("register_admin_menu_item")
def register_upload_menu_item() -> Any:
    return UploadMenuItem(
        _("Upload recordings"), reverse("media_upload"), name="media-upload", icon_name="upload", order=250
    )
