"""What a media file holds, read with ffprobe, and whether the portal can process it.

`read_probe` turns ffprobe's JSON into a `Probe` (a pure function, tested directly); `probe_file`
runs ffprobe; `validate` also decodes a little of the start and of the end, which is what catches
corrupt and truncated files that ffprobe alone accepts. Every refusal is a `MediaRejected` carrying a
message for the editor.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from media import children

# Pictures embedded in audio files (album art) are streams too; they are not video.
ATTACHED_PICTURE = "attached_pic"
INTERLACED_FIELD_ORDERS = {"tt", "bb", "tb", "bt"}


class MediaRejected(Exception):
    """A file the portal cannot process; ``message`` is for the editor, ``code`` for code and tests."""

    def __init__(self, code: str, message: Any, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.message = message
        self.detail = detail


@dataclass(frozen=True)
class Probe:
    duration: float
    size_bytes: int
    format_name: str
    has_video: bool
    has_audio: bool
    video_codec: str = ""
    audio_codec: str = ""
    coded_width: int = 0
    coded_height: int = 0
    rotation: int = 0  # degrees, clockwise, one of 0/90/180/270
    frame_rate: float = 0.0
    variable_frame_rate: bool = False
    interlaced: bool = False
    audio_channels: int = 0
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def audio_only(self) -> bool:
        return self.has_audio and not self.has_video

    @property
    def display_width(self) -> int:
        return self.coded_height if self.rotation in (90, 270) else self.coded_width

    @property
    def display_height(self) -> int:
        return self.coded_width if self.rotation in (90, 270) else self.coded_height


def _rate(text: str | None) -> float:
    try:
        value = Fraction(text or "0")
    except (ValueError, ZeroDivisionError):
        return 0.0
    return float(value) if value > 0 else 0.0


def _rotation(stream: dict[str, Any]) -> int:
    degrees: float = 0
    for side_data in stream.get("side_data_list", []):
        if "rotation" in side_data:
            degrees = float(side_data["rotation"])
            break
    else:
        degrees = float(stream.get("tags", {}).get("rotate", 0) or 0)
    # Display-matrix rotation is counter-clockwise (-90 means "turn 90° clockwise to display").
    return round(-degrees / 90.0) % 4 * 90 if "side_data_list" in stream else int(degrees) % 360


def read_probe(data: dict[str, Any]) -> Probe:
    """Turn ffprobe's `-show_format -show_streams` JSON into a Probe."""
    fmt = data.get("format", {})
    streams = data.get("streams", [])
    videos = [
        s for s in streams if s.get("codec_type") == "video" and not s.get("disposition", {}).get(ATTACHED_PICTURE)
    ]
    audios = [s for s in streams if s.get("codec_type") == "audio"]
    video = videos[0] if videos else {}
    audio = audios[0] if audios else {}
    durations = [float(fmt.get("duration") or 0)] + [float(s.get("duration") or 0) for s in videos + audios]
    avg_rate = _rate(video.get("avg_frame_rate"))
    real_rate = _rate(video.get("r_frame_rate"))
    return Probe(
        duration=max(durations),
        size_bytes=int(fmt.get("size") or 0),
        format_name=fmt.get("format_name", ""),
        has_video=bool(video),
        has_audio=bool(audio),
        video_codec=video.get("codec_name", ""),
        audio_codec=audio.get("codec_name", ""),
        coded_width=int(video.get("width") or 0),
        coded_height=int(video.get("height") or 0),
        rotation=_rotation(video) if video else 0,
        frame_rate=avg_rate or real_rate,
        variable_frame_rate=bool(avg_rate and real_rate and abs(avg_rate - real_rate) / real_rate > 0.01),
        interlaced=video.get("field_order", "") in INTERLACED_FIELD_ORDERS,
        audio_channels=int(audio.get("channels") or 0),
        raw=data,
    )


