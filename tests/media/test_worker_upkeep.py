"""The housekeeping of jobs (`manage.py housekeeping`, the duties media.apps declares): a transcode whose worker
died is requeued while other workers keep running, without waiting for one of them to restart (quickly when its
worker is known dead, never while its worker is alive, whose side thread keeps its job's heartbeat fresh), and
the work folders no running job owns are removed."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from django.core.management import call_command
from django.utils import timezone

import pytest

from media import processing, workdir, workers
from media.models import TranscriptionJob, Video
from media.states import State
from portal.core.management.commands.run_worker import Heartbeat
from portal.core.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture
def abandoned(media_storage, tmp_path, clip_silent, settings) -> Video:
    """A video claimed by a worker that then died: processing, its heartbeat long stale."""
    copy = tmp_path / "bo-do.mp4"
    shutil.copy(clip_silent, copy)
    video = processing.create_video(copy, title="Bị bỏ dở", move=True)
    processing.claim(video.pk)
    stale = timezone.now() - timedelta(seconds=settings.VIDEO_STALE_AFTER_SECONDS + 5)
    Video.objects.filter(pk=video.pk).update(processing_heartbeat=stale)
    return video


def test_the_housekeeping_requeues_a_dead_workers_transcode(abandoned):
    call_command("housekeeping")
    assert Video.objects.get(pk=abandoned.pk).state == State.QUEUED


def test_a_workers_heartbeat_alone_takes_nothing_back(abandoned):
    Heartbeat("worker-a", ["video"]).tick()
    assert Video.objects.get(pk=abandoned.pk).state == State.PROCESSING
    assert WorkerHeartbeat.objects.filter(worker_id="worker-a").exists()


# --- Workers known dead, jobs still alive, work folders nobody owns ------------------------------------


def claimed(title: str, *, by: str, quiet_for: float, attempts: int = 1) -> Video:
    """A video being converted (attempt `attempts`) by worker `by`, with no sign of life for `quiet_for` s."""
    return Video.objects.create(
        title=title,
        original=f"videos/{title}/original/{title}.mp4",
        state=State.PROCESSING,
        attempts=attempts,
        processing_worker=by,
        processing_heartbeat=timezone.now() - timedelta(seconds=quiet_for),
        processing_started_at=timezone.now() - timedelta(seconds=quiet_for),
    )


def worker_seen(worker_id: str, seconds_ago: float) -> None:
    WorkerHeartbeat.objects.create(
        worker_id=worker_id, queues=["video"], pid=4242, last_seen=timezone.now() - timedelta(seconds=seconds_ago)
    )


def test_a_job_whose_worker_died_is_taken_back_in_a_minute_or_two_not_ten(settings):
    settings.WORKER_DEAD_AFTER_SECONDS = 60
    worker_seen("killed", seconds_ago=90)  # SIGKILL: its heartbeat stopped with it
    worker_seen("busy", seconds_ago=2)
    orphan = claimed("mo-coi", by="killed", quiet_for=90)
    gone = claimed("da-dung", by="stopped-and-removed-its-heartbeat", quiet_for=90)
    alive = claimed("dang-chay", by="busy", quiet_for=90)

    call_command("housekeeping")

    assert Video.objects.get(pk=orphan.pk).state == State.QUEUED
    assert Video.objects.get(pk=gone.pk).state == State.QUEUED
    assert Video.objects.get(pk=alive.pk).state == State.PROCESSING, "its worker is alive: never run twice"


def test_a_slow_job_of_a_live_worker_is_never_taken_for_dead(settings):
    """A step with no progress to report (downloading a large original, sending the outputs to storage) left
    the job's own heartbeat 20 minutes old: its worker, alive, keeps it fresh, and nobody runs it again."""
    worker_seen("worker-a", seconds_ago=0)
    slow = claimed("tai-len-cham", by="worker-a", quiet_for=20 * 60)
    with workers.running("video", slow.pk):  # what processing.process does in this worker
        Heartbeat("worker-a", ["video"]).tick()
        call_command("housekeeping")
    slow.refresh_from_db()
    assert slow.state == State.PROCESSING
    assert timezone.now() - slow.processing_heartbeat < timedelta(seconds=30)
    assert processing.requeue_stalled() == []


def test_a_transcription_whose_worker_died_is_taken_back_quickly(settings):
    worker_seen("killed", seconds_ago=90)
    video = Video.objects.create(title="Có tiếng", original="videos/a/original/a.mp4", state=State.READY)
    job = TranscriptionJob.objects.create(
        video=video,
        state=State.PROCESSING,
        attempts=1,
        worker="killed",
        heartbeat=timezone.now() - timedelta(seconds=90),
    )
    call_command("housekeeping")
    assert TranscriptionJob.objects.get(pk=job.pk).state == State.QUEUED


