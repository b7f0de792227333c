"""Two workers on one requeued conversion: the first still alive but slow, the second given the video after it.
Exactly one publishes; the other stops at its next write, with its ffmpeg, its work folder and whatever it
published gone, and the video's rows untouched by it (media/jobs.py). Real ffmpeg on a tiny clip.

The two workers are the same process here: worker A's conversion is interrupted at a chosen moment (its first
progress report, or right after it published its folder) and worker B claims the video there, as another machine
would have meanwhile; A resumes and makes its next write while B holds the video; then B converts it.
"""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

import pytest

from media import jobs, processing, transcode
from media.models import TranscriptionJob, Video
from media.states import State
from tests.media.processes import child_named, gone_within

pytestmark = pytest.mark.django_db


def upload(path: Path, tmp_path: Path) -> Video:
    copy = tmp_path / f"upload-{path.name}"
    shutil.copy(path, copy)
    return processing.create_video(copy, title="Tập huấn chạy đua", original_name=path.name, move=True)


def published_folders(media_storage: Path, video: Video) -> list[str]:
    folder = media_storage / "videos" / str(video.key)
    return sorted(path.name for path in folder.iterdir() if path.name != "original")


def work_folders(settings, video: Video) -> list[str]:
    work = Path(settings.MEDIA_WORK_DIR)
    return sorted(path.name for path in work.glob(f"{video.key}-*")) if work.exists() else []


def assert_belongs_to_the_winner(video: Video) -> None:
    assert video.state == State.READY and video.error == ""
    assert video.poster.startswith(f"{video.output_dir}/")
    playlists = [rendition.playlist for rendition in video.renditions.all()]
    assert playlists and all(playlist.startswith(f"{video.output_dir}/") for playlist in playlists)


def test_a_slow_worker_whose_video_was_requeued_stops_at_its_next_progress_report(
    media_storage, tmp_path, clip_540p, settings, monkeypatch
):
    video = upload(clip_540p, tmp_path)
    real_transcode = transcode.transcode
    seen: dict[str, Any] = {}

    def worker_b_meanwhile(seconds: float, report: Any) -> None:
        if "a_ffmpeg" not in seen:
            seen["a_ffmpeg"] = child_named(os.getpid(), "ffmpeg", timeout=10)  # A's, converting
            # A is slow: no sign of life for longer than VIDEO_STALE_AFTER_SECONDS. The upkeep takes the video
            # back, and worker B (another machine) claims it and converts it to the end.
            Video.objects.filter(pk=video.pk).update(processing_heartbeat=timezone.now() - timedelta(days=1))
            assert processing.requeue_stalled() == [video.pk]
            seen["b"] = processing.claim(video.pk)
        report(seconds)  # A's next write, while B holds the video

    def racing(source, probe, work, on_progress=None, on_alive=None):
        if "a_ffmpeg" in seen or on_progress is None:
            return real_transcode(source, probe, work, on_progress=on_progress, on_alive=on_alive)
        return real_transcode(
            source, probe, work, on_progress=lambda s: worker_b_meanwhile(s, on_progress), on_alive=on_alive
        )

    monkeypatch.setattr(processing, "transcode", racing)

    assert processing.process(video.pk) == "skipped"  # worker A, stopped
    held = Video.objects.get(pk=video.pk)
    assert (held.state, held.attempts, held.progress) == (State.PROCESSING, 2, 0), "A wrote nothing"
    assert gone_within(seen["a_ffmpeg"], 10), "A's ffmpeg was killed"
    assert work_folders(settings, video) == [], "A's work folder is removed"

    b = seen["b"]
    assert processing._process(b, jobs.Lease(jobs.VIDEO, b)) == State.READY  # B goes on, undisturbed
    video.refresh_from_db()
    assert video.attempts == 2 and video.output_dir.startswith(f"videos/{video.key}/hls-2-")
    assert_belongs_to_the_winner(video)
    assert published_folders(media_storage, video) == [video.output_dir.rsplit("/", 1)[1]]
    assert (media_storage / video.master_playlist).is_file()
    assert work_folders(settings, video) == []


