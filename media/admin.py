"""The recordings admin: the list (state, progress, duration, size, errors), retry and re-transcode,
deletion of every stored file, the queue, and the chooser used in the training page editor."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import ListingButton

from media import processing
from media.admin_details import recording_details, rendition_label
from media.admin_forms import VideoEditForm, VideoUploadForm
from media.admin_pages import recording_screen
from media.caption_admin import captions_button, captions_menu_item
from media.models import Video
from media.permissions import can_manage
from media.states import State
from media.timecode import format_timecode
from media.transcription_admin import transcription_button, transcription_menu_item
from media.upload import is_being_stored
from media.workers import worker_status


def state_label(video: Video) -> str:
    if is_being_stored(video):
        label = _("Saving the original to storage")
        return f"{label} {video.progress:.0f}%" if video.progress else label
    label = str(video.get_state_display())
    if video.state == State.PROCESSING:
        label += f" {video.progress:.0f}%"
        if video.eta_seconds:
            label += " · " + _("%(time)s left") % {"time": format_timecode(video.eta_seconds)}
    return label


class StateColumn(Column):
    cell_template_name = "media/admin/state_cell.html"

    def get_cell_context_data(self, instance: Video, parent_context: dict[str, Any]) -> dict[str, Any]:
        context = super().get_cell_context_data(instance, parent_context)
        context["video"] = instance
        context["label"] = state_label(instance)
        return context


class RetryButton(ListingButton):
    """Convert a recording again: a form posting with the CSRF token (a link's GET converts nothing).

    Converting a ready recording again replaces the renditions viewers watch, so there the button is a link
    to a page that asks first (the retry view answers GET with it); a failed or stuck one is retried at once.
    """

    template_name = "media/admin/retry_button.html"

    def __init__(self, video: Video, *, next_url: str = "", priority: int = 5) -> None:
        self.video = video
        self.next_url = next_url
        self.confirm = video.state == State.READY
        label = _("Convert again") if self.confirm else _("Retry")
        url = reverse("media_videos:retry", args=[video.pk])
        if self.confirm and next_url:
            url += "?" + urlencode({"next": next_url})
        super().__init__(
            label,
            url=url,
            classname="button--icon media-retry-button",
            icon_name="rotate",
            attrs={"data-retry": video.state, "aria-label": f"{label}: {video.title}"},
            priority=priority,
        )

    def get_context_data(self, parent_context: Any) -> dict[str, Any]:
        context = super().get_context_data(parent_context)
        request = context.get("request")
        context["csrf_token"] = get_token(request) if request is not None else ""
        return context


class VideoIndexView(generic.IndexView):
    def get_list_more_buttons(self, instance: Video) -> list[Any]:
        return [
            *super().get_list_more_buttons(instance),
            captions_menu_item(instance),
            transcription_menu_item(instance),
        ]

    @cached_property
    def list_url(self) -> str:
        """This list as the editor sees it (the results view that redraws it has an address of its own)."""
        query = self.request.GET.urlencode()
        return f"{self.index_url}?{query}" if query else self.index_url

    def get_list_buttons(self, instance: Video) -> list[Any]:
        buttons = list(super().get_list_buttons(instance))
        if processing.can_retry(instance):
            buttons.insert(0, RetryButton(instance, next_url=self.list_url))
        return buttons


class VideoCreateView(generic.CreateView):
    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "user": self.request.user}

    def save_instance(self) -> Video:
        return self.form.save()


class VideoEditView(generic.EditView):
    """The recording's page: what became of it (state, renditions, captions, a preview) above its title."""

    template_name = "media/admin/video_edit.html"

    @cached_property
    def header_more_buttons(self) -> list[Any]:
        return [*super().header_more_buttons, captions_button(self.object), transcription_button(self.object)]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        video = self.object
        context["recording"] = recording_details(video)
        context["state_label"] = state_label(video)
        # Still on its way (storing, waiting, converting): media/admin/status.js follows it and, once it ends, says
        # that this page, drawn before the preview existed, should be reloaded.
        context["converting"] = video.state in (State.UPLOADED, State.QUEUED, State.PROCESSING)
        if processing.can_retry(video):
            context["retry_button"] = RetryButton(video, next_url=self.request.get_full_path())
        return context


class VideoDeleteView(generic.DeleteView):
    def delete_action(self) -> None:
        processing.delete_video(self.object)


class VideoViewSet(ModelViewSet):
    model = Video
    icon = "media"
    menu_label = gettext_lazy("Recordings")
    menu_order = 220
    add_to_admin_menu = True
    url_prefix = "media/videos"
    name = "media_videos"
    index_view_class = VideoIndexView
    add_view_class = VideoCreateView
    edit_view_class = VideoEditView
    delete_view_class = VideoDeleteView
    copy_view_enabled = False
    search_fields = ["title", "original_name"]
    search_backend_name = None
    list_filter = ["state", "audio_only"]
    list_per_page = 30
    list_display = [
        "title",
        StateColumn("state", label=gettext_lazy("state")),
        Column(
            "duration",
            label=gettext_lazy("duration"),
            accessor=lambda v: format_timecode(v.duration) if v.duration else "—",
        ),
        Column("size_bytes", label=gettext_lazy("size"), accessor=lambda v: filesizeformat(v.size_bytes)),
        Column("error", label=gettext_lazy("error")),
        DateColumn("created_at", label=gettext_lazy("created at")),
    ]

    def get_form_class(self, for_update: bool = False) -> type:
        return VideoEditForm if for_update else VideoUploadForm

    def get_urlpatterns(self) -> list[Any]:
        return [
            *super().get_urlpatterns(),
            path("retry/<int:pk>/", retry_view, name="retry"),
            path("status/", status_view, name="status"),
            path("queue/", queue_view, name="queue"),
        ]


def _require_manager(request: HttpRequest) -> None:
    if not can_manage(request.user):
        raise PermissionDenied


def _next_url(request: HttpRequest, value: str | None) -> str:
    """Where to go back to: an address on this site only (never an open redirect)."""
    if value and url_has_allowed_host_and_scheme(value, {request.get_host()}, request.is_secure()):
        return value
    return reverse("media_videos:index")


@require_http_methods(["GET", "POST"])
def retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Retry a failed conversion, or convert a ready recording again (e.g. after changing the ladder).

    POST does it; GET asks first, which the recordings list uses for a ready recording (its renditions are
    replaced)."""
    _require_manager(request)
    video = get_object_or_404(Video, pk=pk)
    if request.method == "GET":
        title = _("Convert again")
        return TemplateResponse(
            request,
            "media/admin/retry_confirm.html",
            {
                "video": video,
                "renditions": ", ".join(rendition_label(r) for r in video.renditions.all()),
                "can_retry": processing.can_retry(video),
                "next_url": _next_url(request, request.GET.get("next")),
                **recording_screen(video, title, "rotate"),
            },
        )
    if not processing.can_retry(video):
        messages.warning(request, _("“%(title)s” is already being converted.") % {"title": video.title})
    else:
        processing.retry(video)
        messages.success(request, _("“%(title)s” will be converted again.") % {"title": video.title})
    return redirect(_next_url(request, request.POST.get("next")))


def status_view(request: HttpRequest) -> JsonResponse:
    """State and progress of some videos (?id=1&id=2), polled by the admin pages to update live."""
    _require_manager(request)
    ids = [int(value) for value in request.GET.getlist("id") if value.isdigit()][:200]
    videos = Video.objects.filter(pk__in=ids)
    return JsonResponse(
        {
            "videos": [
                {
                    "id": video.pk,
                    "state": video.state,
                    "label": state_label(video),
                    "progress": video.progress,
                    "eta_seconds": video.eta_seconds,
                    "error": video.error,
                }
                for video in videos
            ]
        }
    )


def queue_view(request: HttpRequest) -> TemplateResponse:
    """What the video workers are doing and what waits for them, in order."""
    _require_manager(request)
    active = Video.objects.filter(state__in=[State.PROCESSING, State.QUEUED]).order_by("state", "created_at")
    failed = Video.objects.filter(state=State.FAILED).order_by("-created_at")[:20]
    return TemplateResponse(
        request,
        "media/admin/queue.html",
        {
            "active": active,
            "failed": failed,
            "workers": worker_status(),
            "header_icon": "media",
            "page_title": _("Conversion queue"),
        },
    )


class StateColumnsMixin:
    """The chooser lists each recording's state, so an editor sees which are ready to show."""

    @property
    def columns(self) -> list[Column]:
        return [*super().columns, StateColumn("state", label=gettext_lazy("state"))]  # type: ignore[misc]


class ManagersOnlyMixin:
    """The chooser lists recordings by title: only for those who manage recordings (who edit trainings)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _require_manager(request)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class VideoChooseView(ManagersOnlyMixin, StateColumnsMixin, chooser_views.ChooseView):
    pass


class VideoChooseResultsView(ManagersOnlyMixin, StateColumnsMixin, chooser_views.ChooseResultsView):
    pass


class VideoChosenView(ManagersOnlyMixin, chooser_views.ChosenView):
    pass


class VideoChosenMultipleView(ManagersOnlyMixin, chooser_views.ChosenMultipleView):
    pass


class VideoCreateChooserView(ManagersOnlyMixin, chooser_views.CreateView):
    pass


class VideoChooserViewSet(ChooserViewSet):
    model = Video
    choose_view_class = VideoChooseView
    choose_results_view_class = VideoChooseResultsView
    chosen_view_class = VideoChosenView
    chosen_multiple_view_class = VideoChosenMultipleView
    create_view_class = VideoCreateChooserView
    icon = "media"
    choose_one_text = gettext_lazy("Choose a recording")
    choose_another_text = gettext_lazy("Choose another recording")
    edit_item_text = gettext_lazy("Edit this recording")
    creation_form_class = VideoUploadForm
    create_action_label = gettext_lazy("Upload")
    creation_tab_label = gettext_lazy("Upload")
    per_page = 20


video_viewset = VideoViewSet()
video_chooser_viewset = VideoChooserViewSet("media_video_chooser", url_prefix="media/video-chooser")


def state_badge(video: Video) -> str:
    return format_html('<span class="media-state media-state--{}">{}</span>', video.state, state_label(video))