@pytest.fixture
def work(media_storage, settings) -> Path:
    folder = Path(settings.MEDIA_WORK_DIR)
    folder.mkdir(parents=True)
    return folder


def conversion_left(work: Path, video: Video, attempt: int) -> Path:
    """A half-made conversion of `video`'s attempt `attempt` (what a killed worker leaves)."""
    folder = workdir.conversion_folder(video.key, attempt, video.processing_started_at)
    (folder / "360p").mkdir(parents=True)
    (folder / "360p" / "seg_000.ts").write_bytes(b"\0" * 1000)
    return folder


def sound_left(work: Path, video: Video, attempt: int) -> Path:
    """The sound a transcription of `video` extracts for attempt `attempt`."""
    job = TranscriptionJob.objects.filter(video=video).first()
    sound = workdir.sound_file(video.key, attempt, job.started_at if job else None)
    sound.parent.mkdir(exist_ok=True)
    sound.write_bytes(b"RIFF")
    return sound


def test_work_folders_no_running_job_owns_are_removed(work):
    worker_seen("killed", seconds_ago=3600)
    worker_seen("another-live-worker", seconds_ago=1)
    killed = claimed("bi-giet", by="killed", quiet_for=3600)
    failed = Video.objects.create(title="Hỏng", original="videos/b/original/b.mp4", state=State.FAILED, attempts=3)
    running = claimed("dang-chay", by="another-live-worker", quiet_for=1, attempts=2)
    TranscriptionJob.objects.create(
        video=running, state=State.PROCESSING, attempts=1, heartbeat=timezone.now(), started_at=timezone.now()
    )
    stale = [
        conversion_left(work, killed, 1),
        conversion_left(work, failed, 3),
        conversion_left(work, running, 1),  # an earlier attempt's
        sound_left(work, killed, 1),
        sound_left(work, running, 2),  # the transcription is at its first attempt
    ]
    owned = [conversion_left(work, running, 2), sound_left(work, running, 1)]
    others = [work / "uploads" / "dang-tai-len", work / "demo"]
    for folder in others:
        folder.mkdir(parents=True)

    call_command("housekeeping")

    assert Video.objects.get(pk=killed.pk).state == State.QUEUED
    assert [path for path in stale if path.exists()] == []
    assert all(path.exists() for path in owned), "the running jobs' files are left alone"
    assert all(path.exists() for path in others), "uploads and other folders are not the sweep's business"


def test_the_housekeeping_removes_what_a_killed_worker_left(work, settings):
    settings.WORKER_DEAD_AFTER_SECONDS = 60
    worker_seen("killed", seconds_ago=90)
    killed = claimed("bi-giet", by="killed", quiet_for=90)
    left = [conversion_left(work, killed, 1), sound_left(work, killed, 1)]
    running = claimed("dang-chay", by="worker-a", quiet_for=1)
    owned = conversion_left(work, running, 1)

    call_command("housekeeping")

    assert [path for path in left if path.exists()] == []
    assert owned.exists()


def test_two_claims_of_the_same_attempt_get_their_own_work_folders(work):
    """A retry by hand counts attempts from zero again: attempt 1 of worker A (taken back, still running its
    ffmpeg) and attempt 1 of worker B on the same machine must not share a folder, nor may the sweep take B's."""
    video = Video.objects.create(title="Thu-lai", original="videos/c/original/c.mp4", state=State.QUEUED)
    first = processing.claim(video.pk)
    Video.objects.filter(pk=video.pk).update(state=State.QUEUED, attempts=0)  # retried by hand
    second = processing.claim(video.pk)
    assert first.attempts == second.attempts == 1
    folders = [workdir.conversion_folder(row.key, row.attempts, row.processing_started_at) for row in (first, second)]
    assert folders[0] != folders[1]
    for folder in folders:
        folder.mkdir()
    sounds = [workdir.sound_file(video.key, 1, claimed) for claimed in (first.processing_started_at, None)]
    TranscriptionJob.objects.create(
        video=video, state=State.PROCESSING, attempts=1, started_at=second.processing_started_at
    )
    sounds.append(workdir.sound_file(video.key, 1, second.processing_started_at))
    for sound in sounds:
        sound.parent.mkdir(exist_ok=True)
        sound.write_bytes(b"RIFF")

    removed = workdir.sweep_work_dir()

    assert folders[0] in removed and not folders[0].exists(), "the first claim's, taken back: nobody's"
    assert folders[1].exists(), "the running claim's folder is kept"
    assert not sounds[0].exists() and sounds[1].exists() and sounds[2].exists()
