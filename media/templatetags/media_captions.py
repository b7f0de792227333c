"""`{% caption_track video as track %}`: the captions of a recording part for the player's markup."""

from __future__ import annotations

from django import template

from media.caption_views import CaptionTrack
from media.caption_views import caption_track as find_caption_track
from media.models import Video

register = template.Library()


@register.simple_tag
def caption_track(video: Video) -> CaptionTrack | None:
    return find_caption_track(video)
