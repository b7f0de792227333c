"""The life of a Video from upload to ready: validation, queueing, processing, retries, recovery.

State visible to editors (progress, time left, errors in Vietnamese) lives on the Video, not in the
task queue. A job is claimed with an atomic UPDATE (queued → processing), so two workers never
process the same video; a job killed mid-way leaves a heartbeat that goes stale, and
`requeue_stalled` puts it back in the queue, up to VIDEO_MAX_ATTEMPTS attempts.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from media.models import Rendition, Video
from media.probe import MediaRejected, Probe, read_probe, validate
from media.states import State
from media.transcode import TranscodeError, TranscodeStalled, delete_folder, publish_folder, transcode

logger = logging.getLogger(__name__)

PROGRESS_SAVE_SECONDS = 2.0


def local_original(video: Video) -> Path:
    """A local path to the original for ffmpeg (the storage's own path when it is on this disk)."""
    try:
        return Path(default_storage.path(video.original.name))
    except NotImplementedError:  # remote storage: ffmpeg reads it over HTTP(S) from the storage URL
        return Path(video.original.url)


def create_video(source: Path, *, title: str, original_name: str = "", user=None, move: bool = False) -> Video:
    """Keep `source` as a new Video's original, check it, and queue it for processing.

    A file ffprobe refuses is kept all the same (the editor may download it or replace it), with the
    reason in Vietnamese and state "failed"; nothing of it is ever shown to viewers.
    """
    video = Video(title=title, original_name=original_name or source.name, uploaded_by=user)
    name = original_name or source.name
    if move and hasattr(default_storage, "path"):
        target = Path(default_storage.path(Video._meta.get_field("original").generate_filename(video, name)))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(source), str(target))
        video.original.name = str(target.relative_to(Path(default_storage.path(""))).as_posix())
    else:
        with source.open("rb") as handle:
            video.original.save(name, File(handle), save=False)
    video.size_bytes = video.original.size
    video.save()
    check_and_queue(video)
    return video


def check_and_queue(video: Video) -> Video:
    try:
        probe = validate(local_original(video))
    except MediaRejected as rejected:
        video.move_to(State.FAILED, error=str(rejected.message))
        logger.info("video %s rejected: %s", video.pk, rejected)
        return video
    store_probe(video, probe)
    queue(video)
    return video


def store_probe(video: Video, probe: Probe) -> None:
    video.probe = probe.raw
    video.duration = probe.duration
    video.width = probe.display_width or None
    video.height = probe.display_height or None
    video.audio_only = probe.audio_only
    video.save(update_fields=["probe", "duration", "width", "height", "audio_only"])


def queue(video: Video, *, reset_attempts: bool = True) -> None:
    """Queue (or requeue) processing; the task is enqueued once the transaction commits."""
    from media.tasks import transcode_video

    fields: dict[str, object] = {"progress": 0, "eta_seconds": None, "error": ""}
    if reset_attempts:
        fields["attempts"] = 0
    video.move_to(State.QUEUED, **fields)
    transaction.on_commit(lambda: transcode_video.enqueue(video.pk))


def claim(video_id: int) -> Video | None:
    """Take a queued video for processing; None when it is not (or no longer) queued."""
    now = timezone.now()
    claimed = Video.objects.filter(pk=video_id, state=State.QUEUED).update(
        state=State.PROCESSING,
        attempts=F("attempts") + 1,
        progress=0,
        eta_seconds=None,
        processing_heartbeat=now,
        processing_started_at=now,
    )
    return Video.objects.get(pk=video_id) if claimed else None


