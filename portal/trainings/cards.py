"""What a training's card shows besides its text, as in a video archive: the poster of its first playable part,
how long its recordings last and in how many parts, and how much of them the signed-in person has watched.

`recordings_for` answers for a whole listing in two queries (the parts with their videos, then the person's
saved positions), however many trainings it holds; `attach_recordings` sets the answer on each training as
``page.recordings``, which templates/components/page_card.html reads. Only parts whose recording plays count
(``Video.has_outputs``): a part still being converted for the first time cannot be watched yet.

Watched time comes from the positions the player saves (media.PlaybackPosition). A part counts as watched to
the end by the rule the player uses not to offer resuming (the last 10 seconds or 5 %), so a viewer who
stopped during the closing words has finished it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext, ngettext

from media.models import PlaybackPosition
from portal.trainings.models import RecordingPart, TrainingPage

# A position this close to the start is a click on play, not watching (as in the player's worthResuming).
STARTED_AFTER_SECONDS = 1.0


def duration_words(seconds: float) -> str:
    """A length as people say it: "45 giây", "12 phút", "1 giờ 25 phút", "2 giờ" (whole minutes past a minute)."""
    if seconds < 59.5:
        return gettext("%(seconds)d sec") % {"seconds": max(1, round(seconds))}
    hours, minutes = divmod(round(seconds / 60), 60)
    if not hours:
        return gettext("%(minutes)d min") % {"minutes": minutes}
    if not minutes:
        return gettext("%(hours)d h") % {"hours": hours}
    return gettext("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}


def is_finished(seconds: float, duration: float) -> bool:
    """Whether a part stopped at `seconds` was watched to its end (the player's rule, mirrored)."""
    return seconds >= duration - min(10.0, duration * 0.05)


@dataclass
class PartProgress:
    number: int  # as the player counts parts: every part of the training, in order, from 1
    duration: float
    seconds: float = 0.0  # where the person stopped; 0 when never
    updated_at: datetime.datetime | None = None

    @property
    def finished(self) -> bool:
        return bool(self.duration) and self.seconds > 0 and is_finished(self.seconds, self.duration)

    @property
    def watched_seconds(self) -> float:
        return self.duration if self.finished else min(self.seconds, self.duration)


@dataclass
class Recordings:
    """A training's playable recordings, as its card shows them, for one person."""

    parts: list[PartProgress] = field(default_factory=list)
    poster_url: str = ""

    @property
    def available(self) -> bool:
        return bool(self.parts)

    @property
    def part_count(self) -> int:
        return len(self.parts)

    @property
    def seconds(self) -> float:
        return sum(part.duration for part in self.parts)

    @property
    def duration_label(self) -> str:
        return duration_words(self.seconds) if self.seconds else ""

    @property
    def parts_label(self) -> str:
        return ngettext("%(count)d part", "%(count)d parts", self.part_count) % {"count": self.part_count}

    @property
    def started(self) -> bool:
        return any(part.seconds >= STARTED_AFTER_SECONDS or part.finished for part in self.parts)

    @property
    def finished(self) -> bool:
        return self.available and all(part.finished for part in self.parts)

    @property
    def in_progress(self) -> bool:
        return self.started and not self.finished

    @property
    def percent_watched(self) -> int:
        """0 to 100; never 0 once started nor 100 before every part is finished, so the bar tells the truth."""
        if self.finished:
            return 100
        if not self.started or not self.seconds:
            return 0
        percent = round(100 * sum(part.watched_seconds for part in self.parts) / self.seconds)
        return min(max(percent, 1), 99)

    @property
    def last_watched(self) -> datetime.datetime | None:
        moments = [part.updated_at for part in self.parts if part.updated_at and part.seconds > 0]
        return max(moments) if moments else None

    @property
    def resume_part(self) -> int:
        """The part to open to go on watching: the last one watched if unfinished, else the next unfinished one."""
        unfinished = [part for part in self.parts if not part.finished]
        if not unfinished:
            return self.parts[0].number if self.parts else 1
        watched = [part for part in self.parts if part.updated_at and part.seconds > 0]
        if not watched:
            return unfinished[0].number
        latest = max(watched, key=lambda part: part.updated_at or datetime.datetime.min)
        if not latest.finished:
            return latest.number
        after = [part for part in unfinished if part.number > latest.number]
        return (after or unfinished)[0].number


def recordings_for(page_ids: Iterable[int], user: Any) -> dict[int, Recordings]:
    """Each training's Recordings for `user`: two queries for any number of trainings."""
    ids = set(page_ids)
    found: dict[int, Recordings] = {page_id: Recordings() for page_id in ids}
    if not ids:
        return found
    parts = (
        RecordingPart.objects.filter(page_id__in=ids)
        .select_related("video")
        .only("page", "sort_order", "video", "video__key", "video__duration", "video__output_dir", "video__poster")
        .order_by("page_id", "sort_order", "pk")
    )
    numbers: dict[int, int] = {}
    by_video: dict[int, list[PartProgress]] = {}
    for part in parts:
        number = numbers[part.page_id] = numbers.get(part.page_id, 0) + 1
        video = part.video
        if not video.has_outputs:
            continue
        recordings = found[part.page_id]
        progress = PartProgress(number=number, duration=video.duration or 0.0)
        recordings.parts.append(progress)
        by_video.setdefault(video.pk, []).append(progress)
        if not recordings.poster_url and video.poster:
            recordings.poster_url = video.output_url(video.poster)
    if by_video and user is not None and user.is_authenticated:
        positions = PlaybackPosition.objects.filter(user=user, video_id__in=by_video).values_list(
            "video_id", "seconds", "updated_at"
        )
        for video_id, seconds, updated_at in positions:
            for progress in by_video[video_id]:
                progress.seconds, progress.updated_at = seconds, updated_at
    return found


def attach_recordings(pages: Iterable[Any], user: Any) -> None:
    """Set ``recordings`` on each training among `pages` (other pages are left alone)."""
    trainings: list[Any] = [page for page in pages if isinstance(page, TrainingPage)]
    found = recordings_for((page.pk for page in trainings), user)
    for page in trainings:
        page.recordings = found[page.pk]
