"""Running ffmpeg for a Video: progress, stall detection, write-then-publish.

Everything is written to a private working folder; only when the ladder, the poster and the
storyboard are complete are they moved into storage under a new folder, and the Video is pointed at
it in one database update. A rerun starts from a clean working folder, and the original file is only
ever read.
"""

from __future__ import annotations

import json
import logging
import math
import re
import select
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage

from media import children, files
from media.commands import EncodingSettings, ladder_args, poster_args, storyboard_args, waveform_poster_args
from media.ladder import Rung, ladder_for
from media.probe import Probe

logger = logging.getLogger(__name__)


class TranscodeError(Exception):
    """ffmpeg failed on this file: retrying the same command will fail the same way."""


class TranscodeStalled(Exception):
    """ffmpeg stopped making progress and was killed: worth another attempt."""


class TranscodeKilled(Exception):
    """ffmpeg was ended by a signal (the kernel's out-of-memory killer, an operator, a shutdown): the
    file is not at fault, so it is worth another attempt."""


def encoding_settings() -> EncodingSettings:
    return EncodingSettings(
        preset=settings.VIDEO_PRESET,
        crf=settings.VIDEO_CRF,
        max_fps=settings.VIDEO_MAX_FPS,
        audio_bitrate=settings.AUDIO_BITRATE,
        audio_only_bitrate=settings.AUDIO_ONLY_BITRATE,
        keyframe_seconds=settings.HLS_KEYFRAME_SECONDS,
        segment_seconds=settings.HLS_SEGMENT_SECONDS,
        binary=settings.FFMPEG_BINARY,
    )