def test_a_worker_that_published_after_its_video_was_handed_on_removes_its_folder_and_touches_nothing(
    media_storage, tmp_path, clip_silent, settings, monkeypatch
):
    """Worst case: A finished converting and copied its outputs into storage, then found the video retried by
    hand (attempts counted from zero again: B's attempt has A's number) and converted by B meanwhile."""
    video = upload(clip_silent, tmp_path)
    real_publish = transcode.publish_folder
    seen: dict[str, Any] = {}

    def racing(local, prefix, on_alive=None):
        real_publish(local, prefix, on_alive=on_alive)
        if "a_prefix" not in seen:
            seen["a_prefix"] = prefix
            assert (media_storage / prefix / "master.m3u8").is_file()
            Video.objects.filter(pk=video.pk).update(processing_heartbeat=timezone.now() - timedelta(days=1))
            stale = Video.objects.get(pk=video.pk)
            assert processing.can_retry(stale)
            processing.retry(stale)  # by hand, from the admin
            seen["b"] = processing.claim(video.pk)

    monkeypatch.setattr(processing, "publish_folder", racing)

    assert processing.process(video.pk) == "skipped"  # worker A: its publication is refused
    held = Video.objects.get(pk=video.pk)
    assert (held.state, held.attempts, held.output_dir) == (State.PROCESSING, 1, ""), "A pointed at nothing"
    assert not (media_storage / seen["a_prefix"]).exists(), "the loser's published folder is removed"

    b = seen["b"]
    assert processing._process(b, jobs.Lease(jobs.VIDEO, b)) == State.READY
    video.refresh_from_db()
    assert video.attempts == 1, "B's attempt carries the number A's had"
    assert video.output_dir != seen["a_prefix"]
    assert_belongs_to_the_winner(video)
    assert not (media_storage / seen["a_prefix"]).exists(), "the loser's published folder is removed"
    assert published_folders(media_storage, video) == [video.output_dir.rsplit("/", 1)[1]]
    assert work_folders(settings, video) == []


def test_a_failure_of_a_worker_whose_video_was_handed_on_is_not_recorded(
    media_storage, tmp_path, clip_silent, monkeypatch
):
    """A's ffmpeg fails after the video was given to B: A neither fails nor requeues the video B converted."""
    video = upload(clip_silent, tmp_path)

    def failing(source, probe, work, on_progress=None, on_alive=None):
        if not hasattr(failing, "done"):
            failing.done = True  # type: ignore[attr-defined]
            Video.objects.filter(pk=video.pk).update(processing_heartbeat=timezone.now() - timedelta(days=1))
            processing.requeue_stalled()
            failing.b = processing.claim(video.pk)  # type: ignore[attr-defined]
            raise transcode.TranscodeError("A's ffmpeg failed")
        raise AssertionError("only A comes here")

    monkeypatch.setattr(processing, "transcode", failing)
    assert processing.process(video.pk) == "skipped"
    held = Video.objects.get(pk=video.pk)
    assert (held.state, held.attempts, held.error) == (State.PROCESSING, 2, ""), "neither failed nor requeued by A"
    monkeypatch.setattr(processing, "transcode", transcode.transcode)
    b = failing.b  # type: ignore[attr-defined]
    assert processing._process(b, jobs.Lease(jobs.VIDEO, b)) == State.READY
    video.refresh_from_db()
    assert_belongs_to_the_winner(video)


def test_a_transcription_worker_whose_job_was_retried_by_hand_cannot_write(media_storage, tmp_path, clip_silent):
    """The same fence for transcriptions: a hand retry counts attempts from zero again, the claim moment
    still tells the two attempts apart."""
    from media import jobs, transcription

    video = upload(clip_silent, tmp_path)
    job = TranscriptionJob.objects.create(video=video, state=State.QUEUED)
    first = transcription.claim(job.pk)
    assert first is not None
    transcription.retry(TranscriptionJob.objects.get(pk=job.pk))  # by hand: attempts back to 0, queued
    second = transcription.claim(job.pk)
    assert second is not None and second.attempts == first.attempts == 1
    with pytest.raises(jobs.JobLost):
        transcription.lease(first).beat()
    transcription.lease(second).beat()  # the holder writes
    assert transcription._fail(first, "A's failure") == "skipped"
    assert TranscriptionJob.objects.get(pk=job.pk).state == State.PROCESSING