class ProgressReporter:
    """Saves progress, time left and a heartbeat at most every couple of seconds."""

    def __init__(self, video: Video) -> None:
        self.video = video
        self.started = time.monotonic()
        self.last_save = 0.0

    def __call__(self, seconds_done: float) -> None:
        now = time.monotonic()
        if now - self.last_save < PROGRESS_SAVE_SECONDS:
            return
        self.last_save = now
        duration = self.video.duration or 0
        percent = min(99.0, 100.0 * seconds_done / duration) if duration else 0.0
        elapsed = now - self.started
        eta = int(elapsed * (100.0 - percent) / percent) if percent > 1 else None
        Video.objects.filter(pk=self.video.pk, state=State.PROCESSING).update(
            progress=round(percent, 1), eta_seconds=eta, processing_heartbeat=timezone.now()
        )


def process(video_id: int) -> str:
    """Transcode a queued video. Returns the state it ends in."""
    video = claim(video_id)
    if video is None:
        return "skipped"
    work = Path(settings.MEDIA_WORK_DIR) / f"{video.key}-{video.attempts}"
    try:
        probe = read_probe(video.probe) if video.probe else validate(local_original(video))
        if not video.probe:
            store_probe(video, probe)
        outputs = transcode(local_original(video), probe, work, on_progress=ProgressReporter(video))
        prefix = f"videos/{video.key}/hls-{video.attempts}-{secrets.token_hex(4)}"
        publish_folder(outputs.folder, prefix)
    except (MediaRejected, TranscodeError) as failure:
        shutil.rmtree(work, ignore_errors=True)
        message = (
            failure.message
            if isinstance(failure, MediaRejected)
            else _("The conversion failed. The original is kept; an administrator can see the details in the log.")
        )
        logger.warning("transcode of video %s failed: %s", video.pk, failure)
        video.refresh_from_db()
        video.move_to(State.FAILED, error=str(message), eta_seconds=None)
        return State.FAILED
    except TranscodeStalled as stalled:
        shutil.rmtree(work, ignore_errors=True)
        logger.warning("transcode of video %s stalled: %s", video.pk, stalled)
        video.refresh_from_db()
        return retry_or_fail(video, _("The conversion stopped making progress."))
    previous = video.output_dir
    with transaction.atomic():
        video.refresh_from_db()
        video.renditions.all().delete()
        Rendition.objects.bulk_create(
            Rendition(
                video=video,
                playlist=f"{prefix}/{item['playlist']}",
                **{key: value for key, value in item.items() if key != "playlist"},
            )
            for item in outputs.renditions
        )
        video.move_to(
            State.READY,
            output_dir=prefix,
            poster=f"{prefix}/{outputs.poster}",
            storyboard=f"{prefix}/{outputs.storyboard}" if outputs.storyboard else "",
            progress=100,
            eta_seconds=None,
            error="",
            processed_at=timezone.now(),
        )
    if previous and previous != prefix:
        delete_folder(previous)
    return State.READY


def retry_or_fail(video: Video, reason: str) -> str:
    if video.attempts < settings.VIDEO_MAX_ATTEMPTS:
        queue(video, reset_attempts=False)
        return State.QUEUED
    video.move_to(
        State.FAILED,
        error=_("%(reason)s It was tried %(count)d times; the original is kept and it can be retried by hand.")
        % {"reason": reason, "count": video.attempts},
        eta_seconds=None,
    )
    return State.FAILED


def requeue_stalled() -> list[int]:
    """Find videos whose processing died (no heartbeat for VIDEO_STALE_AFTER_SECONDS) and retry them."""
    limit = timezone.now() - timedelta(seconds=settings.VIDEO_STALE_AFTER_SECONDS)
    requeued = []
    for video in Video.objects.filter(state=State.PROCESSING, processing_heartbeat__lt=limit):
        with transaction.atomic():
            retry_or_fail(video, _("The conversion was interrupted (the server or its worker stopped)."))
        requeued.append(video.pk)
    return requeued


def retry(video: Video) -> None:
    """Retry by hand (from the admin or a command): a failed or finished video is processed again."""
    queue(video)


def delete_video(video: Video) -> None:
    """Delete a video and every file stored for it: original, outputs, everything under its folder."""
    key = video.key
    if video.original:
        video.original.delete(save=False)
    video.delete()
    delete_folder(f"videos/{key}")
