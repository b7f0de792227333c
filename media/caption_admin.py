"""The captions screen of a recording in the admin: upload a WebVTT or SRT file as the part's human transcript,
see the transcripts it has (source, language, reviewed, number of lines), download, edit (media/caption_editor.py)
or delete them.

A file we cannot read is refused as a whole, with media.captions' message naming the line, and the form
keeps the language and the "reviewed" box the editor chose: only the file must be chosen again (browsers
never refill a file input). Uploading again in a language replaces that language's human transcript; the
machine one, if any, is kept (see media.transcripts).

`captions_menu_item(video)` and `captions_button(video)` are the ways in from the recordings list and a
recording's edit screen (media/admin.py adds them).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.widgets.button import Button

from media.admin_pages import recording_breadcrumbs
from media.caption_views import language_name
from media.captions import CaptionError, parse_captions
from media.models import Transcript, TranscriptSource, Video
from media.permissions import can_manage
from media.transcripts import DEFAULT_LANGUAGE, delete_transcript, save_transcript

MAX_CAPTION_BYTES = 10 * 1024 * 1024  # a two-hour lecture's captions are about 200 kB
# Vietnamese first; the others are the languages of foreign lecturers and delegations the archive holds.
LANGUAGES = ["vi", "en", "fr", "ru", "zh-hans", "ko", "ja", "lo", "km"]


def language_choices() -> list[tuple[str, str]]:
    return [(code, language_name(code)) for code in LANGUAGES]


class CaptionUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Caption file"),
        help_text=gettext_lazy(
            "WebVTT (.vtt) or SRT (.srt), in UTF-8, UTF-16, Windows-1258 or TCVN3: the encoding is recognised."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".vtt,.srt,text/vtt,application/x-subrip"}),
    )
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=language_choices, initial=DEFAULT_LANGUAGE)
    reviewed = forms.BooleanField(
        label=gettext_lazy("Checked against the recording"),
        required=False,
        help_text=gettext_lazy("Tick if someone has listened to the recording and corrected these captions."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CAPTION_BYTES:
            raise forms.ValidationError(_("This file is too large for captions (at most 10 MB)."))
        try:
            cues = parse_captions(b"".join(upload.chunks()))
        except CaptionError as error:
            raise forms.ValidationError(
                _("“%(name)s” was not saved. %(reason)s") % {"name": upload.name, "reason": str(error)}
            ) from error
        if not cues:
            raise forms.ValidationError(_("“%(name)s” has no caption with text in it.") % {"name": upload.name})
        self.cleaned_data["cues"] = cues
        return upload


def captions_url(video: Video) -> str:
    return reverse("media_captions", args=[video.pk])


def captions_button(video: Video, priority: int = 15) -> Button:
    """A "Captions" button for the header of a recording's edit screen."""
    return Button(_("Captions"), url=captions_url(video), icon_name="doc-full", priority=priority)


def captions_menu_item(video: Video, priority: int = 15) -> MenuItem:
    """A "Captions" entry for a recording's "More" menu in the recordings list."""
    return MenuItem(_("Captions"), url=captions_url(video), icon_name="doc-full", priority=priority)


def _require_manager(request: HttpRequest) -> None:
    if not can_manage(request.user):
        raise PermissionDenied


def _transcripts_of(video: Video) -> list[Any]:
    transcripts: list[Any] = list(Transcript.objects.filter(video=video).annotate(segment_count=Count("segments")))
    for transcript in transcripts:
        transcript.language_label = language_name(transcript.language)
        query = urlencode({"lang": transcript.language, "source": transcript.source, "download": "1"})
        transcript.vtt_url = f"{reverse('media:captions', args=[video.key])}?{query}"
        transcript.text_url = f"{reverse('media:transcript_text', args=[video.key])}?{query}"
        transcript.delete_url = reverse("media_captions_delete", args=[video.pk, transcript.pk])
        transcript.edit_url = reverse("media_captions_edit", args=[video.pk, transcript.pk])
    # Vietnamese first, then people's work before the machine's.
    transcripts.sort(key=lambda t: (t.language != DEFAULT_LANGUAGE, t.language, t.source != TranscriptSource.HUMAN))
    return transcripts


def captions_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The transcripts of one recording, and the form to upload captions for it."""
    _require_manager(request)
    video = get_object_or_404(Video, pk=pk)
    if request.method == "POST":
        form = CaptionUploadForm(request.POST, request.FILES)
        if form.is_valid():
            language = form.cleaned_data["language"]
            replaced = Transcript.objects.filter(video=video, language=language, source=TranscriptSource.HUMAN).exists()
            transcript = save_transcript(
                video,
                form.cleaned_data["cues"],
                source=TranscriptSource.HUMAN,
                language=language,
                reviewed=form.cleaned_data["reviewed"],
            )
            count = transcript.segments.count()
            values = {"count": count, "language": language_name(language)}
            if replaced:
                message = ngettext(
                    "The %(language)s captions were replaced: %(count)d line.",
                    "The %(language)s captions were replaced: %(count)d lines.",
                    count,
                )
            else:
                message = ngettext(
                    "The %(language)s captions were saved: %(count)d line.",
                    "The %(language)s captions were saved: %(count)d lines.",
                    count,
                )
            messages.success(request, message % values)
            return redirect(captions_url(video))
    else:
        form = CaptionUploadForm()
    title = _("Captions")
    return TemplateResponse(
        request,
        "media/admin/captions.html",
        {
            "video": video,
            "form": form,
            "transcripts": _transcripts_of(video),
            "header_icon": "doc-full",
            "page_title": title,
            "header_title": f"{title}: {video.title}",
            "breadcrumbs_items": recording_breadcrumbs(video, title),
        },
    )


def delete_view(request: HttpRequest, pk: int, transcript_pk: int) -> HttpResponse:
    """Ask, then delete one transcript of the recording (with its lines)."""
    _require_manager(request)
    video = get_object_or_404(Video, pk=pk)
    transcript = get_object_or_404(Transcript, pk=transcript_pk, video=video)
    if request.method == "POST":
        delete_transcript(video, source=transcript.source, language=transcript.language)
        messages.success(
            request,
            _("The %(language)s transcript (%(source)s) was deleted.")
            % {"language": language_name(transcript.language), "source": transcript.get_source_display()},
        )
        return redirect(captions_url(video))
    title = _("Delete transcript")
    return TemplateResponse(
        request,
        "media/admin/captions_delete.html",
        {
            "video": video,
            "transcript": transcript,
            "language_label": language_name(transcript.language),
            "segment_count": transcript.segments.count(),
            "cancel_url": captions_url(video),
            "header_icon": "bin",
            "page_title": title,
            "header_title": f"{title}: {video.title}",
            "breadcrumbs_items": recording_breadcrumbs(video, title),
        },
    )


def caption_urls() -> list[URLPattern]:
    """The admin URLs of this screen (registered in media/wagtail_hooks.py)."""
    return [
        path("media/videos/<int:pk>/captions/", captions_view, name="media_captions"),
        path(
            "media/videos/<int:pk>/captions/<int:transcript_pk>/delete/",
            delete_view,
            name="media_captions_delete",
        ),
    ]
