"""The caption editor of the admin: correct the text and timing of one transcript's lines, split, merge and
delete lines, mark the transcript reviewed, and save it so search re-indexes what is said.

Decisions a newcomer would question:

- One JSON field, not a formset. A four-hour lecture has 2,000-4,000 lines; a formset of that size is over
  Django's DATA_UPLOAD_MAX_NUMBER_FIELDS and heavy to render. The page carries the lines as JSON, the script
  (media/static/media/admin/caption_editor.js) shows them fifty at a time and posts them back whole as
  ``[[start, end, text], ...]`` in one field, times as the editor typed them. The server parses and checks
  everything (`check_lines`); a refused save renders the page again with exactly what was typed.
- Optimistic concurrency. The page remembers a version (`version_of`: the saved moments of the transcripts
  the save would touch); a save made after someone else's is refused, keeping what was typed, unless the
  editor ticks that theirs should replace the other one (bound to the version they were shown then).
- Machine transcripts are never edited in place: a new automatic transcription replaces the machine
  transcript, and would throw the corrections away. Saving an edited machine transcript stores the lines as
  the human transcript of that part and language and leaves the machine one as it was. When a human
  transcript already exists, the screen says so, links to it, and replaces it only when the editor ticks so.
- Small overlaps are clipped, not refused. Speech recognisers and caption tools often start a line a few
  hundredths of a second before the previous one ends. As the caption import does (media/captions.py), a line
  that runs at most `OVERLAP_TOLERANCE` into the next one is made to end where the next one starts, when the
  editor opens the transcript and again when it is saved, and the screen says which lines were shortened.
  Bigger overlaps and a line ending before it starts are still refused: those are mistakes to look at.
- Typed work survives a failed save. The script keeps a draft of the lines in the browser (localStorage, per
  transcript) from the first change until a save succeeds: the page after a successful save tells it to drop
  the draft (`_SAVED_KEY` in the session), and when the editor opens a transcript with a draft that differs
  from what is saved, it offers to restore it. A save to a transcript deleted meanwhile says so and offers
  the lines as a WebVTT file to upload again.
- Saving goes through media.transcripts.save_transcript: one transaction, texts NFC, updated_at moves, and
  transcript_changed is sent so that search re-indexes the training pages that show the recording.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from media.admin_pages import recording_breadcrumbs
from media.caption_views import language_name
from media.captions import Cue, format_timestamp
from media.models import Transcript, TranscriptSource, Video
from media.permissions import can_manage
from media.transcripts import save_transcript

MAX_LINES = 20_000  # a four-hour lecture has about 4,000
MAX_TEXT_LENGTH = 2_000  # characters in one line
# Recognisers and caption tools end the last line a little after the probed duration.
DURATION_TOLERANCE = 1.0
# How far a line may run into the next one and be clipped instead of refused (seconds).
OVERLAP_TOLERANCE = 0.5
SHOWN_CLIPPED = 20
# Session key: the transcripts whose browser drafts the next page of the editor should drop (saved ones).
_SAVED_KEY = "caption_editor_saved"
SHOWN_ERRORS = 50

_SPACES = re.compile(r"\s+")
_NUMBER = re.compile(r"\d+")
_SECONDS = re.compile(r"\d+(?:[.,]\d+)?")


# --- Times --------------------------------------------------------------------------------------------


def parse_time(text: str) -> float:
    """A moment as editors write it → seconds, to the millisecond: '0:12:34.500', '12:34', '12:34,5',
    '754' or '754,5'. Minutes and seconds after a colon are below 60. Raises ValueError on anything else."""
    parts = str(text).strip().split(":")
    if not 1 <= len(parts) <= 3:
        raise ValueError(text)
    *whole, last = (part.strip() for part in parts)
    if not all(_NUMBER.fullmatch(part) for part in whole) or not _SECONDS.fullmatch(last):
        raise ValueError(text)
    seconds = float(last.replace(",", "."))
    if (whole and seconds >= 60) or (len(whole) == 2 and int(whole[1]) >= 60):
        raise ValueError(text)
    total = 0.0
    for part in whole:
        total = total * 60 + int(part)
    return round(total * 60 + seconds, 3) if whole else round(seconds, 3)


def format_time(seconds: float) -> str:
    """Seconds → '0:12:34.500' (hours, minutes, seconds and milliseconds always written)."""
    return format_timestamp(seconds, hour_digits=1)


# --- Checking what was typed --------------------------------------------------------------------------


@dataclass(frozen=True)
class LineError:
    """What is wrong with one line (1-based, as the screen numbers them); `field` is start, end or text."""

    line: int
    field: str
    message: str


class UnreadableLines(ValueError):
    """The posted lines are not the list the script sends (a broken or foreign request)."""


def read_lines(payload: str) -> list[tuple[str, str, str]]:
    """The posted JSON → [(start, end, text)] as typed. Raises UnreadableLines."""
    try:
        rows = json.loads(payload)
    except (TypeError, ValueError) as error:
        raise UnreadableLines(str(error)) from error
    if not isinstance(rows, list) or len(rows) > MAX_LINES:
        raise UnreadableLines("not a list of lines, or too many")
    lines = []
    for row in rows:
        if not (isinstance(row, list) and len(row) == 3 and all(isinstance(value, str) for value in row)):
            raise UnreadableLines(f"not a line: {row!r}")
        lines.append((row[0], row[1], row[2]))
    return lines


def clean_text(text: str) -> str:
    """One line of text as stored: NFC, runs of white space made one space, no space at either end."""
    return unicodedata.normalize("NFC", _SPACES.sub(" ", text).strip())


def check_lines(lines: list[tuple[str, str, str]], duration: float | None) -> tuple[list[Cue], list[LineError]]:
    """The typed lines → cues to save, and what is wrong with them (the cues are only good without errors).

    Each line needs a readable start and end, an end not before its start, text, a start not before the
    previous line's end (lines are in order and do not overlap) and, when the recording's duration is
    known, an end within it. A line starting after the previous one's start but at most OVERLAP_TOLERANCE
    before its end is accepted: `clip_overlaps` shortens the previous line before saving."""
    cues: list[Cue] = []
    errors: list[LineError] = []
    previous: tuple[int, float, float] | None = None  # (line, start, end) of the last line with readable times
    for number, (start_text, end_text, raw_text) in enumerate(lines, start=1):
        times: dict[str, float] = {}
        for field, typed in (("start", start_text), ("end", end_text)):
            try:
                times[field] = parse_time(typed)
            except ValueError:
                errors.append(LineError(number, field, _time_error(number, field, typed)))
        text = clean_text(raw_text)
        if not text:
            errors.append(
                LineError(
                    number,
                    "text",
                    _("Line %(line)d has no text. Write what is said, or delete the line.") % {"line": number},
                )
            )
        elif len(text) > MAX_TEXT_LENGTH:
            errors.append(
                LineError(
                    number,
                    "text",
                    _("Line %(line)d is too long (at most %(max)d characters): split it.")
                    % {"line": number, "max": MAX_TEXT_LENGTH},
                )
            )
        if len(times) < 2:
            continue
        start, end = times["start"], times["end"]
        values = {"line": number, "start": format_time(start), "end": format_time(end)}
        if end < start:
            errors.append(
                LineError(number, "end", _("Line %(line)d ends (%(end)s) before it starts (%(start)s).") % values)
            )
        elif duration and end > duration + DURATION_TOLERANCE:
            errors.append(
                LineError(
                    number,
                    "end",
                    _("Line %(line)d ends at %(end)s, after the end of the recording (%(duration)s).")
                    % {**values, "duration": format_time(duration)},
                )
            )
        if previous is not None and start < previous[2] and not _clippable(previous[1], previous[2], start):
            errors.append(
                LineError(
                    number,
                    "start",
                    _("Line %(line)d starts (%(start)s) before line %(previous)d ends (%(previous_end)s).")
                    % {**values, "previous": previous[0], "previous_end": format_time(previous[2])},
                )
            )
        previous = (number, start, max(start, end))
        cues.append(Cue(start, end, text))
    if not lines:
        errors.append(
            LineError(
                0, "", _("No line is left. To remove the transcript, delete it from the captions screen instead.")
            )
        )
    return cues, errors


def _clippable(start: float, end: float, next_start: float) -> bool:
    """Whether a line from `start` to `end` may be clipped to end at `next_start` (a small overlap)."""
    return start < next_start and round(end - next_start, 3) <= OVERLAP_TOLERANCE


def clip_overlaps(cues: list[Cue]) -> tuple[list[Cue], list[int]]:
    """Cues in order of start → the same with each small overlap clipped (a cue running at most
    OVERLAP_TOLERANCE into the next one ends where the next one starts), and the 1-based numbers of the
    cues that were shortened. Bigger overlaps are left as they are (check_lines refuses them)."""
    clipped: list[Cue] = []
    numbers: list[int] = []
    for number, cue in enumerate(cues, start=1):
        following = cues[number] if number < len(cues) else None
        if following is not None and following.start < cue.end and _clippable(cue.start, cue.end, following.start):
            cue = Cue(cue.start, following.start, cue.text)
            numbers.append(number)
        clipped.append(cue)
    return clipped, numbers


def draft_vtt(lines: list[tuple[str, str, str]]) -> str:
    """Typed lines → a WebVTT file to upload again, readable times written out in full and the others as
    typed (the upload then names the line to fix)."""

    def written(typed: str) -> str:
        try:
            return format_time(parse_time(typed))
        except ValueError:
            return typed.strip() or "?"

    blocks = [f"{written(start)} --> {written(end)}\n{clean_text(text)}" for start, end, text in lines]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"


def _time_error(number: int, field: str, typed: str) -> str:
    if not typed.strip():
        empty = _("Line %(line)d: the start is empty.") if field == "start" else _("Line %(line)d: the end is empty.")
        return empty % {"line": number}
    return _("Line %(line)d: “%(time)s” is not a time. Write it like 0:12:34.500, 12:34 or 754,5.") % {
        "line": number,
        "time": typed.strip()[:30],
    }


# --- Versions -----------------------------------------------------------------------------------------


def _stored_as(transcript: Transcript) -> Transcript | None:
    """The transcript a save of `transcript` writes: itself when written by a person, else the human
    transcript of the same part and language (None while there is none)."""
    if transcript.source == TranscriptSource.HUMAN:
        return transcript
    return Transcript.objects.filter(
        video_id=transcript.video_id, language=transcript.language, source=TranscriptSource.HUMAN
    ).first()


def version_of(transcript: Transcript) -> str:
    """What the editor was shown, as one string: the saved moments of the transcript being edited and of the
    one its save writes. Someone else's save (or a new automatic transcription) changes it."""
    rows = Transcript.objects.filter(
        video_id=transcript.video_id,
        language=transcript.language,
        source__in={transcript.source, TranscriptSource.HUMAN},
    ).order_by("source")
    stamps = {row.source: f"{row.source}:{row.pk}:{row.updated_at.isoformat()}" for row in rows}
    return "|".join(stamps.get(source, f"{source}:-") for source in sorted({transcript.source, TranscriptSource.HUMAN}))


