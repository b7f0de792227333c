"""Tiny real media made with ffmpeg's lavfi sources, and the rows of a transcoded recording, for tests here and
in tests/browser (conftest modules cannot be imported: import `tests.media.samples`)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


def lecture(
    path: Path,
    size: str = "960x540",
    seconds: int = 4,
    audio: str = "stereo",
    extra: tuple = (),
    pix_fmt: str = "yuv420p",
) -> Path:
    inputs = ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}"]
    if audio != "none":
        layout = "mono" if audio == "mono" else "stereo"
        inputs += ["-f", "lavfi", "-i", f"sine=frequency=300:duration={seconds}:sample_rate=44100"]
        inputs += ["-af", f"aformat=channel_layouts={layout}"]
    ffmpeg(
        *inputs,
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        pix_fmt,
        *extra,
        *(["-c:a", "aac"] if audio != "none" else []),
        "-movflags",
        "+faststart",
        "-shortest",
        str(path),
    )
    return path


def long_lecture(folder: Path) -> Path:
    """Two minutes of picture and sound, made in a fraction of a second: a 2 s clip repeated by copying (for tests
    whose conversion must still be running when they act on its worker)."""
    short = lecture(folder / "short.mp4", size="320x180", seconds=2)
    path = folder / "bai-giang-dai.mp4"
    ffmpeg("-stream_loop", "59", "-i", str(short), "-c", "copy", "-movflags", "+faststart", str(path))
    return path


def audio_only(path: Path, seconds: int = 4, frequency: int = 220) -> Path:
    """A recording with no picture (a tone, AAC)."""
    ffmpeg("-f", "lavfi", "-i", f"sine=frequency={frequency}:duration={seconds}", "-c:a", "aac", str(path))
    return path


def rows_of(video: Any) -> dict[str, Any]:
    """A transcoded Video's row and its renditions' rows (without ids), to create again with `restore`: tests
    transcode once inside a rolled-back block and re-create the rows in each test."""
    from media.models import Rendition, Video

    fields = {f.attname: getattr(video, f.attname) for f in Video._meta.concrete_fields if f.name != "id"}
    renditions = [
        {f.attname: getattr(r, f.attname) for f in Rendition._meta.concrete_fields if f.name not in {"id", "video"}}
        for r in video.renditions.all()
    ]
    return {"video": {**fields, "uploaded_by_id": None}, "renditions": renditions}


def restore(rows: dict[str, Any], **changes: Any) -> Any:
    """The Video of `rows_of`, created again (with `changes` to its fields), with its renditions."""
    from media.models import Rendition, Video

    video = Video.objects.create(**{**rows["video"], **changes})
    Rendition.objects.bulk_create(Rendition(video=video, **fields) for fields in rows["renditions"])
    return video
