"""The life of a Video, as a table of allowed moves (a pure decision, tested on its own).

uploaded ──> queued ──> processing ──> ready
    │           │            │
    └──> failed <────────────┘       failed/ready ──> queued (retry, re-transcode)
                                      processing ──> queued (a job found dead is requeued)
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    QUEUED = "queued", _("Waiting to be processed")
    PROCESSING = "processing", _("Processing")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


ALLOWED: dict[str, frozenset[str]] = {
    State.UPLOADED: frozenset({State.QUEUED, State.FAILED}),
    State.QUEUED: frozenset({State.PROCESSING, State.FAILED, State.QUEUED}),
    State.PROCESSING: frozenset({State.READY, State.FAILED, State.QUEUED}),
    State.READY: frozenset({State.QUEUED}),
    State.FAILED: frozenset({State.QUEUED}),
}


class InvalidTransition(Exception):
    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"a video cannot go from {current} to {target}")
        self.current = current
        self.target = target


def check_transition(current: str, target: str) -> None:
    if target not in ALLOWED.get(current, frozenset()):
        raise InvalidTransition(current, target)
