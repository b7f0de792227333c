"""Bulk import of archived recordings (`manage.py import_recordings`): find the files, make a Video of
each, optionally process them at once and gather them as the parts of a draft training page.

Files are found by extension (so a folder of slides and scans is not fed to ffprobe file by file), but
the extension decides nothing more: ffprobe's validation does, and a document renamed ".mp4" fails
with the same message as in the admin. The archive disks hold the originals, so files are always
copied into storage, never moved or touched — and a file ffprobe refuses is checked where it lies and not
copied at all: its failed Video keeps the reason, not gigabytes nobody can use.

Captions next to a recording come in with it: `lecture.vi.srt`, `lecture.en.vtt` or plain `lecture.srt`
(Vietnamese) beside `lecture.mp4` become its human transcripts. A caption file we cannot read is reported
and skipped; the recording is imported all the same.

The one place media/ reaches into the site is `attach_to_training`, and it does so through the app
registry rather than an import, so media/ still imports nothing from portal/.
"""

from __future__ import annotations

import os
import re
import time
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from media import processing
from media.captions import CaptionError, parse_captions
from media.models import Transcript, TranscriptSource, Video
from media.probe import MediaRejected, validate
from media.states import State
from media.titles import title_from_filename
from media.transcripts import DEFAULT_LANGUAGE, save_transcript

VIDEO_EXTENSIONS = frozenset(
    {
        "3gp", "asf", "avi", "dv", "flv", "m2t", "m2ts", "m4v", "mkv", "mov", "mp4", "mpeg", "mpg", "mts",
        "mxf", "ogv", "ts", "vob", "webm", "wmv",
    }
)  # fmt: skip
AUDIO_EXTENSIONS = frozenset(
    {"aac", "aif", "aiff", "amr", "flac", "m4a", "mp3", "oga", "ogg", "opus", "wav", "wma"}
)  # fmt: skip
MEDIA_EXTENSIONS = VIDEO_EXTENSIONS | AUDIO_EXTENSIONS
CAPTION_EXTENSIONS = ("vtt", "srt")  # in order of preference when both give the same language
_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*")

WAIT_POLL_SECONDS = 2.0


@dataclass(frozen=True)
class Sidecar:
    """A caption file beside a recording, and the language its name gives (Vietnamese without a tag)."""

    path: Path
    language: str
    tagged: bool


@dataclass
class CaptionOutcome:
    """What became of one caption file: attached (with its number of lines), refused (why), or not used
    because another file already gave the captions in its language."""

    file: Path
    language: str
    segments: int = 0
    error: str = ""
    unused: bool = False

    @property
    def attached(self) -> bool:
        return not self.error and not self.unused


@dataclass
class ImportResult:
    """What became of one file: a Video (in whatever state it reached), or a reason none was made."""

    file: Path
    video: Video | None = None
    error: str = ""
    captions: list[CaptionOutcome] = field(default_factory=list)
    transcription: str = ""  # see request_transcription; "" when not asked for or not needed

    @property
    def state(self) -> str:
        return str(self.video.state) if self.video is not None else str(State.FAILED)

    @property
    def failed(self) -> bool:
        return self.state == State.FAILED

    @property
    def heights(self) -> list[int]:
        """Heights of the picture rungs of a ready video ([] for audio only or not processed yet)."""
        if self.video is None:
            return []
        heights = self.video.renditions.exclude(height=None).values_list("height", flat=True)
        return sorted(height for height in heights if height is not None)

    def as_json(self) -> dict[str, Any]:
        video = self.video
        return {
            "file": str(self.file),
            "video_id": video.pk if video is not None else None,
            "state": self.state,
            "error": (video.error if video is not None else self.error) or None,
            "duration": round(video.duration, 3) if video is not None and video.duration is not None else None,
            "heights": self.heights,
            "audio_only": bool(video and video.audio_only),
            "master_url": (video.master_url or None) if video is not None else None,
            "captions": captions_of(video) if video is not None else [],
        }


def captions_of(video: Video) -> list[dict[str, Any]]:
    """The transcripts a recording has, Vietnamese and people's work first: language, source, number of lines."""
    transcripts = Transcript.objects.filter(video=video).annotate(count=Count("segments"))
    rows = sorted(
        transcripts, key=lambda t: (t.language != DEFAULT_LANGUAGE, t.language, t.source != TranscriptSource.HUMAN)
    )
    return [{"lang": t.language, "source": t.source, "segments": t.count} for t in rows]


