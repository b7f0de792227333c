"""The admin of media/: the recordings list and chooser (admin.py) and the resumable upload screen
(upload_admin.py)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

from media import upload_admin  # noqa: F401  (registers its hooks)
from media.admin import video_chooser_viewset, video_viewset
from media.permissions import can_manage


@hooks.register("register_admin_viewset")
def register_video_viewsets() -> list[ViewSet]:
    return [video_viewset, video_chooser_viewset]


class QueueMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return can_manage(request.user)


@hooks.register("register_admin_menu_item")
def register_queue_menu_item() -> MenuItem:
    return QueueMenuItem(_("Conversion queue"), reverse("media_videos:queue"), icon_name="time", order=225)


@hooks.register("insert_global_admin_js")
def live_video_status() -> str:
    from django.templatetags.static import static

    return format_html('<script src="{}" defer></script>', static("media/admin/status.js"))


@hooks.register("insert_global_admin_css")
def recordings_admin_css() -> str:
    """The retry button of the recordings list and the recording page (media/admin.py)."""
    from django.templatetags.static import static

    return format_html('<link rel="stylesheet" href="{}">', static("media/admin/admin.css"))


@hooks.register("register_admin_urls")
def register_caption_urls() -> list:
    """The captions screen of a recording (media/caption_admin.py)."""
    from media.caption_admin import caption_urls

    return caption_urls()


@hooks.register("register_admin_urls")
def register_caption_editor_urls() -> list:
    """The caption editor of one transcript (media/caption_editor.py)."""
    from media.caption_editor import editor_urls

    return editor_urls()


@hooks.register("register_admin_urls")
def register_transcription_urls() -> list:
    """The automatic transcription screen of a recording (media/transcription_admin.py)."""
    from media.transcription_admin import urlpatterns

    return urlpatterns()
