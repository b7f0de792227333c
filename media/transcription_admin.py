"""The transcription screen of a recording in the admin: ask for automatic transcription (or start it again)
and follow its progress and time left, as on the conversion screens.

Its address is /admin/media/transcription/<recording id>/; `transcription_button(video)` (edit screen header)
and `transcription_menu_item(video)` (the recordings list's "More" menu) are the ways in, for media/admin.py.
`transcription_context(video)` with the template media/admin/transcription_panel.html shows the same panel
on any other admin screen. The status endpoint is polled by media/admin/transcription.js while a job is
queued or running.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.widgets.button import Button

from media import transcription
from media.admin_pages import recording_screen
from media.models import TranscriptionJob, TranscriptSource, Video
from media.permissions import can_manage
from media.states import State
from media.timecode import format_timecode


def job_label(job: TranscriptionJob | None) -> str:
    """ "Processing 42% · 12:30 left", "Ready", ... or "Not transcribed" without a job."""
    if job is None:
        return _("Not transcribed")
    if job.state == State.READY:
        return _("Transcribed")
    if job.state == State.QUEUED:
        return _("Waiting to be transcribed")
    if job.state == State.FAILED:
        return _("Transcription failed")
    label = _("Transcribing %(percent)s%%") % {"percent": f"{job.progress:.0f}"}
    if job.eta_seconds:
        label += " · " + _("%(time)s left") % {"time": format_timecode(job.eta_seconds)}
    return label


def _job(video: Video) -> TranscriptionJob | None:
    return TranscriptionJob.objects.filter(video=video).first()


def transcription_context(video: Video) -> dict[str, Any]:
    """What the transcription panel shows for `video`."""
    job = _job(video)
    machine = video.transcripts.filter(source=TranscriptSource.MACHINE).first()
    return {
        "video": video,
        "job": job,
        "label": job_label(job),
        "busy": job is not None and job.state in (State.QUEUED, State.PROCESSING),
        "stale": job is not None and transcription.is_stale(job),
        "model_configured": transcription.model_configured(),
        "has_human": transcription.has_human_transcript(video),
        "has_sound": transcription.has_sound(video),
        "can_start": job is None or transcription.can_retry(job),
        "machine_segments": machine.segments.count() if machine else 0,
        "machine_reviewed": bool(machine and machine.reviewed),
    }


def transcription_url(video: Video) -> str:
    return reverse("media_transcription", args=[video.pk])


def transcription_button(video: Video, priority: int = 16) -> Button:
    """A "Transcription" button for the header of a recording's edit screen."""
    return Button(_("Transcription"), url=transcription_url(video), icon_name="doc-full", priority=priority)


def transcription_menu_item(video: Video, priority: int = 16) -> MenuItem:
    """A "Transcription" entry for a recording's "More" menu in the recordings list."""
    return MenuItem(_("Transcription"), url=transcription_url(video), icon_name="doc-full", priority=priority)


def _require_manager(request: HttpRequest) -> None:
    if not can_manage(request.user):
        raise PermissionDenied


def transcription_view(request: HttpRequest, video_id: int) -> TemplateResponse:
    _require_manager(request)
    video = get_object_or_404(Video, pk=video_id)
    title = _("Transcription")
    return TemplateResponse(
        request,
        "media/admin/transcription.html",
        {
            **transcription_context(video),
            **recording_screen(video, title, "doc-full"),
        },
    )


@require_POST
def request_view(request: HttpRequest, video_id: int) -> HttpResponse:
    """Ask for transcription: a first time, again from the start once finished, or resuming after a failure.
    With ``force``, even though a person's transcript exists (the machine one is kept beside it)."""
    _require_manager(request)
    video = get_object_or_404(Video, pk=video_id)
    job = _job(video)
    title = {"title": video.title}
    force = request.POST.get("force") == "1"
    if job is not None and not transcription.can_retry(job):
        messages.warning(request, _("“%(title)s” is already being transcribed.") % title)
    elif not transcription.model_configured():
        messages.error(request, _("No speech recognition model is installed on the server. Ask an administrator."))
    elif not force and transcription.has_human_transcript(video):
        messages.warning(request, _("“%(title)s” has a transcript written by a person.") % title)
    elif transcription.request_transcription(video, user=request.user, force=force):
        messages.success(request, _("“%(title)s” will be transcribed automatically.") % title)
    else:
        messages.warning(request, _("“%(title)s” has no sound to transcribe.") % title)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = transcription_url(video)
    return redirect(target)


def status_view(request: HttpRequest) -> JsonResponse:
    """State and progress of the transcription of some recordings (?id=1&id=2), polled by the admin."""
    _require_manager(request)
    ids = [int(value) for value in request.GET.getlist("id") if value.isdigit()][:200]
    jobs = {job.video_id: job for job in TranscriptionJob.objects.filter(video_id__in=ids)}
    return JsonResponse(
        {
            "transcriptions": [
                {
                    "video": video_id,
                    "state": job.state if job else "",
                    "label": job_label(job),
                    "progress": job.progress if job else 0,
                    "eta_seconds": job.eta_seconds if job else None,
                    "error": job.error if job else "",
                }
                for video_id in ids
                for job in [jobs.get(video_id)]
            ]
        }
    )


def urlpatterns() -> list[URLPattern]:
    return [
        path("media/transcription/status/", status_view, name="media_transcription_status"),
        path("media/transcription/<int:video_id>/", transcription_view, name="media_transcription"),
        path("media/transcription/<int:video_id>/request/", request_view, name="media_transcription_request"),
    ]