# --- The screen ---------------------------------------------------------------------------------------


def editor_url(transcript: Transcript) -> str:
    return reverse("media_captions_edit", args=[transcript.video_id, transcript.pk])


def _require_manager(request: HttpRequest) -> None:
    if not can_manage(request.user):
        raise PermissionDenied


@dataclass
class _Outcome:
    """What a save attempt leaves to show: errors (line or page) and the choices to offer."""

    errors: list[LineError]
    problem: str = ""  # a message about the whole page, not one line
    conflict: bool = False


def editor_view(request: HttpRequest, pk: int, transcript_pk: int) -> HttpResponse:
    """One transcript's lines to correct; POST saves them (see the module docstring for the rules)."""
    _require_manager(request)
    video = get_object_or_404(Video, pk=pk)
    transcript = Transcript.objects.filter(pk=transcript_pk, video=video).first()
    if transcript is None:
        if request.method == "POST":
            return _gone(request, video)
        raise Http404
    human = None if transcript.source == TranscriptSource.HUMAN else _stored_as(transcript)
    outcome = _Outcome(errors=[])
    clipped: list[int] = []
    if request.method == "POST":
        typed = request.POST.get("lines", "")
        version = request.POST.get("version", "")
        reviewed = request.POST.get("reviewed") == "on"
        try:
            lines = read_lines(typed)
        except UnreadableLines:
            lines = None
            outcome.problem = _("The edited lines could not be read. Reload the page and try again.")
        if lines is not None:
            saved, outcome = _save(request, video, transcript, lines, version, reviewed)
            if saved is not None:
                request.session[_SAVED_KEY] = [transcript.pk, saved.pk]
                return redirect(editor_url(saved))
        if lines is None:
            lines, clipped = _lines_of(transcript)
        shown_lines = lines
    else:
        version = version_of(transcript)
        reviewed = transcript.reviewed if transcript.source == TranscriptSource.HUMAN else False
        shown_lines, clipped = _lines_of(transcript)
    saved_pks = request.session.pop(_SAVED_KEY, []) if request.method == "GET" else []
    current_version = version_of(transcript) if outcome.conflict else ""
    language = language_name(transcript.language)
    title = _("Edit transcript")
    context = {
        "video": video,
        "transcript": transcript,
        "language_label": language,
        "machine": transcript.source == TranscriptSource.MACHINE,
        "human": human,
        "human_url": editor_url(human) if human else "",
        "lines": [list(line) for line in shown_lines],
        "line_count": len(shown_lines),
        "errors": outcome.errors[:SHOWN_ERRORS],
        "error_count": len(outcome.errors),
        "error_data": [[error.line, error.field, error.message] for error in outcome.errors],
        "problem": outcome.problem,
        "conflict": outcome.conflict,
        "version": version,
        "current_version": current_version,
        "overwrite": bool(
            outcome.conflict
            and request.POST.get("overwrite") == "on"
            and request.POST.get("confirmed_version") == current_version
        ),
        "clipped": clipped[:SHOWN_CLIPPED],
        "clipped_count": len(clipped),
        "saved_drafts": " ".join(str(pk) for pk in saved_pks if isinstance(pk, int)),
        "reviewed": reviewed,
        "replace_human": request.POST.get("replace_human") == "on",
        "duration": video.duration,
        "duration_label": format_time(video.duration) if video.duration else "",
        "captions_url": reverse("media_captions", args=[video.pk]),
        "header_icon": "doc-full",
        "page_title": title,
        "header_title": f"{title}: {video.title} ({language}, {transcript.get_source_display()})",
        "breadcrumbs_items": _breadcrumbs(video, title),
    }
    return TemplateResponse(request, "media/admin/caption_editor.html", context)


