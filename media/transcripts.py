"""Transcripts of recording parts: saving them, choosing the one to show, and cutting it into timed windows
for search.

Human and machine transcripts of the same part and language are both kept (one Transcript per video,
language and source); nothing refuses a machine run, it simply never touches the human rows. Readers take
the preferred one: reviewed human, then human, then reviewed machine, then machine. Keeping both loses
nothing (a machine draft stays available to compare or to start an edit from) and needs no rule about who
may write when.

Every change goes through `save_transcript` or `delete_transcript`, which send
`media.signals.transcript_changed` inside their transaction (see that module for why).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from media.captions import TimedText
from media.models import Segment, Transcript, TranscriptSource, Video
from media.signals import transcript_changed

DEFAULT_LANGUAGE = "vi"
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*")
_SPACES = re.compile(r"\s+")
# A sentence ends with . ! ? or … possibly followed by closing quotes or brackets.
_SENTENCE_END = re.compile("[.!?\u2026][\"'\u201d\u2019\u00bb)\\]]*$")


@dataclass(frozen=True)
class Window:
    """About 20-40 s of a transcript: consecutive cues merged, from the first one's start to the last one's end."""

    start: float
    end: float
    text: str


def save_transcript(
    video: Video,
    segments: Iterable[TimedText],
    *,
    source: str,
    language: str = DEFAULT_LANGUAGE,
    reviewed: bool = False,
) -> Transcript:
    """Replace the segments of `video`'s transcript from `source` in `language` (creating it if needed),
    atomically, and send `transcript_changed`. Transcripts from the other source are left alone.

    Texts are stored NFC with runs of white space made one space; segments without text are dropped.
    Raises ValueError for an unknown source or language code, or a segment ending before it starts."""
    if source not in TranscriptSource.values:
        raise ValueError(f"unknown transcript source {source!r}")
    language = _language(language)
    rows = _rows(segments)
    with transaction.atomic():
        transcript, _ = Transcript.objects.update_or_create(
            video=video, language=language, source=source, defaults={"reviewed": reviewed}
        )
        transcript.segments.all().delete()
        Segment.objects.bulk_create(
            Segment(transcript=transcript, start=start, end=end, text=text) for start, end, text in rows
        )
        transcript_changed.send(sender=Transcript, video=video, language=language, source=source)
    return transcript


def delete_transcript(video: Video, *, source: str, language: str = DEFAULT_LANGUAGE) -> bool:
    """Delete `video`'s transcript from `source` in `language` with its segments; send
    `transcript_changed` when there was one. Returns whether there was."""
    language = _language(language)
    with transaction.atomic():
        deleted, _ = Transcript.objects.filter(video=video, language=language, source=source).delete()
        if deleted:
            transcript_changed.send(sender=Transcript, video=video, language=language, source=source)
    return bool(deleted)


def preferred_transcript(video: Video, language: str | None = None) -> Transcript | None:
    """The transcript to show and index: among those with at least one segment (in `language`, or with
    Vietnamese first when None), reviewed human, then human, then reviewed machine, then machine."""
    transcripts = Transcript.objects.filter(video=video, segments__isnull=False).distinct()
    if language is not None:
        transcripts = transcripts.filter(language=_language(language))
    ranked = sorted(
        transcripts,
        key=lambda t: (t.language != DEFAULT_LANGUAGE, t.source != TranscriptSource.HUMAN, not t.reviewed, t.pk),
    )
    return ranked[0] if ranked else None


def has_transcript(video: Video) -> bool:
    """Whether any transcript of `video` has something in it."""
    return Segment.objects.filter(transcript__video=video).exists()


def windows(video: Video, min_seconds: float = 20, max_seconds: float = 40) -> list[Window]:
    """The preferred transcript of `video` cut into timed windows for search (empty without one)."""
    transcript = preferred_transcript(video)
    if transcript is None:
        return []
    return merge_into_windows(transcript.segments.order_by("start", "id"), min_seconds, max_seconds)


def merge_into_windows(segments: Iterable[TimedText], min_seconds: float = 20, max_seconds: float = 40) -> list[Window]:
    """Consecutive segments merged into windows of about `min_seconds` to `max_seconds`.

    A segment is never split: one longer than `max_seconds` is a window of its own. A window closes at the
    first sentence end once it spans `min_seconds`, otherwise before the segment that would take it past
    `max_seconds` (pauses count: a long silence closes a window). A last window shorter than
    `min_seconds` joins the previous one when the two fit in `max_seconds`."""
    groups: list[list[TimedText]] = []
    current: list[TimedText] = []
    for segment in segments:
        if current:
            span = current[-1].end - current[0].start
            if segment.end - current[0].start > max_seconds or (
                span >= min_seconds and _SENTENCE_END.search(current[-1].text.rstrip())
            ):
                groups.append(current)
                current = []
        current.append(segment)
    if current:
        if (
            groups
            and current[-1].end - current[0].start < min_seconds
            and current[-1].end - groups[-1][0].start <= max_seconds
        ):
            groups[-1].extend(current)
        else:
            groups.append(current)
    return [
        Window(
            start=group[0].start,
            end=max(segment.end for segment in group),
            text=" ".join(segment.text for segment in group if segment.text),
        )
        for group in groups
    ]


def _language(code: str) -> str:
    code = code.strip().lower().replace("_", "-")
    if not _LANGUAGE.fullmatch(code):
        raise ValueError(f"not a language code: {code!r}")
    return code


def _rows(segments: Iterable[TimedText]) -> list[tuple[float, float, str]]:
    rows = []
    for segment in segments:
        start, end = float(segment.start), float(segment.end)
        if not (math.isfinite(start) and math.isfinite(end)) or start < 0 or end < start:
            raise ValueError(f"segment {segment.text!r} runs from {start} to {end}")
        text = unicodedata.normalize("NFC", _SPACES.sub(" ", segment.text).strip())
        if text:
            rows.append((start, end, text))
    return sorted(rows, key=lambda row: row[0])