def natural_key(text: str) -> list[int | str]:
    """Sort key under which "phan 2" comes before "phan 10" (and case does not matter)."""
    pieces = re.split(r"(\d+)", unicodedata.normalize("NFC", text).casefold())
    return [int(piece) if index % 2 else piece for index, piece in enumerate(pieces)]


def _path_key(path: Path) -> list[list[int | str]]:
    return [natural_key(part) for part in path.parts]


def is_media_name(name: str) -> bool:
    return not name.startswith(".") and Path(name).suffix.lower().lstrip(".") in MEDIA_EXTENSIONS


def find_recordings(paths: Iterable[Path]) -> list[Path]:
    """The files to import, in order: each argument in turn, a folder's media files (recursively, hidden
    files and folders left out) in natural order. A file named on the command line is taken whatever its
    extension, and a path that does not exist is kept so that it can be reported."""
    found: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            inside = []
            for folder, subfolders, names in os.walk(path):
                subfolders[:] = [name for name in subfolders if not name.startswith(".")]
                inside += [Path(folder, name) for name in names if is_media_name(name)]
            candidates = sorted(inside, key=lambda item: _path_key(item.relative_to(path)))
        else:
            candidates = [path]
        for candidate in candidates:
            identity = candidate.resolve()
            if identity not in seen:
                seen.add(identity)
                found.append(candidate)
    return found


def find_sidecars(recording: Path) -> list[Sidecar]:
    """The caption files beside `recording`: same base name (any case), then an optional language tag, then
    .vtt or .srt ("lecture.vi.srt", "lecture.srt"). In the order to try them: by language, a tagged name
    before an untagged one, WebVTT before SRT."""
    stem = unicodedata.normalize("NFC", recording.stem).casefold()
    try:
        names = os.listdir(recording.parent)
    except OSError:
        return []
    found = []
    for name in names:
        clean = unicodedata.normalize("NFC", name)
        base, dot, extension = clean.rpartition(".")
        if clean.startswith(".") or not dot or extension.lower() not in CAPTION_EXTENSIONS:
            continue
        if base.casefold() == stem:
            found.append(Sidecar(recording.parent / name, DEFAULT_LANGUAGE, tagged=False))
            continue
        inner, dot, tag = base.rpartition(".")
        tag = tag.lower().replace("_", "-")
        if dot and inner.casefold() == stem and _LANGUAGE_TAG.fullmatch(tag):
            found.append(Sidecar(recording.parent / name, tag, tagged=True))
    return sorted(
        found,
        key=lambda sidecar: (
            sidecar.language != DEFAULT_LANGUAGE,
            sidecar.language,
            not sidecar.tagged,
            CAPTION_EXTENSIONS.index(sidecar.path.suffix.lower().lstrip(".")),
            sidecar.path.name,
        ),
    )


def attach_sidecars(video: Video, recording: Path) -> list[CaptionOutcome]:
    """Save each language's first readable caption file beside `recording` as `video`'s human transcript."""
    outcomes = []
    attached: set[str] = set()
    for sidecar in find_sidecars(recording):
        if sidecar.language in attached:
            outcomes.append(CaptionOutcome(sidecar.path, sidecar.language, unused=True))
            continue
        try:
            cues = parse_captions(sidecar.path.read_bytes())
        except CaptionError as error:
            outcomes.append(CaptionOutcome(sidecar.path, sidecar.language, error=str(error)))
            continue
        except OSError as error:
            reason = _("The file cannot be read: %(error)s") % {"error": error.strerror or error}
            outcomes.append(CaptionOutcome(sidecar.path, sidecar.language, error=reason))
            continue
        if not cues:
            reason = _("The file has no caption with text in it.")
            outcomes.append(CaptionOutcome(sidecar.path, sidecar.language, error=reason))
            continue
        transcript = save_transcript(video, cues, source=TranscriptSource.HUMAN, language=sidecar.language)
        attached.add(sidecar.language)
        outcomes.append(CaptionOutcome(sidecar.path, sidecar.language, segments=transcript.segments.count()))
    return outcomes


