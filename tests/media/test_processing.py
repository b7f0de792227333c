"""From upload to ready with real ffmpeg: outputs, failures, retries, recovery, idempotent reruns."""

from __future__ import annotations

import hashlib
import shutil
from datetime import timedelta
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext

import pytest

from media import processing
from media.commands import poster_args, storyboard_args, waveform_poster_args
from media.models import Video
from media.probe import probe_file
from media.states import State
from media.transcode import TranscodeKilled, TranscodeStalled, run_ffmpeg, transcode

pytestmark = pytest.mark.django_db


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def upload(path: Path, tmp_path: Path, title: str = "Tập huấn kỹ năng xét hỏi") -> Video:
    copy = tmp_path / f"upload-{path.name}"
    shutil.copy(path, copy)
    return processing.create_video(copy, title=title, original_name=path.name, move=True)


def stored(media_storage: Path, name: str) -> Path:
    return media_storage / name


def test_a_recording_becomes_an_hls_ladder_with_poster_and_storyboard(media_storage, tmp_path, clip_540p):
    video = upload(clip_540p, tmp_path)
    assert video.state == State.QUEUED
    assert processing.process(video.pk) == State.READY
    video.refresh_from_db()
    assert video.progress == 100 and video.error == ""
    master = stored(media_storage, video.master_playlist).read_text()
    assert "360p/index.m3u8" in master and "540p/index.m3u8" in master and "720p" not in master
    assert "TYPE=AUDIO" in master
    assert {r.name for r in video.renditions.all()} == {"360p", "540p", "audio"}
    for rendition in video.renditions.all():
        playlist = stored(media_storage, rendition.playlist).read_text()
        assert "#EXT-X-ENDLIST" in playlist
    assert stored(media_storage, video.poster).stat().st_size > 1000
    vtt = stored(media_storage, video.storyboard).read_text()
    assert vtt.startswith("WEBVTT") and "#xywh=" in vtt
    assert sha256(stored(media_storage, video.original.name)) == sha256(clip_540p)


