"""Where each user stopped in each video, so the player resumes there on any device.

GET answers ``{"seconds": float}`` (0 for a video never watched); POST stores a new position. The
player saves while playing, on pause and, as the page goes away, with ``navigator.sendBeacon``, which
can only POST a body without custom headers: so the value comes form-encoded (``seconds=12.5``, with
the CSRF token as ``csrfmiddlewaretoken``), or as JSON with the token in ``X-CSRFToken``.

Values no player could have produced (negative, not a number, past the end) are refused and leave
the stored position alone. A little past the end is clamped: HLS segments can end a few frames after
the duration ffprobe measured.
"""

from __future__ import annotations

import json
import math

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from media.models import PlaybackPosition
from media.views import video_for

# How far past the measured duration a position may be and still count as "at the end".
END_TOLERANCE_SECONDS = 2.0


def parse_position(raw: object, duration: float | None) -> float | None:
    """The position to store for a submitted value, or None when no player could have sent it."""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        return None
    try:
        seconds = float(raw)
    except (ValueError, OverflowError):  # JSON allows integers of any size: 10**400 is no float
        return None
    if not math.isfinite(seconds) or seconds < 0:
        return None
    if duration:
        if seconds > duration + END_TOLERANCE_SECONDS:
            return None
        seconds = min(seconds, duration)
    return round(seconds, 3)


def _submitted_seconds(request: HttpRequest) -> object:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return None
        return data.get("seconds") if isinstance(data, dict) else None
    return request.POST.get("seconds")


def _seconds_of(positions: QuerySet[PlaybackPosition]) -> float:
    return positions.values_list("seconds", flat=True).first() or 0.0


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def position(request: HttpRequest, key: str) -> JsonResponse:
    video = video_for(request, key)
    user = request.user
    if not user.is_authenticated:  # login_required saw to that; this tells the type checker
        raise Http404
    mine = PlaybackPosition.objects.filter(user=user, video=video)
    if request.method == "GET":
        return JsonResponse({"seconds": _seconds_of(mine)})
    seconds = parse_position(_submitted_seconds(request), video.duration)
    if seconds is None:
        return JsonResponse({"seconds": _seconds_of(mine), "error": "invalid position"}, status=400)
    PlaybackPosition.objects.update_or_create(user=user, video=video, defaults={"seconds": seconds})
    return JsonResponse({"seconds": seconds})