def request_transcription(video: Video, *, user: Any = None) -> str:
    """Queue speech recognition for `video`: "requested"; "declined" when media.transcription will not (no
    model set up, no sound); "unavailable" where this installation has no speech recognition at all.

    media.transcription (and numpy with it) is imported only when asked for, so importing works without it."""
    try:
        from media.transcription import request_transcription as request
    except ImportError:
        return "unavailable"
    return "requested" if request(video, user=user) else "declined"


def import_file(path: Path, *, user: Any = None) -> ImportResult:
    """Check one file where it lies, then copy it into a new Video, queued. A file ffprobe refuses is not
    copied: its Video is failed with the reason and holds no byte of it (the archive keeps the original)."""
    if not path.exists():
        return ImportResult(path, error=_("The file or folder does not exist."))
    if not path.is_file():
        return ImportResult(path, error=_("This is not a regular file."))
    name = unicodedata.normalize("NFC", path.name)
    title = title_from_filename(name)
    try:
        try:
            probe = validate(path)
        except MediaRejected as rejected:
            return ImportResult(
                path, video=processing.record_refusal(path, rejected, title=title, original_name=name, user=user)
            )
        video = processing.create_video(path, title=title, original_name=name, user=user, probe=probe)
    except OSError as error:
        return ImportResult(path, error=_("The file cannot be read: %(error)s") % {"error": error.strerror or error})
    return ImportResult(path, video=video)


def wait_for(video: Video) -> Video:
    """Process a queued video in this process and return it in its final state.

    If a worker claimed it first, wait for the worker; a worker that died leaves a stale heartbeat,
    and `requeue_stalled` gives the job back so that this process can take it.
    """
    while True:
        if processing.process(video.pk) != "skipped":
            break
        video.refresh_from_db()
        if video.state not in (State.QUEUED, State.PROCESSING):
            break
        time.sleep(WAIT_POLL_SECONDS)
        processing.requeue_stalled()
    video.refresh_from_db()
    return video


def import_files(
    files: Iterable[Path], *, user: Any = None, wait: bool = False, transcribe: bool = False
) -> Iterator[ImportResult]:
    """Import each file in turn with the captions beside it (processing it at once with `wait`, and asking
    for speech recognition of those without captions with `transcribe`), yielding each outcome as it is
    known."""
    for path in files:
        result = import_file(path, user=user)
        if result.video is not None:
            result.captions = attach_sidecars(result.video, path)
        if wait and result.video is not None and result.video.state == State.QUEUED:
            result.video = wait_for(result.video)
        video = result.video
        if transcribe and video is not None and not result.failed and not video.transcripts.exists():
            result.transcription = request_transcription(video, user=user)
        yield result


def training_index() -> Any:
    index_model = apps.get_model("trainings", "TrainingIndexPage")
    return index_model.objects.first()


def attach_to_training(title: str, videos: list[Video], *, user: Any = None) -> Any:
    """Add the videos, in order, as recording parts of the draft training page titled `title`.

    The page is created under the training index, or the one with exactly that title there is reused.
    Nothing is published: a live page gets a new draft revision, which an editor reviews and publishes.
    Parts are titled "Part 1", "Part 2"... only when the page ends up with several.
    """
    page_model = apps.get_model("trainings", "TrainingPage")
    part_model = apps.get_model("trainings", "RecordingPart")
    index = training_index()
    if index is None:
        raise LookupError("no training index page")
    existing = page_model.objects.child_of(index).filter(Q(title=title) | Q(draft_title=title)).order_by("pk").first()
    with transaction.atomic():
        if existing is None:
            page = page_model(title=title, live=False, owner=user)
        else:
            page = existing.get_latest_revision_as_object()
        parts = list(page.parts.all())
        for video in videos:
            parts.append(part_model(video=video, title=""))
        for position, part in enumerate(parts, start=1):
            part.sort_order = position - 1
            if len(parts) > 1 and not part.title:
                part.title = _("Part %(number)d") % {"number": position}
        page.parts = parts
        if existing is None:
            index.add_child(instance=page)
            page.save_revision(user=user, log_action="wagtail.create")
        else:
            if not page.live:
                page.save()  # a draft's own row follows its latest revision, as when edited in the admin
            page.save_revision(user=user, log_action=True)
    return page
