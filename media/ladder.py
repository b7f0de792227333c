"""Which renditions to make of a source: a pure function of its probe data and the settings.

Rungs are named by the short side of the picture ("720p" is 1280x720 landscape or 720x1280 portrait),
never exceed the source (no upscaling), and have even dimensions, as H.264 in 4:2:0 requires.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from media.probe import Probe


@dataclass(frozen=True)
class Rung:
    name: str
    width: int
    height: int
    video_bitrate: int  # bits per second: the cap (maxrate); quality comes from CRF below it
    bufsize: int

    @property
    def short_side(self) -> int:
        return min(self.width, self.height)


def _even(value: float) -> int:
    return max(2, round(value / 2.0) * 2)


def ladder_for(probe: Probe, ladder: list[dict[str, Any]]) -> list[Rung]:
    """The rungs to encode for this source, smallest first; empty for audio-only sources."""
    if not probe.has_video or probe.display_width <= 0 or probe.display_height <= 0:
        return []
    width, height = probe.display_width, probe.display_height
    source_short = min(width, height)
    portrait = height > width
    steps = sorted(ladder, key=lambda step: step["height"])
    chosen = [step for step in steps if step["height"] <= source_short]
    if not chosen:
        # A source smaller than the smallest rung keeps its own size, under the smallest rung's cap.
        chosen = [{**steps[0], "height": source_short, "name": f"{_even(source_short)}p"}]
    rungs = []
    for step in chosen:
        short = _even(step["height"])
        long = _even(short * max(width, height) / source_short)
        rung_width, rung_height = (short, long) if portrait else (long, short)
        rungs.append(
            Rung(
                name=step["name"],
                width=rung_width,
                height=rung_height,
                video_bitrate=int(step["video_bitrate"]),
                bufsize=int(step.get("bufsize", 2 * step["video_bitrate"])),
            )
        )
    return rungs