def run_ffmpeg(
    args: list[str],
    *,
    on_progress: Callable[[float], None] | None = None,
    stall_seconds: float | None = None,
) -> None:
    """Run ffmpeg; report media seconds done (from `-progress pipe:1`); kill it if it goes silent."""
    stall_seconds = stall_seconds or settings.TRANSCODE_STALL_SECONDS
    process = children.popen([settings.FFMPEG_BINARY, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stderr_chunks: list[bytes] = []
    drain = threading.Thread(target=lambda: stderr_chunks.append(process.stderr.read()), daemon=True)  # type: ignore[union-attr]
    drain.start()
    assert process.stdout is not None
    last_output = time.monotonic()
    buffer = b""
    try:
        while True:
            ready, _, _ = select.select([process.stdout], [], [], 1.0)
            if ready:
                chunk = process.stdout.read1(65536)  # type: ignore[attr-defined]
                if not chunk:
                    break
                last_output = time.monotonic()
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    if line.startswith(b"out_time_us=") and on_progress is not None:
                        value = line.split(b"=", 1)[1].strip()
                        if value.lstrip(b"-").isdigit():
                            on_progress(max(0.0, int(value) / 1_000_000))
            elif process.poll() is not None:
                break
            if time.monotonic() - last_output > stall_seconds:
                children.kill_group(process)
                process.wait()
                raise TranscodeStalled(f"ffmpeg made no progress for {stall_seconds:.0f} s")
        process.wait()
    except BaseException:
        children.kill_group(process)
        process.wait()
        raise
    drain.join(timeout=5)
    if process.returncode < 0:
        raise TranscodeKilled(f"ffmpeg was killed by signal {-process.returncode}")
    if process.returncode != 0:
        tail = b"".join(stderr_chunks).decode("utf-8", "replace")[-2000:]
        raise TranscodeError(tail.strip() or f"ffmpeg exited with {process.returncode}")


@dataclass
class Outputs:
    """What a finished transcode left in the working folder, relative to it."""

    folder: Path
    renditions: list[dict[str, object]]
    poster: str
    storyboard: str


def _renditions_from_master(master: Path, rungs: list[Rung], has_audio: bool) -> list[dict[str, object]]:
    """Read BANDWIDTH per variant from the master playlist ffmpeg wrote."""
    found: list[dict[str, object]] = []
    lines = master.read_text(encoding="utf-8").splitlines()
    by_name = {rung.name: rung for rung in rungs}
    for index, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF") and index + 1 < len(lines):
            uri = lines[index + 1].strip()
            name = uri.split("/", 1)[0]
            bandwidth = int(re.search(r"BANDWIDTH=(\d+)", line).group(1))  # type: ignore[union-attr]
            rung = by_name.get(name)
            found.append(
                {
                    "name": name,
                    "width": rung.width if rung else None,
                    "height": rung.height if rung else None,
                    "bandwidth": bandwidth,
                    "playlist": uri,
                }
            )
    if has_audio:
        found.append(
            {
                "name": "audio",
                "width": None,
                "height": None,
                "bandwidth": settings.AUDIO_ONLY_BITRATE,
                "playlist": "audio/index.m3u8",
            }
        )
    return found


def storyboard_interval(duration: float) -> float:
    """One tile every STORYBOARD_INTERVAL_SECONDS, closer together for short recordings (at least
    about 20 tiles), never more often than every second."""
    return max(1.0, min(float(settings.STORYBOARD_INTERVAL_SECONDS), duration / 20.0))


def _sheet_size(sheet: Path) -> tuple[int, int]:
    done = children.run(
        [
            settings.FFPROBE_BINARY,
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height",
            "-of",
            "json",
            str(sheet),
        ],
        capture_output=True,
        check=True,
        timeout=60,
    )
    stream = json.loads(done.stdout)["streams"][0]
    return int(stream["width"]), int(stream["height"])


def _format_vtt_time(seconds: float) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{int(hours):02d}:{int(minutes):02d}:{secs:06.3f}"


def storyboard_vtt(sheets: list[str], sheet_size: tuple[int, int], duration: float, interval: float) -> str:
    """WebVTT cues pointing at each tile: `sheet_001.jpg#xywh=x,y,w,h` (the format players know)."""
    columns, rows = settings.STORYBOARD_COLUMNS, settings.STORYBOARD_ROWS
    tile_w, tile_h = sheet_size[0] // columns, sheet_size[1] // rows
    lines = ["WEBVTT", ""]
    index = 0
    start = 0.0
    while start < duration and index < len(sheets) * columns * rows:
        sheet = sheets[index // (columns * rows)]
        position = index % (columns * rows)
        x, y = (position % columns) * tile_w, (position // columns) * tile_h
        end = min(start + interval, duration)
        cue = f"{_format_vtt_time(start)} --> {_format_vtt_time(end)}"
        lines += [cue, f"{sheet}#xywh={x},{y},{tile_w},{tile_h}", ""]
        index += 1
        start += interval
    return "\n".join(lines)


def transcode(
    source: Path,
    probe: Probe,
    work: Path,
    on_progress: Callable[[float], None] | None = None,
    on_alive: Callable[[], None] | None = None,
) -> Outputs:
    """Write the HLS ladder, poster and storyboard of `source` into the empty folder `work`.

    `on_progress` hears the ladder's media seconds done; `on_alive` is called whenever the poster or
    storyboard runs report, so a long storyboard still shows signs of life (the job's heartbeat).
    """

    def alive(_seconds: float) -> None:
        if on_alive is not None:
            on_alive()

    if work.exists():
        shutil.rmtree(work)
    (work / "audio").mkdir(parents=True)
    enc = encoding_settings()
    rungs = ladder_for(probe, settings.VIDEO_LADDER)

    run_ffmpeg(ladder_args(source, probe, rungs, work, enc), on_progress=on_progress)

    poster = work / "poster.jpg"
    if probe.has_video:
        run_ffmpeg(poster_args(source, probe, poster), on_progress=alive)
    else:
        run_ffmpeg(waveform_poster_args(source, poster), on_progress=alive)

    storyboard = ""
    if probe.has_video:
        interval = storyboard_interval(probe.duration)
        (work / "storyboard").mkdir()
        tiles_per_sheet = settings.STORYBOARD_COLUMNS * settings.STORYBOARD_ROWS
        expected_sheets = math.ceil(probe.duration / interval / tiles_per_sheet)
        sheets: list[str] = []
        # Keyframes first (fast); a source with too few keyframes (screen recorders) gets a full decode.
        for keyframes_only in (True, False):
            run_ffmpeg(
                storyboard_args(
                    source,
                    interval,
                    settings.STORYBOARD_TILE_WIDTH,
                    settings.STORYBOARD_COLUMNS,
                    settings.STORYBOARD_ROWS,
                    work / "storyboard" / "sheet_%03d.jpg",
                    keyframes_only,
                ),
                on_progress=alive,
            )
            sheets = sorted(path.name for path in (work / "storyboard").glob("sheet_*.jpg"))
            if len(sheets) >= expected_sheets:
                break
            for name in sheets:
                (work / "storyboard" / name).unlink()
        if sheets:
            vtt = storyboard_vtt(sheets, _sheet_size(work / "storyboard" / sheets[0]), probe.duration, interval)
            (work / "storyboard" / "storyboard.vtt").write_text(vtt, encoding="utf-8")
            storyboard = "storyboard/storyboard.vtt"

    return Outputs(
        folder=work,
        renditions=_renditions_from_master(work / "master.m3u8", rungs, probe.has_audio),
        poster="poster.jpg",
        storyboard=storyboard,
    )


def publish_folder(local: Path, prefix: str, on_alive: Callable[[], None] | None = None) -> None:
    """Put the finished working folder into storage under `prefix`, whole.

    On the local filesystem a rename, its files and folders given the modes of stored media (media.files); on
    remote storage an upload file by file, `on_alive` called after each one (the job's heartbeat, through its
    lease: an upload of hours shows the job alive, and a job taken back meanwhile stops at the next file).
    """
    if isinstance(default_storage, FileSystemStorage):
        target = Path(default_storage.path(prefix))
        files.make_dirs(target.parent)
        files.share_tree(local)
        shutil.move(str(local), str(target))  # a rename when var/ holds both, as it does by default
        return
    for path in sorted(local.rglob("*")):
        if path.is_file():
            with path.open("rb") as handle:
                default_storage.save(f"{prefix}/{path.relative_to(local).as_posix()}", handle)
            if on_alive is not None:
                on_alive()
    shutil.rmtree(local)


def delete_folder(prefix: str) -> None:
    """Remove a published folder from storage (an old output, or everything of a deleted video)."""
    if not prefix:
        return
    if isinstance(default_storage, FileSystemStorage):
        shutil.rmtree(default_storage.path(prefix), ignore_errors=True)
        return
    directories, files = default_storage.listdir(prefix)
    for name in files:
        default_storage.delete(f"{prefix}/{name}")
    for name in directories:
        delete_folder(f"{prefix}/{name}")