def run_ffprobe(path: Path) -> dict[str, Any]:
    args = [settings.FFPROBE_BINARY, "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)]
    try:
        done = children.run(args, capture_output=True, timeout=settings.FFPROBE_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired as exc:
        raise MediaRejected(
            "not_media", _("The file could not be read in time: it is probably not a recording.")
        ) from exc
    if done.returncode != 0:
        raise MediaRejected(
            "not_media",
            _("This is not an audio or video file the portal can read."),
            done.stderr.decode("utf-8", "replace")[-500:],
        )
    return json.loads(done.stdout or b"{}")


def probe_file(path: Path) -> Probe:
    if not path.exists() or path.stat().st_size == 0:
        raise MediaRejected("empty", _("The file is empty (0 bytes)."))
    probe = read_probe(run_ffprobe(path))
    if not probe.has_video and not probe.has_audio:
        raise MediaRejected("no_streams", _("The file contains neither pictures nor sound."))
    return probe


def _decodes(path: Path, start: float, seconds: float, probe: Probe) -> tuple[bool, str]:
    """Whether ffmpeg decodes most of `seconds` of the main stream from `start` on.

    A glitch or two is normal in real recordings (a camera's first picture cut mid-group, a capture
    card's dropped packet): what counts is that at least half of the expected pictures come out.
    """
    stream = "v:0" if probe.has_video else "a:0"
    args = [settings.FFMPEG_BINARY, "-nostdin", "-v", "error"]
    if start > 0:
        args += ["-ss", f"{start:.3f}"]
    # framecrc prints a line per decoded frame: seeking past the data of a truncated file decodes
    # nothing yet exits 0, so the frames are counted rather than trusting the exit code alone.
    args += ["-i", str(path), "-map", f"0:{stream}", "-t", f"{seconds:.3f}", "-f", "framecrc", "-"]
    try:
        done = children.run(args, capture_output=True, timeout=settings.FFPROBE_TIMEOUT_SECONDS * 4)
    except subprocess.TimeoutExpired:
        return False, "timeout"
    frames = sum(1 for line in done.stdout.splitlines() if line and not line.startswith(b"#"))
    expected = max(1, int(probe.frame_rate * seconds * 0.5)) if probe.has_video else 1
    return done.returncode == 0 and frames >= expected, done.stderr.decode("utf-8", "replace")[-500:]


def _ends_early(path: Path, probe: Probe) -> bool:
    """Whether the data stops before the length the container announces (a copy or upload cut off).

    Decoders conceal missing data rather than fail, so the last seconds' packets are listed instead:
    in a cut-off file they stop short of the announced end, and the demuxer says "partial file".
    """
    stream = "v:0" if probe.has_video else "a:0"
    start = max(0.0, probe.duration - 5)
    args = [
        settings.FFPROBE_BINARY,
        "-v",
        "error",
        "-select_streams",
        stream,
        "-read_intervals",
        f"{start:.3f}%",
        "-show_entries",
        "packet=pts_time,duration_time",
        "-of",
        "json",
        str(path),
    ]
    try:
        done = children.run(args, capture_output=True, timeout=settings.FFPROBE_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        return False
    if b"partial file" in done.stderr:
        return True
    try:
        packets = json.loads(done.stdout or b"{}").get("packets", [])
    except ValueError:
        return False
    ends = [
        float(p["pts_time"]) + float(p.get("duration_time") or 0)
        for p in packets
        if p.get("pts_time") not in (None, "N/A")
    ]
    return bool(ends) and max(ends) < probe.duration - 1.5


def validate(path: Path) -> Probe:
    """Probe the file, decode a little of its start, check its end is there. Raises MediaRejected."""
    probe = probe_file(path)
    if probe.has_video and probe.video_codec in settings.MEDIA_UNSUPPORTED_CODECS:
        raise MediaRejected(
            "unsupported_codec",
            _("The picture is encoded as %(codec)s, which the portal cannot convert.") % {"codec": probe.video_codec},
        )
    if probe.duration <= 0:
        raise MediaRejected("corrupt", _("The file is damaged: its length cannot be read."))
    ok, detail = _decodes(path, 0, min(2.0, probe.duration), probe)
    if not ok:
        raise MediaRejected("corrupt", _("The file is damaged: its beginning cannot be decoded."), detail)
    if _ends_early(path, probe):
        raise MediaRejected(
            "truncated",
            _("The end of the file cannot be read: it is probably incomplete (was the upload or copy cut off?)."),
        )
    return probe
