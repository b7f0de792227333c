"""ffmpeg command lines, built with ffmpeg-python: decisions only, nothing runs here.

The ladder is one process that decodes the source once: deinterlace and frame-rate cap once, split,
scale each branch (the small rungs from one 720p picture rather than from the full-size source),
one H.264 encoder per rung with keyframes forced every HLS_KEYFRAME_SECONDS so
that every rung cuts its segments at the same instants, one AAC encode shared by all rungs as an
audio group, and the HLS muxer writing every playlist and the master (var_stream_map). A second
HLS output of the same process carries the 64 kbit/s audio-only rendition for slow links.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ffmpeg

from media.ladder import Rung
from media.probe import Probe

AUDIO_GROUP = "aud"


@dataclass(frozen=True)
class EncodingSettings:
    preset: str
    crf: int
    max_fps: int
    audio_bitrate: int
    audio_only_bitrate: int
    keyframe_seconds: int
    segment_seconds: int
    binary: str = "ffmpeg"


def _fps(probe: Probe, max_fps: int) -> float:
    rate = probe.frame_rate or 25.0
    return min(rate, float(max_fps))


# Rungs at or below this short side are scaled from one picture of the largest of them instead of
# from the source: scaling 1080p down once and the small rungs from 720p costs far less than scaling
# the full-size picture for each rung, and looks the same (measured by `make bench-transcode`).
CASCADE_SHORT_SIDE = 720


def _scale(stream: Any, rung: Rung) -> Any:
    return stream.filter("scale", rung.width, rung.height, flags="bicubic").filter("setsar", "1")


def _rung_pictures(video: Any, rungs: list[Rung]) -> list[Any]:
    """One scaled picture per rung, in the rungs' order, from a single decoded `video` stream."""
    small = [i for i, rung in enumerate(rungs) if rung.short_side <= CASCADE_SHORT_SIDE]
    hub = max(small, key=lambda i: rungs[i].short_side) if len(small) > 1 else None
    direct = [i for i in range(len(rungs)) if hub is None or i not in small]
    from_source = len(direct) + (1 if hub is not None else 0)
    source_branches = video.filter_multi_output("split", from_source) if from_source > 1 else None

    def source_branch(n: int) -> Any:
        return source_branches.stream(n) if source_branches is not None else video

    pictures: dict[int, Any] = {i: _scale(source_branch(n), rungs[i]) for n, i in enumerate(direct)}
    if hub is not None:
        hub_picture = _scale(source_branch(len(direct)), rungs[hub])
        hub_branches = hub_picture.filter_multi_output("split", len(small))
        for n, i in enumerate(small):
            branch = hub_branches.stream(n)
            pictures[i] = branch if i == hub else _scale(branch, rungs[i])
    return [pictures[i] for i in range(len(rungs))]


