"""Times in a recording, as people write them."""

from __future__ import annotations

from django.core.exceptions import ValidationError

import pytest

from media.timecode import TimecodeFormField, format_timecode, parse_timecode


@pytest.mark.parametrize(("text", "seconds"), [("754", 754), ("12:34", 754), ("1:02:03", 3723), (" 0:05 ", 5)])
def test_it_reads_times_as_people_write_them(text, seconds):
    assert parse_timecode(text) == seconds


@pytest.mark.parametrize("text", ["", "12:60", "1:2:3:4", "abc", "-5", "12.5"])
def test_it_refuses_what_is_not_a_time(text):
    with pytest.raises(ValueError):
        parse_timecode(text)


def test_it_writes_times_back():
    assert format_timecode(754) == "12:34"
    assert format_timecode(3723) == "1:02:03"
    assert format_timecode(None) == "0:00"


def test_the_form_field_explains_a_wrong_time():
    field = TimecodeFormField()
    assert field.clean("12:34") == 754
    with pytest.raises(ValidationError):
        field.clean("12h34")
