"""Which renditions a source gets: a pure decision."""

from __future__ import annotations

from django.conf import settings

from media.ladder import ladder_for
from media.probe import Probe


def probe(width: int, height: int, rotation: int = 0, video: bool = True) -> Probe:
    return Probe(
        duration=60,
        size_bytes=1,
        format_name="mp4",
        has_video=video,
        has_audio=True,
        coded_width=width,
        coded_height=height,
        rotation=rotation,
        frame_rate=25,
    )


def names(rungs) -> list[str]:
    return [rung.name for rung in rungs]


def test_a_1080p_source_gets_the_whole_ladder():
    rungs = ladder_for(probe(1920, 1080), settings.VIDEO_LADDER)
    assert names(rungs) == ["360p", "540p", "720p", "1080p"]
    assert [(r.width, r.height) for r in rungs] == [(640, 360), (960, 540), (1280, 720), (1920, 1080)]


def test_it_never_upscales():
    assert names(ladder_for(probe(1280, 720), settings.VIDEO_LADDER)) == ["360p", "540p", "720p"]
    assert names(ladder_for(probe(1440, 900), settings.VIDEO_LADDER)) == ["360p", "540p", "720p"]


def test_sizes_are_even_whatever_the_source():
    rungs = ladder_for(probe(1023, 577), settings.VIDEO_LADDER)
    assert all(r.width % 2 == 0 and r.height % 2 == 0 for r in rungs)
    assert names(rungs) == ["360p", "540p"]


def test_a_tiny_source_keeps_its_own_size():
    [rung] = ladder_for(probe(321, 241), settings.VIDEO_LADDER)
    assert (rung.width, rung.height) == (320, 240)
    assert rung.video_bitrate == settings.VIDEO_LADDER[0]["video_bitrate"]


def test_portrait_recordings_are_measured_by_their_short_side():
    rungs = ladder_for(probe(1920, 1080, rotation=90), settings.VIDEO_LADDER)
    assert names(rungs) == ["360p", "540p", "720p", "1080p"]
    assert (rungs[-1].width, rungs[-1].height) == (1080, 1920)
    assert (rungs[0].width, rungs[0].height) == (360, 640)


def test_audio_only_sources_have_no_video_rungs():
    assert ladder_for(probe(0, 0, video=False), settings.VIDEO_LADDER) == []
