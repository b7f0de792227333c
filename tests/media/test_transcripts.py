"""Transcripts of recording parts: saved atomically with a signal, human kept over machine, cut into timed
windows for search."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

import pytest

from media.captions import Cue
from media.models import Segment, Transcript, TranscriptSource, Video
from media.signals import transcript_changed
from media.transcripts import (
    Window,
    delete_transcript,
    has_transcript,
    merge_into_windows,
    preferred_transcript,
    save_transcript,
    windows,
)

HUMAN, MACHINE = TranscriptSource.HUMAN, TranscriptSource.MACHINE


@pytest.fixture
def video(db) -> Video:
    return Video.objects.create(title="Kỹ năng xét hỏi bị can", original="videos/test/original/xet-hoi.mp4")


@pytest.fixture
def heard():
    """What transcript_changed said, and how many segments the database held when it said it."""
    calls: list[dict] = []

    def listener(sender, video, **kwargs):
        calls.append(
            {
                "video": video,
                "in_transaction": connection.in_atomic_block,
                "segments": Segment.objects.filter(transcript__video=video).count(),
                **{key: value for key, value in kwargs.items() if key != "signal"},
            }
        )

    transcript_changed.connect(listener, dispatch_uid="test-heard")
    yield calls
    transcript_changed.disconnect(dispatch_uid="test-heard")


def cues(*items: tuple[float, float, str]) -> list[Cue]:
    return [Cue(start, end, text) for start, end, text in items]


# --- save_transcript ------------------------------------------------------------------------------------


def test_saving_a_transcript_stores_its_segments_in_order_and_in_nfc(video):
    transcript = save_transcript(
        video, cues((5, 9, "hai   câu"), (0, 4, "Vie\u0323\u0302t Nam")), source=HUMAN, reviewed=True
    )
    assert (transcript.language, transcript.source, transcript.reviewed) == ("vi", "human", True)
    assert list(transcript.segments.values_list("start", "end", "text")) == [
        (0.0, 4.0, "Việt Nam"),
        (5.0, 9.0, "hai câu"),
    ]


def test_saving_again_replaces_the_segments_of_that_source_only(video):
    first = save_transcript(video, cues((0, 4, "người soạn")), source=HUMAN)
    save_transcript(video, cues((0, 2, "máy một"), (2, 4, "máy hai")), source=MACHINE)
    again = save_transcript(video, cues((0, 3, "người soạn, bản sửa")), source=HUMAN)
    assert again.pk == first.pk
    assert list(again.segments.values_list("text", flat=True)) == ["người soạn, bản sửa"]
    assert Transcript.objects.filter(video=video).count() == 2
    machine = Transcript.objects.get(video=video, source=MACHINE)
    assert list(machine.segments.values_list("text", flat=True)) == ["máy một", "máy hai"]


def test_a_machine_run_never_overwrites_the_human_transcript(video):
    save_transcript(video, cues((0, 4, "do người soạn")), source=HUMAN)
    save_transcript(video, cues((0, 4, "do máy nghe")), source=MACHINE)
    assert preferred_transcript(video).source == HUMAN
    assert [window.text for window in windows(video)] == ["do người soạn"]


# Serialized rollback, as every test that commits here: a plain flush would re-create the content types in
# another order, and the next test that reloads the database's first contents would find their ids taken.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_signal_is_sent_inside_the_transaction_after_the_segments_are_written(heard):
    video = Video.objects.create(title="Bài giảng", original="videos/test/original/a.mp4")
    save_transcript(video, cues((0, 4, "một"), (4, 8, "hai")), source=MACHINE, language="VI")
    assert heard == [{"video": video, "in_transaction": True, "segments": 2, "language": "vi", "source": MACHINE}]


def test_a_failed_save_keeps_the_previous_segments_and_sends_nothing(video, heard):
    save_transcript(video, cues((0, 4, "bản cũ")), source=HUMAN)
    with pytest.raises(ValueError, match="runs from"):
        save_transcript(video, cues((0, 4, "đúng"), (9, 8, "ngược")), source=HUMAN)
    assert len(heard) == 1
    assert list(Segment.objects.values_list("text", flat=True)) == ["bản cũ"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"source": "robot"}, "unknown transcript source"), ({"source": "human", "language": "tiếng Việt"}, "language")],
)
def test_unknown_sources_and_language_codes_are_refused(video, kwargs, message):
    with pytest.raises(ValueError, match=message):
        save_transcript(video, cues((0, 1, "x")), **kwargs)


def test_the_database_refuses_a_second_transcript_for_the_same_source_and_language(video):
    Transcript.objects.create(video=video, source=HUMAN)
    with pytest.raises(IntegrityError), transaction.atomic():
        Transcript.objects.create(video=video, source=HUMAN)


def test_deleting_a_transcript_sends_the_signal_only_when_there_was_one(video, heard):
    save_transcript(video, cues((0, 4, "máy")), source=MACHINE)
    assert delete_transcript(video, source=MACHINE) is True
    assert delete_transcript(video, source=MACHINE) is False
    assert [call["segments"] for call in heard] == [1, 0]
    assert not has_transcript(video)


def test_has_transcript_needs_at_least_one_segment(video):
    assert not has_transcript(video)
    save_transcript(video, [], source=MACHINE)  # transcribed: nothing was said
    assert not has_transcript(video)
    assert windows(video) == []
    save_transcript(video, cues((0, 1, "a")), source=MACHINE)
    assert has_transcript(video)


# --- choosing the transcript ----------------------------------------------------------------------------


def test_an_empty_human_transcript_does_not_hide_the_machine_one(video):
    save_transcript(video, [], source=HUMAN)
    save_transcript(video, cues((0, 4, "máy")), source=MACHINE)
    assert preferred_transcript(video).source == MACHINE


def test_vietnamese_comes_first_then_human_then_reviewed(video):
    save_transcript(video, cues((0, 4, "English, reviewed")), source=HUMAN, language="en", reviewed=True)
    save_transcript(video, cues((0, 4, "máy")), source=MACHINE)
    assert preferred_transcript(video).language == "vi"
    assert preferred_transcript(video, language="en").source == HUMAN
    save_transcript(video, cues((0, 4, "máy, đã duyệt")), source=MACHINE, reviewed=True)
    save_transcript(video, cues((0, 4, "người soạn")), source=HUMAN)
    assert (preferred_transcript(video).source, preferred_transcript(video).language) == (HUMAN, "vi")


# --- windows --------------------------------------------------------------------------------------------


def test_consecutive_cues_merge_into_windows_of_twenty_to_forty_seconds():
    segments = cues(*((start, start + 5, f"câu {start}") for start in range(0, 120, 5)))
    result = merge_into_windows(segments)
    assert [(window.start, window.end) for window in result] == [(0, 40), (40, 80), (80, 120)]
    assert result[0].text.startswith("câu 0 câu 5 câu 10")


def test_a_window_closes_at_the_first_sentence_end_past_twenty_seconds():
    segments = cues(
        (0, 8, "Hôm nay chúng ta học."),  # a sentence end before 20 s does not close the window
        (8, 16, "Kỹ năng xét hỏi"),
        (16, 24, "bị can, bị cáo."),
        (24, 30, "Phần hai"),
        (30, 45, "nói về hồ sơ!"),
        (45, 52, "Cuối cùng"),
    )
    assert [(window.start, window.end) for window in merge_into_windows(segments)] == [(0, 24), (24, 52)]


def test_a_cue_longer_than_forty_seconds_is_a_window_of_its_own():
    segments = cues((0, 10, "trước"), (10, 65, "một đoạn rất dài"), (65, 70, "sau"))
    assert merge_into_windows(segments) == [
        Window(0, 10, "trước"),
        Window(10, 65, "một đoạn rất dài"),
        Window(65, 70, "sau"),
    ]


def test_a_long_pause_closes_a_window():
    segments = cues((0, 5, "trước khi nghỉ"), (300, 305, "sau giờ nghỉ"))
    assert [window.text for window in merge_into_windows(segments)] == ["trước khi nghỉ", "sau giờ nghỉ"]


def test_a_short_last_window_joins_the_previous_one_when_they_fit():
    segments = cues((0, 22, "Câu thứ nhất."), (22, 27, "đuôi ngắn"))
    assert merge_into_windows(segments) == [Window(0, 27, "Câu thứ nhất. đuôi ngắn")]


def test_windows_come_from_the_preferred_transcript(video):
    save_transcript(video, cues((0, 25, "máy nghe nhầm."), (25, 30, "tiếp")), source=MACHINE)
    save_transcript(video, cues((0, 25, "người soạn lại."), (25, 50, "Phần sau.")), source=HUMAN)
    assert windows(video) == [Window(0, 25, "người soạn lại."), Window(25, 50, "Phần sau.")]
    assert windows(video, min_seconds=60, max_seconds=90) == [Window(0, 50, "người soạn lại. Phần sau.")]


def test_the_transcript_models_need_no_new_migration(db):
    out = StringIO()
    call_command("makemigrations", "media", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