def ladder_args(source: Path, probe: Probe, rungs: list[Rung], out_dir: Path, enc: EncodingSettings) -> list[str]:
    """Arguments (without the ffmpeg binary) writing out_dir/master.m3u8 and its renditions."""
    source_stream = ffmpeg.input(str(source))
    streams = []
    stream_map = []
    video_opts: dict[str, object] = {}

    if rungs:
        video = source_stream.video
        if probe.interlaced:
            video = video.filter("yadif", mode="send_frame")
        video = video.filter("fps", fps=round(_fps(probe, enc.max_fps), 3)).filter("format", "yuv420p")
        pictures = _rung_pictures(video, rungs)
        for index, rung in enumerate(rungs):
            streams.append(pictures[index])
            video_opts.update(
                {
                    f"maxrate:v:{index}": rung.video_bitrate,
                    f"bufsize:v:{index}": rung.bufsize,
                }
            )
            audio_part = f",agroup:{AUDIO_GROUP}" if probe.has_audio else ""
            stream_map.append(f"v:{index}{audio_part},name:{rung.name}")
    if probe.has_audio:
        audio = source_stream.audio.filter("aresample", **{"async": 1}).filter_multi_output("asplit", 2)
        streams.append(audio.stream(0))
        if rungs:
            stream_map.insert(0, f"a:0,agroup:{AUDIO_GROUP},name:audio_group,default:yes")
        else:
            stream_map.append("a:0,name:audio_main")
    channels = 1 if probe.audio_channels == 1 else 2
    ladder = ffmpeg.output(
        *streams,
        str(out_dir / "%v" / "index.m3u8"),
        format="hls",
        hls_time=enc.segment_seconds,
        hls_playlist_type="vod",
        hls_segment_filename=str(out_dir / "%v" / "seg_%05d.ts"),
        master_pl_name="master.m3u8",
        var_stream_map=" ".join(stream_map),
        **(
            {
                "c:v": "libx264",
                "preset": enc.preset,
                "crf": enc.crf,
                "profile:v": "high",
                "sc_threshold": 0,
                "force_key_frames": f"expr:gte(t,n_forced*{enc.keyframe_seconds})",
                **video_opts,
            }
            if rungs
            else {}
        ),
        **({"c:a": "aac", "b:a": enc.audio_bitrate, "ac": channels, "ar": 48000} if probe.has_audio else {}),
    )
    outputs = [ladder]  # the caller creates out_dir/audio: the HLS muxer makes only the %v folders
    if probe.has_audio:
        slow = ffmpeg.output(
            audio.stream(1),
            str(out_dir / "audio" / "index.m3u8"),
            format="hls",
            hls_time=enc.segment_seconds,
            hls_playlist_type="vod",
            hls_segment_filename=str(out_dir / "audio" / "seg_%05d.ts"),
            **{"c:a": "aac", "b:a": enc.audio_only_bitrate, "ac": channels, "ar": 44100},
        )
        outputs.append(slow)
    merged = ffmpeg.merge_outputs(*outputs) if len(outputs) > 1 else outputs[0]
    return [*QUIET_WITH_PROGRESS, *merged.get_args()]


# Every ffmpeg run reports progress on stdout: media.transcode.run_ffmpeg kills a run that stays silent
# for TRANSCODE_STALL_SECONDS, and a poster seeking far into a long file or a full-decode storyboard of
# a four-hour recording can work for minutes without writing a file.
QUIET_WITH_PROGRESS = ["-nostdin", "-hide_banner", "-loglevel", "error", "-progress", "pipe:1", "-nostats"]


def poster_args(source: Path, probe: Probe, poster: Path) -> list[str]:
    """One frame, a tenth into the recording (past the black of the first seconds), as JPEG."""
    at = min(probe.duration * 0.1, 60.0)
    stream = ffmpeg.input(str(source), ss=f"{at:.3f}").video.filter("scale", -2, "min(720,ih)")
    return [*QUIET_WITH_PROGRESS, *stream.output(str(poster), vframes=1, q=3).get_args()]


def waveform_poster_args(source: Path, poster: Path) -> list[str]:
    """The poster of an audio-only recording: a picture of the sound itself, a waveform."""
    return [
        *QUIET_WITH_PROGRESS,
        "-i",
        str(source),
        "-filter_complex",
        "aformat=channel_layouts=mono,showwavespic=s=1280x720:colors=0xa3141c",
        "-frames:v",
        "1",
        str(poster),
    ]


def storyboard_args(
    source: Path, interval: float, tile_width: int, columns: int, rows: int, pattern: Path, keyframes_only: bool = True
) -> list[str]:
    """Thumbnail sheets of columns x rows tiles, one tile every `interval` seconds, from keyframes only.

    Decoding keyframes alone runs about ten times faster than a full decode; a tile shows the last
    keyframe before its instant, which is what a preview while seeking needs.
    """
    stream = (
        ffmpeg.input(str(source), **({"skip_frame": "nokey"} if keyframes_only else {}))
        .video.filter("fps", fps=f"1/{interval:g}")
        .filter("scale", tile_width, -2)
        .filter("tile", f"{columns}x{rows}")
    )
    return [*QUIET_WITH_PROGRESS, *stream.output(str(pattern), vsync="vfr", q=4).get_args()]
