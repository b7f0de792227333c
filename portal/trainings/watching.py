""" "Tiếp tục xem" on the home page: the trainings a person started and has not finished, the most recently
watched first. Started and finished are judged per part from the positions the player saves, as on the cards
(portal.trainings.cards); pages they may no longer open (unpublished, restricted) never appear."""

from __future__ import annotations

from typing import Any

from django.db.models import Max, Q

from portal.core.visibility import visible_to
from portal.trainings.cards import attach_recordings
from portal.trainings.models import TrainingPage

# Trainings looked at, the most recently watched first, to find the unfinished ones among them.
CANDIDATES = 50


def continue_watching(user: Any, limit: int) -> list[TrainingPage]:
    """Up to `limit` live trainings `user` may open, started and not finished, newest watching first; each with
    its ``recordings`` set."""
    if user is None or not user.is_authenticated:
        return []
    mine = Q(parts__video__positions__user=user, parts__video__positions__seconds__gt=0)
    candidates = visible_to(TrainingPage.objects.live().filter(mine), user)
    recent = list(
        candidates.annotate(last_watched=Max("parts__video__positions__updated_at", filter=mine))
        .select_related("unit")
        .order_by("-last_watched", "-pk")[:CANDIDATES]
    )
    attach_recordings(recent, user)
    started: list[Any] = [page for page in recent if page.recordings.in_progress]
    started.sort(key=lambda page: page.recordings.last_watched, reverse=True)
    return started[:limit]