def test_rendition_keyframes_line_up_so_players_can_switch(media_storage, tmp_path, clip_540p):
    import subprocess

    video = upload(clip_540p, tmp_path)
    processing.process(video.pk)
    video.refresh_from_db()
    durations = {}
    for rendition in video.renditions.exclude(name="audio"):
        playlist = stored(media_storage, rendition.playlist).read_text()
        durations[rendition.name] = [line for line in playlist.splitlines() if line.startswith("#EXTINF")]
        first_segment = stored(media_storage, rendition.playlist).parent / "seg_00000.ts"
        probe = subprocess.run(
            [
                "ffprobe",
                "-v",
                "error",
                "-select_streams",
                "v:0",
                "-show_entries",
                "packet=flags",
                "-of",
                "csv=p=0",
                str(first_segment),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        assert probe.stdout.splitlines()[0].startswith("K")  # every segment starts on a keyframe
    assert len({tuple(value) for value in durations.values()}) == 1  # same segment boundaries in every rung


@pytest.mark.parametrize(
    ("sample", "expected_rungs"),
    [
        ("clip_small_odd", {"240p", "audio"}),
        ("clip_silent", {"180p"}),
        ("clip_portrait_rotated", {"360p", "audio"}),
        ("clip_interlaced", {"360p", "540p", "audio"}),
        ("clip_vfr", {"240p", "audio"}),
    ],
)
def test_awkward_sources_are_processed(sample, expected_rungs, media_storage, tmp_path, request):
    video = upload(request.getfixturevalue(sample), tmp_path)
    assert processing.process(video.pk) == State.READY, video.error
    video.refresh_from_db()
    assert {r.name for r in video.renditions.all()} == expected_rungs


def test_a_portrait_phone_recording_stays_upright(media_storage, tmp_path, clip_portrait_rotated):
    video = upload(clip_portrait_rotated, tmp_path)
    processing.process(video.pk)
    rendition = Video.objects.get(pk=video.pk).renditions.get(name="360p")
    assert (rendition.width, rendition.height) == (360, 640)


def test_an_audio_only_recording_gets_audio_hls_and_a_waveform_poster(media_storage, tmp_path, audio_only):
    video = upload(audio_only, tmp_path)
    assert processing.process(video.pk) == State.READY
    video.refresh_from_db()
    assert video.audio_only
    assert {r.name for r in video.renditions.all()} == {"audio_main", "audio"}
    assert "#EXT-X-STREAM-INF" in stored(media_storage, video.master_playlist).read_text()
    assert stored(media_storage, video.poster).exists()
    assert video.storyboard == ""


@pytest.mark.parametrize("sample", ["not_media", "empty_file", "truncated", "corrupt"])
def test_a_bad_file_is_refused_before_queueing_and_kept(sample, media_storage, tmp_path, request):
    path = request.getfixturevalue(sample)
    video = upload(path, tmp_path)
    assert video.state == State.FAILED
    assert video.error
    assert video.output_dir == "" and not video.renditions.exists()
    kept = stored(media_storage, video.original.name)
    assert kept.exists() and sha256(kept) == sha256(path)


def test_an_ffmpeg_failure_keeps_the_original_and_can_be_retried(media_storage, tmp_path, clip_540p, settings):
    video = upload(clip_540p, tmp_path)
    settings.VIDEO_PRESET = "no-such-preset"  # libx264 refuses it: a failure during the transcode itself
    assert processing.process(video.pk) == State.FAILED
    video.refresh_from_db()
    assert video.error and video.output_dir == ""
    assert sha256(stored(media_storage, video.original.name)) == sha256(clip_540p)
    assert not any(Path(settings.MEDIA_WORK_DIR).glob("*")), "the half-made work is cleaned away"
    settings.VIDEO_PRESET = "veryfast"
    processing.retry(video)
    assert processing.process(video.pk) == State.READY


def test_rerunning_replaces_the_outputs_and_removes_the_old_ones(media_storage, tmp_path, clip_silent):
    video = upload(clip_silent, tmp_path)
    processing.process(video.pk)
    video.refresh_from_db()
    first = video.output_dir
    processing.retry(video)
    assert processing.process(video.pk) == State.READY
    video.refresh_from_db()
    assert video.output_dir != first
    assert not stored(media_storage, first).exists()
    assert stored(media_storage, video.master_playlist).exists()
    assert video.renditions.count() == 1


def test_a_job_killed_mid_way_is_requeued_and_finishes(media_storage, tmp_path, clip_silent, settings):
    video = upload(clip_silent, tmp_path)
    # A worker claimed it, then died: processing, with a heartbeat that has gone stale.
    processing.claim(video.pk)
    Video.objects.filter(pk=video.pk).update(
        processing_heartbeat=timezone.now() - timedelta(seconds=settings.VIDEO_STALE_AFTER_SECONDS + 5)
    )
    assert processing.requeue_stalled() == [video.pk]
    video.refresh_from_db()
    assert video.state == State.QUEUED and video.attempts == 1
    assert processing.process(video.pk) == State.READY
    assert Video.objects.get(pk=video.pk).attempts == 2


def test_a_job_that_keeps_dying_fails_after_the_last_attempt(media_storage, tmp_path, clip_silent, settings):
    video = upload(clip_silent, tmp_path)
    for _ in range(settings.VIDEO_MAX_ATTEMPTS):
        processing.claim(video.pk)
        Video.objects.filter(pk=video.pk).update(processing_heartbeat=timezone.now() - timedelta(days=1))
        processing.requeue_stalled()
    video.refresh_from_db()
    assert video.state == State.FAILED
    assert str(settings.VIDEO_MAX_ATTEMPTS) in video.error


def test_a_fresh_job_is_left_alone_by_recovery(media_storage, tmp_path, clip_silent):
    video = upload(clip_silent, tmp_path)
    processing.claim(video.pk)
    assert processing.requeue_stalled() == []
    assert Video.objects.get(pk=video.pk).state == State.PROCESSING


def test_a_video_is_processed_once_even_if_queued_twice(media_storage, tmp_path, clip_silent):
    video = upload(clip_silent, tmp_path)
    assert processing.process(video.pk) == State.READY
    assert processing.process(video.pk) == "skipped"


def test_ffmpeg_that_goes_silent_is_killed():
    args = [
        "-nostdin",
        "-v",
        "error",
        "-re",
        "-f",
        "lavfi",
        "-i",
        "anullsrc",
        "-t",
        "60",
        "-progress",
        "pipe:1",
        "-stats_period",
        "100",
        "-f",
        "null",
        "-",
    ]
    with pytest.raises(TranscodeStalled):
        run_ffmpeg(args, stall_seconds=1.5)


def test_progress_is_reported_from_ffmpeg(media_storage, tmp_path, clip_540p):
    seen: list[float] = []
    args = ["-nostdin", "-v", "error", "-i", str(clip_540p), "-progress", "pipe:1", "-f", "null", "-"]
    run_ffmpeg(args, on_progress=seen.append)
    assert seen and max(seen) > 3.0


def test_deleting_a_video_removes_every_stored_file(
    media_storage, tmp_path, clip_silent, django_capture_on_commit_callbacks
):
    video = upload(clip_silent, tmp_path)
    processing.process(video.pk)
    folder = stored(media_storage, f"videos/{video.key}")
    assert folder.exists()
    with django_capture_on_commit_callbacks(execute=True):
        processing.delete_video(Video.objects.get(pk=video.pk))
    assert not folder.exists()
    assert not Video.objects.filter(pk=video.pk).exists()


def realtime(args: list[str]) -> list[str]:
    """The same command reading its input no faster than it plays (-re): a slow disk, a busy machine."""
    position = args.index("-i")
    return [*args[:position], "-re", *args[position:]]


def test_a_storyboard_that_takes_longer_than_the_stall_limit_is_not_killed_while_it_works(tmp_path, clip_540p):
    """A full-decode storyboard of a long recording writes a sheet only every few minutes; it must still
    report in between. (ffmpeg 5.1 reports only once every output has its first frame, so the sheets
    here are small: the first one comes after 0.8 s of media.)"""
    (tmp_path / "sheets").mkdir()
    args = storyboard_args(clip_540p, 0.2, 160, 2, 2, tmp_path / "sheets" / "sheet_%03d.jpg", keyframes_only=False)
    seen: list[float] = []
    run_ffmpeg(realtime(args), on_progress=seen.append, stall_seconds=1.5)  # about 4 s of work
    assert len(list((tmp_path / "sheets").glob("sheet_*.jpg"))) == 5
    assert len(seen) >= 4


@pytest.mark.parametrize("sample", ["clip_540p", "audio_only"])
def test_poster_and_storyboard_runs_report_progress(sample, tmp_path, request):
    source = request.getfixturevalue(sample)
    probe = probe_file(source)
    runs = [waveform_poster_args(source, tmp_path / "poster.jpg")]
    if probe.has_video:
        runs = [
            poster_args(source, probe, tmp_path / "poster.jpg"),
            storyboard_args(source, 1.0, 160, 5, 5, tmp_path / "sheet_%03d.jpg"),
        ]
    for args in runs:
        seen: list[float] = []
        run_ffmpeg(args, on_progress=seen.append)
        assert seen, args


def test_the_poster_and_storyboard_phases_keep_the_heartbeat_going(media_storage, tmp_path, clip_540p, settings):
    video = upload(clip_540p, tmp_path)
    video = processing.claim(video.pk)
    assert video is not None
    signs: list[str] = []
    outputs = transcode(
        Path(video.original.path),
        probe_file(Path(video.original.path)),
        tmp_path / "work",
        on_progress=lambda seconds: signs.append("ladder"),
        on_alive=lambda: signs.append("alive"),
    )
    assert outputs.storyboard and (tmp_path / "work" / outputs.poster).exists()
    assert signs.count("alive") >= 2  # at least once from the poster and once from the storyboard
    assert signs.index("alive") > signs.index("ladder")

    stale = timezone.now() - timedelta(seconds=settings.VIDEO_STALE_AFTER_SECONDS + 5)
    Video.objects.filter(pk=video.pk).update(processing_heartbeat=stale)
    processing.ProgressReporter(video).alive()
    assert Video.objects.get(pk=video.pk).processing_heartbeat > stale
    assert processing.requeue_stalled() == []


def work_folders(settings) -> list[Path]:
    work = Path(settings.MEDIA_WORK_DIR)
    return [path for path in work.glob("*") if path.name != "uploads"] if work.exists() else []


def test_an_unexpected_error_is_retried_then_fails_with_a_reason_and_leaves_no_work_behind(
    media_storage, tmp_path, clip_silent, settings
):
    video = upload(clip_silent, tmp_path)  # probed at upload: processing itself needs no ffprobe...
    settings.FFPROBE_BINARY = str(tmp_path / "no-such-ffprobe")  # ...until the storyboard is measured
    assert processing.process(video.pk) == State.QUEUED
    assert work_folders(settings) == [], "the half-made work is cleaned away"
    for _ in range(settings.VIDEO_MAX_ATTEMPTS - 1):
        processing.process(video.pk)
    video.refresh_from_db()
    assert video.state == State.FAILED and video.attempts == settings.VIDEO_MAX_ATTEMPTS
    assert str(gettext("The conversion stopped because of an unexpected error.")) in video.error
    assert work_folders(settings) == [] and video.output_dir == ""
    settings.FFPROBE_BINARY = "ffprobe"
    processing.retry(video)
    assert processing.process(video.pk) == State.READY


@pytest.fixture
def ffmpeg_killed_by_a_signal(tmp_path) -> str:
    """An ffmpeg that the kernel kills (as the out-of-memory killer does): it ends by SIGKILL."""
    script = tmp_path / "ffmpeg-oom"
    script.write_text("#!/bin/sh\nkill -KILL $$\n")
    script.chmod(0o755)
    return str(script)


def test_ffmpeg_killed_by_a_signal_is_reported_as_killed(ffmpeg_killed_by_a_signal, settings):
    settings.FFMPEG_BINARY = ffmpeg_killed_by_a_signal
    with pytest.raises(TranscodeKilled, match="signal 9"):
        run_ffmpeg(["-version"])


def test_a_transcode_killed_by_a_signal_is_retried_not_failed_for_good(
    media_storage, tmp_path, clip_silent, settings, ffmpeg_killed_by_a_signal
):
    video = upload(clip_silent, tmp_path)
    settings.FFMPEG_BINARY = ffmpeg_killed_by_a_signal
    assert processing.process(video.pk) == State.QUEUED
    video.refresh_from_db()
    assert video.state == State.QUEUED and video.attempts == 1 and video.error == ""
    assert work_folders(settings) == []
    settings.FFMPEG_BINARY = "ffmpeg"  # memory is back
    assert processing.process(video.pk) == State.READY


def test_a_transcode_killed_every_time_fails_with_the_reason_after_the_last_attempt(
    media_storage, tmp_path, clip_silent, settings, ffmpeg_killed_by_a_signal
):
    video = upload(clip_silent, tmp_path)
    settings.FFMPEG_BINARY = ffmpeg_killed_by_a_signal
    for _ in range(settings.VIDEO_MAX_ATTEMPTS):
        processing.process(video.pk)
    video.refresh_from_db()
    assert video.state == State.FAILED
    assert str(gettext("The conversion was stopped by the server (for example, out of memory).")) in video.error


def test_a_stale_or_queued_video_may_be_retried_by_hand_but_not_one_that_is_working(
    media_storage, tmp_path, clip_silent, settings
):
    video = upload(clip_silent, tmp_path)
    assert processing.can_retry(video)  # queued: its task may have been lost with the queue
    video = processing.claim(video.pk)
    assert video is not None and not processing.can_retry(video)
    Video.objects.filter(pk=video.pk).update(
        processing_heartbeat=timezone.now() - timedelta(seconds=settings.VIDEO_STALE_AFTER_SECONDS + 5)
    )
    video.refresh_from_db()
    assert processing.can_retry(video)
    processing.retry(video)
    assert processing.process(video.pk) == State.READY
