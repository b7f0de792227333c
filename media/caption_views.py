"""What is said in a recording, for whoever may watch it: WebVTT for the player's caption track, JSON for its
transcript panel, and plain text to read or print.

Each endpoint answers with the preferred transcript of the part (see media.transcripts), or the one a
``lang`` (and ``source``) parameter names; editors' admin screens use those to download one transcript in
particular. The same check as for the video's own files decides who may have it, with the same answer for
everyone else: 404, never "forbidden", so that nobody learns a recording exists. ``?download=1`` on the
WebVTT endpoint (always on the text one) adds a Content-Disposition whose ASCII fallback is the title
transliterated ("Tập huấn" → "Tap huan") and whose ``filename*`` keeps the Vietnamese name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import get_language_info, gettext, gettext_lazy
from django.views.decorators.http import require_safe

from media.captions import to_webvtt
from media.models import Segment, Transcript, TranscriptSource, Video
from media.serving import ascii_fallback
from media.timecode import format_timecode
from media.transcripts import DEFAULT_LANGUAGE, preferred_transcript
from media.views import video_for

# Characters Windows refuses in file names, and control characters.
_UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
FILENAME_MAX_LENGTH = 120
# Transcripts change when someone uploads a corrected file: always ask the server again (cheaply).
CACHE_CONTROL = "private, no-cache"


@dataclass(frozen=True)
class CaptionTrack:
    """What the player needs to know about a part's captions: where to get them and how to call them."""

    language: str
    source: str
    label: str
    vtt_url: str
    json_url: str
    text_url: str


# Languages of the archive that Django's own list lacks.
OTHER_LANGUAGES = {"lo": gettext_lazy("Lao")}


def language_name(code: str) -> str:
    """ "vi" → "Tiếng Việt" (in the current language); the code itself for a language nobody named."""
    if code in OTHER_LANGUAGES:
        return str(OTHER_LANGUAGES[code])
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


def caption_track(video: Video) -> CaptionTrack | None:
    """The captions the player offers for `video`: its preferred transcript, or None without one."""
    transcript = preferred_transcript(video)
    if transcript is None:
        return None
    label = language_name(transcript.language)
    if transcript.source == TranscriptSource.MACHINE:
        label = gettext("%(language)s (automatic)") % {"language": label}
    args = [video.key]
    return CaptionTrack(
        language=transcript.language,
        source=transcript.source,
        label=label,
        vtt_url=reverse("media:captions", args=args),
        json_url=reverse("media:transcript_json", args=args),
        text_url=reverse("media:transcript_text", args=args),
    )


def transcript_for(request: HttpRequest, key: str) -> tuple[Video, Transcript]:
    """The video (if this user may watch it) and the transcript asked for; 404 for anything else."""
    video = video_for(request, key)
    language = request.GET.get("lang") or None
    source = request.GET.get("source") or None
    try:
        if source:
            transcript = Transcript.objects.filter(
                video=video, language=language or DEFAULT_LANGUAGE, source=source
            ).first()
        else:
            transcript = preferred_transcript(video, language)
    except ValueError as error:  # a language code that cannot be one
        raise Http404 from error
    if transcript is None:
        raise Http404
    return video, transcript


def safe_filename(title: str, extension: str) -> str:
    """A file name people recognise, that no file system refuses: "Tập huấn: phần 1" → "Tập huấn phần 1.vtt"."""
    name = unicodedata.normalize("NFC", _UNSAFE_IN_NAMES.sub(" ", title))
    name = " ".join(name.split()).strip(" .")[:FILENAME_MAX_LENGTH].strip(" .")
    return f"{name or gettext('transcript')}.{extension}"


def attachment(filename: str) -> str:
    """Content-Disposition for a download: a transliterated ASCII name and the real one in UTF-8 (RFC 6266)."""
    return f"attachment; filename=\"{ascii_fallback(filename)}\"; filename*=UTF-8''{quote(filename)}"


def _segments(transcript: Transcript) -> list[Segment]:
    return list(transcript.segments.order_by("start", "id"))


def _download_name(video: Video, transcript: Transcript, extension: str) -> str:
    suffix = "" if transcript.language == DEFAULT_LANGUAGE else f" ({transcript.language})"
    return safe_filename(f"{video.title}{suffix}", extension)


def transcript_as_text(segments: list[Segment]) -> str:
    """One line per segment: its start time, then what is said ("[1:02:03] Thưa các đồng chí...")."""
    return "".join(f"[{format_timecode(segment.start)}] {segment.text}\r\n" for segment in segments)


@require_safe
def captions(request: HttpRequest, key: str) -> HttpResponse:
    """The transcript as WebVTT, for the <track> of the player (or as a download with ?download=1)."""
    video, transcript = transcript_for(request, key)
    response = HttpResponse(to_webvtt(_segments(transcript)), content_type="text/vtt; charset=utf-8")
    response["Cache-Control"] = CACHE_CONTROL
    response["Content-Language"] = transcript.language
    if request.GET.get("download"):
        response["Content-Disposition"] = attachment(_download_name(video, transcript, "vtt"))
    return response


@require_safe
def transcript_text(request: HttpRequest, key: str) -> HttpResponse:
    """The transcript as plain text, one timed line per segment, to save or print.

    UTF-8 with a byte order mark and Windows line ends: older Notepad otherwise shows Vietnamese as mojibake."""
    video, transcript = transcript_for(request, key)
    body = "\ufeff" + transcript_as_text(_segments(transcript))
    response = HttpResponse(body.encode("utf-8"), content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = CACHE_CONTROL
    response["Content-Language"] = transcript.language
    response["Content-Disposition"] = attachment(_download_name(video, transcript, "txt"))
    return response


@require_safe
def transcript_json(request: HttpRequest, key: str) -> JsonResponse:
    """The transcript's segments for the player's transcript panel."""
    _video, transcript = transcript_for(request, key)
    response = JsonResponse(
        {
            "language": transcript.language,
            "source": transcript.source,
            "reviewed": transcript.reviewed,
            "segments": [
                {"start": round(segment.start, 3), "end": round(segment.end, 3), "text": segment.text}
                for segment in _segments(transcript)
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = CACHE_CONTROL
    return response