def _breadcrumbs(video: Video, title: str) -> list[dict[str, str]]:
    return recording_breadcrumbs(
        video, title, via=[{"url": reverse("media_captions", args=[video.pk]), "label": _("Captions")}]
    )


def _gone(request: HttpRequest, video: Video) -> HttpResponse:
    """A save to a transcript deleted after the editor opened it: say so, and hand the typed lines back as a
    WebVTT file to upload on the captions screen (the browser keeps its draft too)."""
    try:
        lines = read_lines(request.POST.get("lines", ""))
    except UnreadableLines:
        lines = []
    title = _("Edit transcript")
    context = {
        "gone": True,
        "video": video,
        "line_count": len(lines),
        "vtt": draft_vtt(lines) if lines else "",
        "download_name": f"{video.pk}-{timezone.localtime():%Y%m%d-%H%M}.vtt",
        "captions_url": reverse("media_captions", args=[video.pk]),
        "header_icon": "doc-full",
        "page_title": title,
        "header_title": f"{title}: {video.title}",
        "breadcrumbs_items": _breadcrumbs(video, title),
    }
    return TemplateResponse(request, "media/admin/caption_editor.html", context, status=404)


def _lines_of(transcript: Transcript) -> tuple[list[tuple[str, str, str]], list[int]]:
    """The saved lines as the editor shows them, small overlaps clipped, and the numbers of the clipped ones."""
    cues, clipped = clip_overlaps(
        [
            Cue(start, end, text)
            for start, end, text in transcript.segments.order_by("start", "id").values_list("start", "end", "text")
        ]
    )
    return [(format_time(cue.start), format_time(cue.end), cue.text) for cue in cues], clipped


