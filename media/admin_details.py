"""What the admin's page of a recording shows about it: where its conversion stands (and why it failed),
its facts, the renditions viewers can pick, its captions and transcripts, and the files a preview plays.

The page itself is media.admin.VideoEditView with templates/media/admin/video_edit.html; the preview is a
plain <video> fed by the hls.js the portal serves (media/static/media/admin/preview.js).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from media.caption_admin import captions_url
from media.caption_views import language_name
from media.models import Rendition, Transcript, TranscriptionJob, TranscriptSource, Video
from media.states import State
from media.timecode import format_timecode
from media.transcription_admin import job_label
from media.transcripts import DEFAULT_LANGUAGE
from media.upload import is_being_stored


def format_bitrate(bits_per_second: int) -> str:
    """2_400_000 → "2,4 Mbit/s" (in Vietnamese), 64_000 → "64 kbit/s": as people compare connections."""
    if bits_per_second < 1_000_000:
        return f"{number_format(round(bits_per_second / 1000))} kbit/s"
    return f"{number_format(bits_per_second / 1_000_000, decimal_pos=1)} Mbit/s"


def frame_size(width: int | None, height: int | None) -> str:
    """1280, 720 → "1280 \N{MULTIPLICATION SIGN} 720", as printed; "" when unknown."""
    return f"{width} \N{MULTIPLICATION SIGN} {height}" if width and height else ""


def rendition_label(rendition: Rendition) -> str:
    """ "720p", or "Audio only" for the rendition without picture."""
    return _("Audio only") if rendition.height is None else rendition.name


def state_message(video: Video) -> tuple[str, str]:
    """What an editor should know about where the conversion stands: (level, text); level is Wagtail's help-block
    kind ("info", "critical"), text is empty for a ready recording. The reason of a failure is Video.error."""
    previous = video.has_outputs and video.state != State.READY
    meanwhile = (
        " " + _("Meanwhile viewers watch the previous conversion, which the preview below plays.") if previous else ""
    )
    if is_being_stored(video):
        return "info", _(
            "The whole file has arrived and was checked; its original is being saved to storage. Its conversion is "
            "queued right after. This page updates its state by itself."
        )
    if video.state == State.UPLOADED:
        return "info", _("The file has arrived and is being checked.")
    if video.state == State.QUEUED:
        return "info", _("Waiting for its turn to be converted. This page updates its state by itself.") + meanwhile
    if video.state == State.PROCESSING:
        return "info", _("Being converted. When it is done, reload this page to watch the preview.") + meanwhile
    if video.state == State.FAILED:
        return "critical", _("The conversion failed. The original file is kept: it can be converted again.") + meanwhile
    return "info", ""


def _transcripts(video: Video) -> list[dict[str, Any]]:
    transcripts = Transcript.objects.filter(video=video).annotate(lines=Count("segments"))
    ordered = sorted(
        transcripts, key=lambda t: (t.language != DEFAULT_LANGUAGE, t.language, t.source != TranscriptSource.HUMAN)
    )
    return [
        {
            "language": language_name(t.language),
            "source": t.get_source_display(),
            "reviewed": t.reviewed,
            "lines": t.lines,
        }
        for t in ordered
    ]


def recording_details(video: Video) -> dict[str, Any]:
    """Everything the recording page shows beside the title form, ready for its template."""
    job = TranscriptionJob.objects.filter(video=video).first()
    renditions = [
        {
            "label": rendition_label(r),
            "frame": frame_size(r.width, r.height),
            "bitrate": format_bitrate(r.bandwidth),
        }
        for r in video.renditions.all()
    ]
    level, message = state_message(video)
    return {
        "message": message,
        "message_level": level,
        "error": video.error if video.state == State.FAILED else "",
        "duration": format_timecode(video.duration) if video.duration else "",
        "frame": frame_size(video.width, video.height),
        "size": filesizeformat(video.size_bytes) if video.size_bytes else "",
        "original_name": video.original_name,
        "original_url": reverse("media:original", args=[video.key]) if video.original else "",
        "renditions": renditions,
        "transcripts": _transcripts(video),
        "transcription": job_label(job),
        "captions_url": captions_url(video),
        "preview_url": video.master_url,
        "poster_url": video.output_url(video.poster) if video.poster else "",
    }
