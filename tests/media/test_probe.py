"""ffprobe tells what a file holds, and bad files are refused with a reason the editor understands."""

from __future__ import annotations

from django.utils import translation

import pytest

from media.probe import MediaRejected, validate


def test_it_reads_a_normal_recording(clip_540p):
    probe = validate(clip_540p)
    assert probe.has_video and probe.has_audio and not probe.audio_only
    assert (probe.display_width, probe.display_height) == (960, 540)
    assert probe.video_codec == "h264" and probe.audio_codec == "aac"
    assert 3.5 < probe.duration < 4.5
    assert probe.audio_channels == 2


def test_it_reads_rotation_and_swaps_the_displayed_size(clip_portrait_rotated):
    probe = validate(clip_portrait_rotated)
    assert probe.rotation in (90, 270)
    assert (probe.display_width, probe.display_height) == (360, 640)


def test_it_recognises_interlaced_variable_rate_mono_silent_and_audio_only(
    clip_interlaced, clip_vfr, clip_small_odd, clip_silent, audio_only
):
    assert validate(clip_interlaced).interlaced
    assert validate(clip_vfr).variable_frame_rate
    assert validate(clip_small_odd).audio_channels == 1
    silent = validate(clip_silent)
    assert silent.has_video and not silent.has_audio
    sound = validate(audio_only)
    assert sound.audio_only and sound.display_height == 0


@pytest.mark.parametrize(
    ("sample", "code"),
    [("not_media", "not_media"), ("empty_file", "empty"), ("truncated", "truncated"), ("corrupt", "corrupt")],
)
def test_it_refuses_bad_files_with_a_vietnamese_reason(sample, code, request):
    path = request.getfixturevalue(sample)
    with pytest.raises(MediaRejected) as refused:
        validate(path)
    assert refused.value.code == code
    with translation.override("vi"):
        message = str(refused.value.message)
    assert message and message != str(refused.value.code)
    assert any(letter in message for letter in "ăâđêôơưáàạảãếềệểễ"), message