def _save(
    request: HttpRequest,
    video: Video,
    transcript: Transcript,
    lines: list[tuple[str, str, str]],
    version: str,
    reviewed: bool,
) -> tuple[Transcript | None, _Outcome]:
    """Check and save; returns the saved transcript (None when refused) and what to show."""
    cues, errors = check_lines(lines, video.duration)
    if errors:
        # Keep the choice offered after a conflict across this round trip, or the next save reports it again.
        if version != version_of(transcript):
            confirmed = request.POST.get("confirmed_version") == version_of(transcript)
            problem = "" if confirmed else _conflict_message(transcript)
            return None, _Outcome(errors=errors, problem=problem, conflict=True)
        return None, _Outcome(errors=errors)
    cues, clipped = clip_overlaps(cues)
    with transaction.atomic():
        # Lock both rows for the check-then-write (PostgreSQL; SQLite's write lock serialises saves anyway).
        list(Transcript.objects.select_for_update().filter(video=video, language=transcript.language))
        current = version_of(transcript)
        confirmed = request.POST.get("overwrite") == "on" and request.POST.get("confirmed_version") == current
        if version != current and not confirmed:
            return None, _Outcome(errors=[], problem=_conflict_message(transcript), conflict=True)
        human = _stored_as(transcript)
        replacing = transcript.source == TranscriptSource.MACHINE and human is not None
        if replacing and request.POST.get("replace_human") != "on":
            return None, _Outcome(
                errors=[],
                problem=_(
                    "A transcript written by a person already exists in %(language)s. Tick “Replace the "
                    "transcript written by a person with these lines” to replace it, or edit that "
                    "transcript instead."
                )
                % {"language": language_name(transcript.language)},
            )
        saved = save_transcript(
            video, cues, source=TranscriptSource.HUMAN, language=transcript.language, reviewed=reviewed
        )
    count = len(cues)
    values = {"count": count, "language": language_name(transcript.language)}
    if transcript.source == TranscriptSource.MACHINE:
        message = ngettext(
            "Your corrections were saved as the %(language)s transcript written by a person (%(count)d line). "
            "The speech recognition transcript is kept as it was.",
            "Your corrections were saved as the %(language)s transcript written by a person (%(count)d lines). "
            "The speech recognition transcript is kept as it was.",
            count,
        )
    else:
        message = ngettext(
            "The %(language)s transcript was saved: %(count)d line.",
            "The %(language)s transcript was saved: %(count)d lines.",
            count,
        )
    messages.success(request, message % values)
    if clipped:
        messages.info(
            request,
            ngettext(
                "%(count)d line ran up to half a second into the next one: it now ends where the next one starts.",
                "%(count)d lines ran up to half a second into the next one: they now end where the next one starts.",
                len(clipped),
            )
            % {"count": len(clipped)},
        )
    return saved, _Outcome(errors=[])


def _conflict_message(transcript: Transcript) -> str:
    latest = (
        Transcript.objects.filter(video_id=transcript.video_id, language=transcript.language)
        .order_by("-updated_at")
        .values_list("updated_at", flat=True)
        .first()
    )
    moment = timezone.localtime(latest).strftime("%H:%M %d/%m/%Y") if latest else "?"
    return _(
        "Someone else saved this transcript (at %(moment)s) after you opened it. Your changes were NOT saved; "
        "they are still below. To keep yours and replace the other version, tick “Replace the other version "
        "with mine” and save again. To see the other version first, open the captions screen in a new tab."
    ) % {"moment": moment}


def editor_urls() -> list[URLPattern]:
    """The admin URL of this screen (registered in media/wagtail_hooks.py)."""
    return [
        path("media/videos/<int:pk>/captions/<int:transcript_pk>/edit/", editor_view, name="media_captions_edit"),
    ]
