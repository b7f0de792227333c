"""What the admin's recording page says about a recording: bit rates, frame sizes, and where its conversion stands."""

from __future__ import annotations

from django.utils import translation

import pytest

from media.admin_details import format_bitrate, frame_size, state_message
from media.models import Video
from media.states import State


@pytest.mark.parametrize(
    ("bits", "english", "vietnamese"),
    [
        (64_000, "64 kbit/s", "64 kbit/s"),
        (800_400, "800 kbit/s", "800 kbit/s"),
        (2_400_000, "2.4 Mbit/s", "2,4 Mbit/s"),
        (5_000_000, "5.0 Mbit/s", "5,0 Mbit/s"),
    ],
)
def test_bit_rates_read_as_people_compare_connections(bits, english, vietnamese):
    with translation.override("en"):
        assert format_bitrate(bits) == english
    with translation.override("vi"):
        assert format_bitrate(bits) == vietnamese


def test_a_frame_size_is_printed_with_a_multiplication_sign_or_not_at_all():
    assert frame_size(1280, 720) == "1280 \N{MULTIPLICATION SIGN} 720"
    assert frame_size(None, None) == frame_size(0, 720) == ""


@pytest.mark.parametrize(
    ("state", "level"),
    [
        (State.UPLOADED, "info"),
        (State.QUEUED, "info"),
        (State.PROCESSING, "info"),
        (State.FAILED, "critical"),
    ],
)
def test_every_state_but_ready_has_something_to_say(state, level):
    with translation.override("en"):
        said_level, text = state_message(Video(state=state))
    assert said_level == level and text
    assert "previous conversion" not in text


def test_a_ready_recording_needs_no_message():
    assert state_message(Video(state=State.READY, output_dir="videos/x/out-1")) == ("info", "")


@pytest.mark.parametrize("state", [State.QUEUED, State.PROCESSING, State.FAILED])
def test_while_a_ready_recording_is_converted_again_viewers_still_watch_the_previous_one(state):
    with translation.override("en"):
        _level, text = state_message(Video(state=state, output_dir="videos/x/out-1"))
    assert "previous conversion" in text
