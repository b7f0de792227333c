"""The life of a Video from upload to ready: validation, queueing, processing, retries, recovery.

State visible to editors (progress, time left, errors in Vietnamese) lives on the Video, not in the
task queue. A job is claimed with an atomic UPDATE (queued → processing), so two workers never
process the same video; a job killed mid-way leaves a heartbeat that goes stale, and
`requeue_stalled` puts it back in the queue, up to VIDEO_MAX_ATTEMPTS attempts: after
WORKER_DEAD_AFTER_SECONDS when the worker that claimed it is known dead (its own heartbeat stopped too),
after VIDEO_STALE_AFTER_SECONDS otherwise. A live worker keeps its jobs' heartbeats fresh however slow they
are (media.workers.keep_alive), so a job still running is never run twice. Work folders no running job owns
(a killed worker's) are removed by `sweep_work_dir`, when workers start and in their housekeeping.

Claiming, heartbeat, progress, retries and giving up are media/jobs.py's, shared with transcription: every write
of a conversion is fenced on the video as its attempt claimed it, so a slow worker whose video was handed to
another stops at its next write and never publishes over the other's work.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from media import children, files, jobs, workdir
from media.models import Rendition, UploadSession, Video
from media.probe import MediaRejected, Probe, read_probe, validate
from media.states import State
from media.transcode import (
    Outputs,
    TranscodeError,
    TranscodeKilled,
    TranscodeStalled,
    delete_folder,
    publish_folder,
    transcode,
)

logger = logging.getLogger(__name__)

COPY_BLOCK_BYTES = 8 * 1024 * 1024


@contextlib.contextmanager
def local_original(video: Video, on_alive: Callable[[], None] | None = None) -> Iterator[Path]:
    """A path on this disk to the original, for ffprobe and ffmpeg.

    On the local filesystem storage, the stored file itself. On remote storage (S3 through
    django-storages), a copy downloaded into MEDIA_WORK_DIR for the time of the block, then deleted:
    ffmpeg cannot read a storage name, and a URL would need credentials or a signature. `on_alive` is called
    after each block downloaded (a job's heartbeat, through its lease: a job taken back stops there).
    """
    if isinstance(default_storage, FileSystemStorage):
        yield Path(default_storage.path(video.original.name))
        return
    folder = Path(settings.MEDIA_WORK_DIR) / "originals"
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / f"{video.key}-{secrets.token_hex(4)}{PurePosixPath(video.original.name).suffix.lower()}"
    try:
        with default_storage.open(video.original.name, "rb") as stored, copy.open("wb") as local:
            while block := stored.read(COPY_BLOCK_BYTES):
                local.write(block)
                if on_alive is not None:
                    on_alive()
        yield copy
    finally:
        copy.unlink(missing_ok=True)


def stored_locally() -> bool:
    """Whether storage is this machine's disk rather than remote (S3)."""
    return isinstance(default_storage, FileSystemStorage)


def create_video(
    source: Path, *, title: str, original_name: str = "", user=None, move: bool = False, probe: Probe | None = None
) -> Video:
    """Keep `source` as a new Video's original, check it (unless `probe` says it was checked), and queue it for
    processing.

    A file ffprobe refuses is kept all the same (the editor may download it or replace it), with the
    reason in Vietnamese and state "failed"; nothing of it is ever shown to viewers. An import, whose
    originals stay on the archive's disk, keeps no copy of a refused file: see `record_refusal`.
    """
    video = Video(title=title, original_name=original_name or source.name, uploaded_by=user)
    name = original_name or source.name
    if move and isinstance(default_storage, FileSystemStorage):
        target = Path(default_storage.path(Video._meta.get_field("original").generate_filename(video, name)))
        files.make_dirs(target.parent)
        shutil.move(str(source), str(target))
        files.share_file(target)
        video.original.name = str(target.relative_to(Path(default_storage.path(""))).as_posix())
    else:
        with source.open("rb") as handle:
            video.original.save(name, File(handle), save=False)
    video.size_bytes = video.original.size
    video.save()
    check_and_queue(video, probe=probe)
    return video


def record_refusal(source: Path, rejected: MediaRejected, *, title: str, original_name: str = "", user=None) -> Video:
    """A failed Video that says why `source` was refused, keeping no byte of it (an import of a 2 GB file that
    is not a recording would otherwise keep a 2 GB copy nobody can use). It has no original: it cannot be
    retried, only deleted; the file is imported again once it is fixed."""
    video = Video(title=title, original_name=original_name or source.name, uploaded_by=user)
    video.size_bytes = source.stat().st_size
    video.save()
    reason = _("%(reason)s The portal kept no copy of this file; the original is still where it was imported from.")
    video.move_to(State.FAILED, error=reason % {"reason": rejected.message})
    logger.info("video %s refused, no copy kept: %s", video.pk, rejected)
    return video


def check_and_queue(video: Video, *, probe: Probe | None = None) -> Video:
    try:
        if probe is None:
            with local_original(video) as path:
                probe = validate(path)
    except MediaRejected as rejected:
        video.move_to(State.FAILED, error=str(rejected.message))
        logger.info("video %s rejected: %s", video.pk, rejected)
        return video
    store_probe(video, probe)
    queue(video)
    return video


def probe_fields(probe: Probe) -> dict[str, object]:
    """What ffprobe's answer sets on a Video."""
    return {
        "probe": probe.raw,
        "duration": probe.duration,
        "width": probe.display_width or None,
        "height": probe.display_height or None,
        "audio_only": probe.audio_only,
    }


def store_probe(video: Video, probe: Probe) -> None:
    fields = probe_fields(probe)
    for name, value in fields.items():
        setattr(video, name, value)
    video.save(update_fields=list(fields))


def queue(video: Video, *, reset_attempts: bool = True, attempts: int | None = None) -> None:
    """Queue (or requeue) processing; the task is enqueued once the transaction commits."""
    from media.tasks import transcode_video

    fields: dict[str, object] = {"progress": 0, "eta_seconds": None, "error": ""}
    if reset_attempts:
        fields["attempts"] = 0
    elif attempts is not None:
        fields["attempts"] = attempts
    video.move_to(State.QUEUED, **fields)
    transaction.on_commit(lambda: transcode_video.enqueue(video.pk))


def claim(video_id: int) -> Video | None:
    """Take a queued video for processing; None when it is not (or no longer) queued."""
    return jobs.claim(jobs.VIDEO, video_id, progress=0, eta_seconds=None)


def ProgressReporter(video: Video) -> jobs.Progress:
    """Progress, time left and heartbeat of the conversion of `video` as claimed (media.jobs.Progress)."""
    return jobs.Progress(jobs.Lease(jobs.VIDEO, video), video.duration or 0)


def process(video_id: int) -> str:
    """Transcode a queued video. Returns the state it ends in ("skipped": not queued, or taken back)."""
    video = claim(video_id)
    if video is None:
        return "skipped"
    lease = jobs.Lease(jobs.VIDEO, video)
    with lease.running():
        return _process(video, lease)


def _process(video: Video, lease: jobs.Lease) -> str:
    """One attempt. Every write goes through `lease`: once the video was handed to another worker, the next
    one raises JobLost and this attempt stops, removing what it made (work folder, published folder) and
    leaving the video's rows to the worker that holds it now."""
    work = workdir.conversion_folder(video.key, video.attempts, video.processing_started_at)
    prefix = f"videos/{video.key}/hls-{video.attempts}-{secrets.token_hex(4)}"
    reporter = jobs.Progress(lease, video.duration or 0)
    try:
        with local_original(video, on_alive=reporter.alive) as source:
            probe = read_probe(video.probe) if video.probe else validate(source)
            if not video.probe:
                lease.write(**probe_fields(probe))
                reporter.total = probe.duration or 0
            outputs = transcode(source, probe, work, on_progress=reporter, on_alive=reporter.alive)
        publish_folder(outputs.folder, prefix, on_alive=reporter.alive)
        previous = _point_to(lease, outputs, prefix)
    except jobs.JobLost as lost:
        shutil.rmtree(work, ignore_errors=True)
        with contextlib.suppress(Exception):
            delete_folder(prefix)  # what this attempt published, if it got that far: never pointed at
        logger.warning("conversion stopped: %s", lost)
        return "skipped"
    except (MediaRejected, TranscodeError) as failure:
        shutil.rmtree(work, ignore_errors=True)
        message = (
            failure.message
            if isinstance(failure, MediaRejected)
            else _("The conversion failed. The original is kept; an administrator can see the details in the log.")
        )
        logger.warning("transcode of video %s failed: %s", video.pk, failure)
        return lease.settle(lambda current: _fail(current, str(message)))
    except TranscodeStalled as stalled:
        shutil.rmtree(work, ignore_errors=True)
        logger.warning("transcode of video %s stalled: %s", video.pk, stalled)
        return lease.settle(lambda current: retry_or_fail(current, _("The conversion stopped making progress.")))
    except TranscodeKilled as killed:
        shutil.rmtree(work, ignore_errors=True)
        logger.warning("transcode of video %s interrupted: %s", video.pk, killed)
        if children.stopping():  # its worker is stopping (SIGTERM): not the file's fault, not an attempt
            return lease.settle(_put_back)
        return lease.settle(
            lambda current: retry_or_fail(
                current, _("The conversion was stopped by the server (for example, out of memory).")
            )
        )
    except Exception:
        # Anything else (a full disk, a storage or database error, a bug): never leave the video
        # "processing" for ever nor its half-made work on the disk or in storage.
        shutil.rmtree(work, ignore_errors=True)
        with contextlib.suppress(Exception):
            delete_folder(prefix)  # whatever part of it a failed publication left in storage
        logger.exception("transcode of video %s failed unexpectedly", video.pk)
        return lease.settle(
            lambda current: retry_or_fail(current, _("The conversion stopped because of an unexpected error."))
        )
    except BaseException:  # the worker is exiting (a second Ctrl-C, SystemExit): no half-made work left behind
        shutil.rmtree(work, ignore_errors=True)
        raise
    if previous and previous != prefix:
        delete_folder(previous)
    return State.READY


def _fail(video: Video, message: str) -> str:
    video.move_to(State.FAILED, error=message, eta_seconds=None)
    return State.FAILED


def _put_back(video: Video) -> str:
    """Queue again without counting this attempt: it was stopped with its worker, it did not fail."""
    queue(video, reset_attempts=False, attempts=max(0, video.attempts - 1))
    return State.QUEUED


def _point_to(lease: jobs.Lease, outputs: Outputs, prefix: str) -> str:
    """Point the video at its newly published outputs, in one transaction on the row as this attempt claimed
    it (JobLost when it was taken back). Returns the folder it pointed at before."""
    with transaction.atomic():
        video = lease.lock()
        previous = video.output_dir
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
    return previous


def retry_or_fail(video: Video, reason: str) -> str:
    return jobs.retry_or_fail(
        video,
        requeue=lambda row: queue(row, reset_attempts=False),
        given_up=lambda count: (
            _("%(reason)s It was tried %(count)d times; the original is kept and it can be retried by hand.")
            % {"reason": reason, "count": count}
        ),
    )


def requeue_stalled() -> list[int]:
    """Retry the conversions whose worker died (workers.requeue_stalled_jobs says which), and ask again for the
    originals whose copy into storage stopped (media.upload.requeue_unstored)."""
    from media.upload import requeue_unstored

    requeued = jobs.requeue_stalled(
        jobs.VIDEO,
        retry=lambda video: retry_or_fail(
            video, _("The conversion was interrupted (the server or its worker stopped).")
        ),
    )
    return requeued + requeue_unstored()


def is_stale(video: Video) -> bool:
    """Processing, but without a sign of life for VIDEO_STALE_AFTER_SECONDS, or for WORKER_DEAD_AFTER_SECONDS
    with the worker that claimed it known dead: its worker has died."""
    return jobs.is_stale(jobs.VIDEO, video)


def can_retry(video: Video) -> bool:
    """Whether a person may start processing again: failed or ready; queued (its task may have been
    lost with the queue); processing whose worker has stopped showing signs of life. Never one whose file
    was not kept (an import's refusal: record_refusal)."""
    if not video.original:
        return False
    return video.state in (State.FAILED, State.READY, State.QUEUED) or is_stale(video)


def retry(video: Video) -> None:
    """Retry by hand (from the admin or a command): a failed or finished video is processed again; a
    queued one is queued anew; a stale one is taken back from its dead worker."""
    queue(video)


def delete_video(video: Video) -> None:
    """Delete a video and every file stored for it: original, outputs, everything under its folder.

    The row goes first, in a transaction; the files only once it has committed. A video still used by
    a training (ProtectedError) or a database error thus leaves the recording whole, files included.
    The upload that brought it is forgotten too: it would otherwise come back as "unfinished".
    """
    key = video.key
    original = video.original.name
    with transaction.atomic():
        UploadSession.objects.filter(video=video).delete()
        video.delete()
        transaction.on_commit(lambda: _delete_files(key, original))


def _delete_files(key: object, original: str) -> None:
    if original:
        default_storage.delete(original)
    delete_folder(f"videos/{key}")
