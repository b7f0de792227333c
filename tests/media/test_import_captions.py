"""`import_recordings` brings the captions beside each recording along (`lecture.vi.srt`, `lecture.en.vtt`,
`lecture.srt`), reports a broken one without losing the recording, and can ask for speech recognition of
the recordings that have none."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext

import pytest

from media.importing import find_sidecars
from media.models import Transcript, TranscriptionJob, Video
from tests.media.importing import run

pytestmark = pytest.mark.django_db

VI_SRT = """1
00:00:00,500 --> 00:00:02,000
Khai mạc lớp tập huấn.

2
00:00:02,000 --> 00:00:03,000
Đồng chí Viện trưởng phát biểu.
"""
EN_VTT = """WEBVTT

00:00:00.500 --> 00:00:02.000
Opening of the training course.
"""
BROKEN_SRT = """1
00:00:00,500 --> 00:00:02,000
Khai mạc.

2
00:00:02,000 --> 00:00:01,000
Sai thời gian.
"""


@pytest.fixture
def archive(tmp_path, clip_silent, audio_only) -> Path:
    """Lectures with their captions beside them, as the training department keeps them."""
    folder = tmp_path / "archive"
    folder.mkdir()
    shutil.copy(clip_silent, folder / "Bai giang.mp4")
    (folder / "Bai giang.vi.srt").write_bytes(VI_SRT.encode("utf-8-sig"))
    (folder / "bai giang.en.vtt").write_text(EN_VTT, encoding="utf-8")
    (folder / "Bai giang.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nBản cũ.\n", encoding="utf-8")
    shutil.copy(audio_only, folder / "ghi-am.m4a")
    (folder / "ghi-am.srt").write_text(VI_SRT, encoding="utf-8")
    shutil.copy(clip_silent, folder / "hong.mp4")
    (folder / "hong.vi.srt").write_text(BROKEN_SRT, encoding="utf-8")
    shutil.copy(clip_silent, folder / "khong-phu-de.mp4")
    (folder / "khong-phu-de.final.srt").write_text(VI_SRT, encoding="utf-8")  # "final" is no language
    return folder


def test_sidecars_are_found_by_base_name_with_a_language_tag_or_none(archive):
    found = [(sidecar.path.name, sidecar.language) for sidecar in find_sidecars(archive / "Bai giang.mp4")]
    assert found == [("Bai giang.vi.srt", "vi"), ("Bai giang.srt", "vi"), ("bai giang.en.vtt", "en")]
    assert [s.language for s in find_sidecars(archive / "ghi-am.m4a")] == ["vi"]
    assert find_sidecars(archive / "khong-phu-de.mp4") == []


def test_captions_beside_recordings_become_their_human_transcripts_and_json_rows_list_them(media_storage, archive):
    out, err, error = run(str(archive), "--json")

    assert error is None, err
    rows = {Path(row["file"]).name: row for row in map(json.loads, out.splitlines())}
    assert rows["Bai giang.mp4"]["captions"] == [
        {"lang": "vi", "source": "human", "segments": 2},
        {"lang": "en", "source": "human", "segments": 1},
    ]
    assert rows["ghi-am.m4a"]["captions"] == [{"lang": "vi", "source": "human", "segments": 2}]
    assert rows["khong-phu-de.mp4"]["captions"] == []
    lecture = Video.objects.get(pk=rows["Bai giang.mp4"]["video_id"])
    vietnamese = Transcript.objects.get(video=lecture, language="vi")
    assert vietnamese.source == "human"
    assert list(vietnamese.segments.values_list("text", flat=True)) == [
        "Khai mạc lớp tập huấn.",
        "Đồng chí Viện trưởng phát biểu.",
    ]
    assert "Bai giang.srt" in err  # the untagged file lost to the tagged one, and says so


def test_a_broken_caption_file_is_reported_and_its_recording_imported_all_the_same(media_storage, archive):
    out, _err, error = run(str(archive))

    assert error is None
    broken = Video.objects.get(original_name="hong.mp4")
    assert broken.state != "failed" and not broken.transcripts.exists()
    with translation.override("vi"):
        reason = gettext("Line %(line)d: the caption ends (%(end)s) before it starts (%(start)s).") % {
            "line": 6,
            "start": "00:00:02,000",
            "end": "00:00:01,000",
        }
    line = next(line for line in out.splitlines() if "hong.vi.srt" in line)
    assert reason in line


def test_transcribe_queues_a_recording_with_sound_and_no_captions(media_storage, tmp_path, clip_540p, settings):
    settings.WHISPER_MODEL_DIR = str(tmp_path / "whisper")
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(clip_540p, folder / "hoi-thao.mp4")
    shutil.copy(clip_540p, folder / "co-phu-de.mp4")
    (folder / "co-phu-de.srt").write_text(VI_SRT, encoding="utf-8")

    out, err, error = run(str(folder), "--transcribe")

    assert error is None, err
    assert list(TranscriptionJob.objects.values_list("video__original_name", flat=True)) == ["hoi-thao.mp4"]
    with translation.override("vi"):
        summary = translation.ngettext(
            "Speech recognition was requested for %(count)d recording without captions.",
            "Speech recognition was requested for %(count)d recordings without captions.",
            1,
        ) % {"count": 1}
    assert summary in out


def test_without_speech_recognition_set_up_transcribe_says_so_and_imports_anyway(
    media_storage, tmp_path, clip_540p, settings
):
    settings.WHISPER_MODEL_DIR = ""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(clip_540p, folder / "hoi-thao.mp4")

    out, _err, error = run(str(folder), "--transcribe")

    assert error is None and Video.objects.count() == 1 and not TranscriptionJob.objects.exists()
    with translation.override("vi"):
        left_out = translation.ngettext(
            "%(count)d recording was left out: speech recognition is not set up, or it has no sound.",
            "%(count)d recordings were left out: speech recognition is not set up, or they have no sound.",
            1,
        ) % {"count": 1}
    assert left_out in out
