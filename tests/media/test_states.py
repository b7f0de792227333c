"""The state machine of a Video."""

from __future__ import annotations

import pytest

from media.states import InvalidTransition, State, check_transition


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (State.UPLOADED, State.QUEUED),
        (State.UPLOADED, State.FAILED),
        (State.QUEUED, State.PROCESSING),
        (State.PROCESSING, State.READY),
        (State.PROCESSING, State.FAILED),
        (State.PROCESSING, State.QUEUED),
        (State.FAILED, State.QUEUED),
        (State.READY, State.QUEUED),
    ],
)
def test_allowed_moves(current, target):
    check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (State.UPLOADED, State.READY),
        (State.UPLOADED, State.PROCESSING),
        (State.QUEUED, State.READY),
        (State.READY, State.PROCESSING),
        (State.FAILED, State.READY),
        (State.READY, State.FAILED),
    ],
)
def test_forbidden_moves(current, target):
    with pytest.raises(InvalidTransition):
        check_transition(current, target)
