"""The ffmpeg command line of the ladder: one decode, and the small rungs scaled from one 720p picture."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from media.commands import EncodingSettings, ladder_args
from media.ladder import ladder_for
from media.probe import Probe

ENC = EncodingSettings(
    preset="veryfast",
    crf=23,
    max_fps=30,
    audio_bitrate=128_000,
    audio_only_bitrate=64_000,
    keyframe_seconds=2,
    segment_seconds=6,
)


def graph(width: int, height: int) -> str:
    probe = Probe(
        duration=60,
        size_bytes=1,
        format_name="mp4",
        has_video=True,
        has_audio=True,
        coded_width=width,
        coded_height=height,
        frame_rate=25,
        audio_channels=2,
    )
    args = ladder_args(Path("in.mp4"), probe, ladder_for(probe, settings.VIDEO_LADDER), Path("out"), ENC)
    assert args.count("-i") == 1, "the source is opened (and decoded) once"
    return args[args.index("-filter_complex") + 1]


def scales(filters: str) -> list[str]:
    return re.findall(r"scale=(\d+:\d+)", filters)


def ancestry(filters: str, size: str) -> list[str]:
    """The filters a rung's picture went through, from its scale back to the decoded source."""
    producer = {}
    for chain in filters.split(";"):
        inputs = re.match(r"((?:\[[^\]]+\])+)", chain).group(1)
        for output in re.findall(r"\[([^\]]+)\]", chain[len(inputs) :]):
            producer[output] = chain
    chain = next(chain for chain in filters.split(";") if f"scale={size}" in chain)
    seen = []
    while chain:
        seen.append(chain)
        first_input = re.match(r"\[([^\]]+)\]", chain).group(1)
        chain = producer.get(first_input)
    return seen


def test_each_rung_is_scaled_once_and_the_small_ones_from_720p():
    filters = graph(1920, 1080)
    assert sorted(scales(filters)) == sorted(["1920:1080", "1280:720", "960:540", "640:360"])
    for small in ("960:540", "640:360"):
        assert any("scale=1280:720" in chain for chain in ancestry(filters, small))
    for direct in ("1920:1080", "1280:720"):
        assert sum("scale=" in chain for chain in ancestry(filters, direct)) == 1


def test_a_source_with_one_small_rung_needs_no_video_split():
    filters = graph(640, 360)
    assert scales(filters) == ["640:360"]
    assert not re.search(r"(?<!a)split", filters)
