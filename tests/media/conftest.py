"""Tiny real media made with ffmpeg's lavfi sources, once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.media import samples
from tests.media.samples import ffmpeg, lecture


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media-samples")


@pytest.fixture(scope="session")
def clip_540p(media_dir) -> Path:
    return lecture(media_dir / "lecture-540p.mp4")


@pytest.fixture(scope="session")
def clip_small_odd(media_dir) -> Path:
    # 4:4:4 is how screen recorders store odd sizes; 4:2:0 cannot hold them.
    return lecture(media_dir / "odd-321x241.mp4", size="321x241", seconds=3, audio="mono", pix_fmt="yuv444p")


@pytest.fixture(scope="session")
def clip_silent(media_dir) -> Path:
    return lecture(media_dir / "silent.mp4", size="320x180", seconds=3, audio="none")


@pytest.fixture(scope="session")
def clip_portrait_rotated(media_dir) -> Path:
    """A phone recording: stored 640x360 with rotation metadata, displayed 360x640."""
    plain = lecture(media_dir / "phone-plain.mp4", size="640x360", seconds=3)
    path = media_dir / "phone.mp4"
    ffmpeg("-i", str(plain), "-c", "copy", "-metadata:s:v:0", "rotate=90", str(path))
    return path


@pytest.fixture(scope="session")
def clip_interlaced(media_dir) -> Path:
    return lecture(
        media_dir / "interlaced.mp4",
        size="720x576",
        seconds=3,
        extra=("-vf", "setfield=tff", "-flags", "+ildct+ilme", "-top", "1"),
    )


@pytest.fixture(scope="session")
def clip_vfr(media_dir) -> Path:
    return lecture(
        media_dir / "vfr.mp4",
        size="320x240",
        seconds=4,
        extra=("-vf", "select='not(mod(n\\,3))+lt(n\\,10)'", "-fps_mode", "vfr"),
    )


@pytest.fixture(scope="session")
def audio_only(media_dir) -> Path:
    return samples.audio_only(media_dir / "bai-giang.m4a", seconds=5)


@pytest.fixture(scope="session")
def not_media(media_dir) -> Path:
    path = media_dir / "bao-cao.mp4"
    path.write_text("Báo cáo tổng kết công tác kiểm sát năm 2026 — đây là văn bản, không phải video.\n" * 50)
    return path


@pytest.fixture(scope="session")
def empty_file(media_dir) -> Path:
    path = media_dir / "rong.mp4"
    path.write_bytes(b"")
    return path


@pytest.fixture(scope="session")
def truncated(media_dir, clip_540p) -> Path:
    """The first 75 % of a file whose index is at the front: it probes fine, its end is missing."""
    data = clip_540p.read_bytes()
    path = media_dir / "cut-off.mp4"
    path.write_bytes(data[: int(len(data) * 0.75)])
    return path


@pytest.fixture(scope="session")
def corrupt(media_dir, clip_540p) -> Path:
    """The index is intact but the picture and sound data have been overwritten with noise."""
    data = bytearray(clip_540p.read_bytes())
    import random

    rng = random.Random(7)  # noqa: S311 - noise for a test file, not a secret
    start = data.index(b"mdat") + 4
    for index in range(start, len(data)):
        data[index] = rng.randrange(256)
    path = media_dir / "corrupt.mp4"
    path.write_bytes(bytes(data))
    return path


@pytest.fixture
def media_storage(settings, tmp_path) -> Path:
    """Uploaded and generated files of this test, in a folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_WORK_DIR = tmp_path / "work"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT  # Django's storage follows the setting change by itself
