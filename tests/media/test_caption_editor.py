"""Editors correct a transcript in the admin's caption editor: text and timing, split and merge (the script does
those; the server gets the resulting lines), reviewed; a refused save says which line is wrong and keeps what
was typed; someone else's save is never silently overwritten; corrections of a machine transcript become the
human transcript; saving re-indexes what is said."""

from __future__ import annotations

import json
import re
import time
import unicodedata
import urllib.parse
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext, ngettext

import pytest

from media.caption_editor import check_lines, clip_overlaps, format_time, parse_time
from media.caption_views import language_name
from media.captions import Cue, parse_captions
from media.models import Transcript, Video
from media.permissions import can_manage
from media.states import State
from media.transcripts import delete_transcript, save_transcript
from portal.trainings.models import RecordingPart, TrainingPage
from search import engines, sync
from search.models import IndexChange
from search.query import parse_request, run
from tests.practices.pages import add_training

pytestmark = pytest.mark.django_db


@pytest.fixture
def lecture() -> Video:
    return Video.objects.create(
        title="Bài giảng kỹ năng xét hỏi", original="videos/x/original/bai-giang.mp4", duration=600.0
    )


@pytest.fixture
def database_search(settings: Any) -> Iterator[None]:
    settings.ELASTICSEARCH_URL = None
    engines._elasticsearch_engine.cache_clear()
    yield
    engines._elasticsearch_engine.cache_clear()


def edit_url(transcript: Transcript) -> str:
    return reverse("media_captions_edit", args=[transcript.video_id, transcript.pk])


def shown(client: Any, transcript: Transcript) -> tuple[list[list[str]], str, str]:
    """Open the editor: the lines it carries, the version it remembers and the page's HTML."""
    html = client.get(edit_url(transcript)).content.decode()
    return lines_in(html), version_in(html), html


def lines_in(html: str) -> list[list[str]]:
    match = re.search(r'<script id="caption-editor-lines" type="application/json">(.*?)</script>', html, re.S)
    assert match is not None
    return json.loads(match.group(1))


def version_in(html: str) -> str:
    match = re.search(r'name="version" value="([^"]*)"', html)
    assert match is not None
    return match.group(1).replace("&#x27;", "'").replace("&amp;", "&")


def save(client: Any, transcript: Transcript, lines: list[list[str]], version: str, **fields: str) -> Any:
    return client.post(edit_url(transcript), {"lines": json.dumps(lines), "version": version, **fields})


def texts(transcript: Transcript) -> list[str]:
    return list(transcript.segments.order_by("start").values_list("text", flat=True))


LINES = [
    Cue(0.0, 3.5, "Thưa các đồng chí, hôm nay chúng ta tập huấn"),
    Cue(3.5, 6.0, "kỹ năng xét hỏi của kiểm sát viên."),
    Cue(6.0, 9.0, "Phần một: chuẩn bị xét hỏi."),
]


# --- Times and checks ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "seconds"),
    [
        ("0:12:34.500", 754.5),
        ("12:34", 754.0),
        ("12:34,25", 754.25),
        ("754", 754.0),
        ("754,5", 754.5),
        (" 1:02:03.004 ", 3723.004),
        ("0:00:01,5", 1.5),
    ],
)
def test_times_are_read_as_editors_write_them(typed, seconds):
    assert parse_time(typed) == pytest.approx(seconds)


@pytest.mark.parametrize("typed", ["", "abc", "12:60", "1:60:00", "1:2:3:4", "-5", "12:", "1,2,3"])
def test_anything_else_is_not_a_time(typed):
    with pytest.raises(ValueError):
        parse_time(typed)


def test_times_are_shown_with_hours_and_milliseconds():
    assert format_time(754.5) == "0:12:34.500"
    assert format_time(3723.004) == "1:02:03.004"
    assert parse_time(format_time(14399.999)) == pytest.approx(14399.999)


def test_each_problem_names_its_line():
    lines = [
        ("0:00:00.000", "0:00:03.000", "Khai mạc"),
        ("0:00:05.000", "0:00:04.000", "kết thúc trước khi bắt đầu"),
        ("0:00:04.500", "0:00:06.000", "chồng lên dòng trước"),
        ("0:00:07.000", "0:00:08.000", "   "),
        ("0:00:09", "bốn", "giờ không đọc được"),
        ("0:09:59", "0:10:30", "quá thời lượng"),
    ]

    _, errors = check_lines(lines, duration=600.0)

    assert [(error.line, error.field) for error in errors] == [
        (2, "end"),
        (3, "start"),
        (4, "text"),
        (5, "end"),
        (6, "end"),
    ]
    assert errors[0].message == gettext("Line %(line)d ends (%(end)s) before it starts (%(start)s).") % {
        "line": 2,
        "start": "0:00:05.000",
        "end": "0:00:04.000",
    }
    assert errors[1].message == gettext(
        "Line %(line)d starts (%(start)s) before line %(previous)d ends (%(previous_end)s)."
    ) % {"line": 3, "start": "0:00:04.500", "end": "0:00:06.000", "previous": 2, "previous_end": "0:00:05.000"}
    assert "“bốn”" in errors[3].message
    assert "0:10:00.000" in errors[4].message


def test_lines_are_stored_nfc_with_single_spaces():
    decomposed = unicodedata.normalize("NFD", "Kiểm  sát   viên ")
    cues, errors = check_lines([("1", "2", decomposed)], duration=None)
    assert not errors
    assert cues[0].text == "Kiểm sát viên" and unicodedata.is_normalized("NFC", cues[0].text)


# --- The screen -----------------------------------------------------------------------------------------


def test_each_transcript_of_the_captions_screen_links_to_its_editor(client, tuan_editor, lecture):
    human = save_transcript(lecture, LINES, source="human")
    machine = save_transcript(lecture, LINES, source="machine")
    client.force_login(tuan_editor)

    html = client.get(reverse("media_captions", args=[lecture.pk])).content.decode()

    for transcript in (human, machine):
        row = html.split(f'data-transcript="vi-{transcript.source}"')[1].split("</tr>")[0]
        assert f'href="{edit_url(transcript)}"' in row


def test_an_editor_corrects_text_and_timing_and_marks_it_reviewed(client, tuan_editor, lecture):
    transcript = save_transcript(lecture, LINES, source="human")
    before = Transcript.objects.get(pk=transcript.pk).updated_at
    client.force_login(tuan_editor)
    lines, version, html = shown(client, transcript)
    assert lines[1] == ["0:00:03.500", "0:00:06.000", "kỹ năng xét hỏi của kiểm sát viên."]
    assert 'name="reviewed"' in html

    lines[1] = ["0:00:03,6", "6", unicodedata.normalize("NFD", "kỹ năng xét hỏi của Kiểm sát viên.")]
    # What the script does for "split" and "merge with next": the resulting lines are posted.
    lines[0:1] = [
        ["0:00:00.000", "0:00:01.800", "Thưa các đồng chí,"],
        ["0:00:01.800", "3.5", "hôm nay chúng ta tập huấn"],
    ]
    lines[3:5] = [["0:00:06.000", "0:00:09.000", "Phần một: chuẩn bị xét hỏi. Phần hai."]]
    response = save(client, transcript, lines, version, reviewed="on")

    assert response.status_code == 302 and response["Location"] == edit_url(transcript)
    transcript.refresh_from_db()
    assert transcript.reviewed and transcript.source == "human"
    assert transcript.updated_at > before
    assert list(transcript.segments.order_by("start").values_list("start", "end", "text")) == [
        (0.0, 1.8, "Thưa các đồng chí,"),
        (1.8, 3.5, "hôm nay chúng ta tập huấn"),
        (3.6, 6.0, "kỹ năng xét hỏi của Kiểm sát viên."),
        (6.0, 9.0, "Phần một: chuẩn bị xét hỏi. Phần hai."),
    ]
    assert all(unicodedata.is_normalized("NFC", text) for text in texts(transcript))
    page = client.get(response["Location"]).content.decode()
    saved = ngettext(
        "The %(language)s transcript was saved: %(count)d line.",
        "The %(language)s transcript was saved: %(count)d lines.",
        4,
    ) % {"language": language_name("vi"), "count": 4}
    assert saved in page


def test_a_refused_save_names_the_line_and_keeps_everything_typed(client, tuan_editor, lecture):
    transcript = save_transcript(lecture, LINES, source="human")
    client.force_login(tuan_editor)
    lines, version, _ = shown(client, transcript)
    lines[0][2] = "Thưa các đồng chí (đã sửa)"
    lines[2] = ["0:00:08.000", "0:00:07.000", "Phần một đã sửa"]

    response = save(client, transcript, lines, version, reviewed="on")

    assert response.status_code == 200
    html = response.content.decode()
    message = gettext("Line %(line)d ends (%(end)s) before it starts (%(start)s).") % {
        "line": 3,
        "start": "0:00:08.000",
        "end": "0:00:07.000",
    }
    assert message in html
    assert lines_in(html) == lines  # exactly as typed, the corrected first line too
    assert re.search(r'<input type="checkbox" name="reviewed"[^>]* checked', html)
    assert texts(transcript) == [cue.text for cue in LINES]


def test_saving_a_machine_transcript_stores_the_corrections_as_the_human_one(client, tuan_editor, lecture):
    machine = save_transcript(lecture, LINES, source="machine")
    client.force_login(tuan_editor)
    lines, version, html = shown(client, machine)
    assert "data-machine-note" in html
    lines[1][2] = "kỹ năng xét hỏi của Kiểm sát viên (đã sửa)."

    response = save(client, machine, lines, version)

    human = Transcript.objects.get(video=lecture, language="vi", source="human")
    assert response.status_code == 302 and response["Location"] == edit_url(human)
    assert texts(human)[1] == "kỹ năng xét hỏi của Kiểm sát viên (đã sửa)."
    assert texts(Transcript.objects.get(pk=machine.pk)) == [cue.text for cue in LINES]
    # A new automatic transcription replaces only the machine transcript: the corrections stay.
    save_transcript(lecture, [Cue(0, 1, "chạy lại")], source="machine")
    assert texts(human)[1] == "kỹ năng xét hỏi của Kiểm sát viên (đã sửa)."


def test_with_a_human_transcript_the_machine_editor_offers_it_and_replaces_it_only_when_ticked(
    client, tuan_editor, lecture
):
    machine = save_transcript(lecture, LINES, source="machine")
    human = save_transcript(lecture, [Cue(0, 2, "Bản của người soạn")], source="human")
    client.force_login(tuan_editor)
    lines, version, html = shown(client, machine)
    assert "data-human-exists" in html and f'href="{edit_url(human)}"' in html
    lines[0][2] = "Bản máy đã sửa"

    refused = save(client, machine, lines, version)

    assert refused.status_code == 200
    problem = gettext(
        "A transcript written by a person already exists in %(language)s. Tick “Replace the transcript written by "
        "a person with these lines” to replace it, or edit that transcript instead."
    ) % {"language": language_name("vi")}
    assert problem in refused.content.decode()
    assert lines_in(refused.content.decode()) == lines
    assert texts(human) == ["Bản của người soạn"]

    replaced = save(client, machine, lines, version, replace_human="on")

    assert replaced.status_code == 302
    assert texts(human)[0] == "Bản máy đã sửa"
    assert texts(machine) == [cue.text for cue in LINES]


def test_a_save_made_after_someone_elses_is_refused_until_the_editor_chooses_to_replace_it(
    client, tuan_editor, lecture
):
    transcript = save_transcript(lecture, LINES, source="human")
    client.force_login(tuan_editor)
    lines, version, _ = shown(client, transcript)
    time.sleep(0.01)
    save_transcript(lecture, [Cue(0, 2, "Người khác đã lưu")], source="human")  # a colleague, meanwhile
    lines[0][2] = "Tôi sửa dòng này"

    refused = save(client, transcript, lines, version)

    assert refused.status_code == 200
    html = refused.content.decode()
    assert "data-problem" in html and 'name="overwrite"' in html
    assert lines_in(html) == lines
    assert texts(transcript) == ["Người khác đã lưu"]
    confirmed = re.search(r'name="confirmed_version" value="([^"]*)"', html)
    assert confirmed is not None

    kept = save(client, transcript, lines, version, overwrite="on", confirmed_version=confirmed.group(1))

    assert kept.status_code == 302
    assert texts(transcript)[0] == "Tôi sửa dòng này"


def test_a_four_hour_transcript_opens_and_saves_in_one_go(client, tuan_editor):
    video = Video.objects.create(title="Hội nghị cả ngày", original="videos/y/original/a.mp4", duration=4 * 3600.0)
    cues = [Cue(i * 3.6, i * 3.6 + 3.5, f"Câu số {i} của bài giảng về kiểm sát điều tra") for i in range(4000)]
    transcript = save_transcript(video, cues, source="human")
    client.force_login(tuan_editor)

    started = time.monotonic()
    lines, version, _ = shown(client, transcript)
    assert len(lines) == 4000 and lines[-1][1] == format_time(3999 * 3.6 + 3.5)
    lines[3999][2] = "Câu cuối đã sửa"
    response = save(client, transcript, lines, version)
    elapsed = time.monotonic() - started

    assert response.status_code == 302
    assert transcript.segments.count() == 4000
    assert transcript.segments.order_by("-start").first().text == "Câu cuối đã sửa"
    # About 0.6 s here; generous for a loaded CI machine. A formset of 12,000 fields would not even post.
    assert elapsed < 20


def test_saving_re_indexes_so_search_finds_the_corrected_word(client, tuan_editor, lecture, database_search):
    Video.objects.filter(pk=lecture.pk).update(state=State.READY)
    training = add_training("Tập huấn kỹ năng xét hỏi", live=False)
    RecordingPart.objects.create(page=training, video=lecture, sort_order=0)
    TrainingPage.objects.get(pk=training.pk).save_revision().publish()
    machine = save_transcript(lecture, [Cue(0, 4, "bị can khai nhận hành vi chiếm đoạt tài sảng")], source="machine")
    assert sync.drain().ok
    IndexChange.objects.all().delete()
    client.force_login(tuan_editor)
    lines, version, _ = shown(client, machine)
    lines[0][2] = "bị can khai nhận hành vi lừa đảo chiếm đoạt tài sản"

    assert save(client, machine, lines, version).status_code == 302

    assert IndexChange.objects.filter(page_id=training.pk, done_at__isnull=True).exists()
    assert sync.drain().ok
    hits = run(parse_request({"q": "lừa đảo"}), tuan_editor, record=False).result.hits
    assert [hit.page_id for hit in hits] == [training.pk]
    assert any("lừa" in moment.text for moment in hits[0].moments)


def test_only_those_who_manage_recordings_reach_the_editor(client, lan_viewer, binh_admin_user, lecture):
    transcript = save_transcript(lecture, LINES, source="human")
    url = edit_url(transcript)
    payload = {"lines": json.dumps([["0", "1", "xoá sạch"]]), "version": ""}

    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(resolve_url(settings.LOGIN_URL))
    client.force_login(lan_viewer)
    assert client.get(url).status_code in (302, 403)
    assert client.post(url, payload).status_code in (302, 403)
    # Inside the admin but not a manager of recordings: the editor itself refuses.
    assert binh_admin_user.has_perm("wagtailadmin.access_admin") and not can_manage(binh_admin_user)
    client.force_login(binh_admin_user)
    assert client.get(reverse("wagtailadmin_home")).status_code == 200
    # Wagtail turns the editor's PermissionDenied into a 403 for scripts and a trip to the dashboard otherwise.
    for response in (client.get(url), client.post(url, payload)):
        assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    script = {"headers": {"X-Requested-With": "XMLHttpRequest"}}
    assert client.get(url, **script).status_code == 403
    assert client.post(url, payload, **script).status_code == 403
    assert texts(transcript) == [cue.text for cue in LINES]


# --- Overlaps, failed saves, conflicts ------------------------------------------------------------------


def test_small_overlaps_are_clipped_and_bigger_ones_refused():
    cues, clipped = clip_overlaps([Cue(0.0, 3.52, "một"), Cue(3.5, 6.0, "hai"), Cue(6.0, 9.0, "ba")])
    assert [(cue.start, cue.end) for cue in cues] == [(0.0, 3.5), (3.5, 6.0), (6.0, 9.0)] and clipped == [1]
    cues, clipped = clip_overlaps([Cue(0.0, 4.1, "một"), Cue(3.5, 6.0, "hai")])
    assert cues[0].end == 4.1 and clipped == []

    _, errors = check_lines([("0", "3.5", "một"), ("3", "6", "hai")], duration=None)  # 0.5 s: clipped
    assert errors == []
    _, errors = check_lines([("0", "3.6", "một"), ("3", "6", "hai")], duration=None)  # 0.6 s: a mistake
    assert [(error.line, error.field) for error in errors] == [(2, "start")]


def test_a_machine_transcript_with_slight_overlaps_opens_clipped_and_saves(client, tuan_editor, lecture):
    machine = save_transcript(
        lecture,
        [Cue(0.0, 3.52, "Thưa các đồng chí"), Cue(3.5, 6.0, "hôm nay"), Cue(6.0, 9.0, "tập huấn")],
        source="machine",
    )
    client.force_login(tuan_editor)
    lines, version, html = shown(client, machine)
    assert lines[0][:2] == ["0:00:00.000", "0:00:03.500"]
    assert "data-clipped" in html and 'data-goto-line="1"' in html
    lines[1][1] = "0:00:06.300"  # typed a little over the next line's start
    lines[2][2] = "tập huấn kỹ năng"

    response = save(client, machine, lines, version)

    assert response.status_code == 302
    human = Transcript.objects.get(video=lecture, source="human")
    assert list(human.segments.order_by("start").values_list("start", "end")) == [(0.0, 3.5), (3.5, 6.0), (6.0, 9.0)]
    told = ngettext(
        "%(count)d line ran up to half a second into the next one: it now ends where the next one starts.",
        "%(count)d lines ran up to half a second into the next one: they now end where the next one starts.",
        1,
    ) % {"count": 1}
    assert told in client.get(response["Location"]).content.decode()


def test_a_save_to_a_transcript_deleted_meanwhile_says_so_and_hands_the_lines_back(client, tuan_editor, lecture):
    transcript = save_transcript(lecture, LINES, source="human")
    client.force_login(tuan_editor)
    lines, version, _ = shown(client, transcript)
    delete_transcript(lecture, source="human")  # a colleague, meanwhile
    lines[0][2] = "Câu đã sửa"

    response = save(client, transcript, lines, version)

    assert response.status_code == 404
    html = response.content.decode()
    assert gettext("This transcript was deleted after you opened it, so your changes could not be saved.") in html
    link = re.search(r'href="data:text/vtt;charset=utf-8,([^"]*)" data-download-draft', html)
    assert link is not None
    vtt = urllib.parse.unquote(link.group(1).replace("&amp;", "&"))
    assert vtt.startswith("WEBVTT") and "0:00:00.000 --> 0:00:03.500\nCâu đã sửa" in vtt
    assert parse_captions(vtt)[0] == Cue(0.0, 3.5, "Câu đã sửa")


def test_the_choice_to_replace_the_other_version_survives_a_save_refused_for_a_line(client, tuan_editor, lecture):
    transcript = save_transcript(lecture, LINES, source="human")
    client.force_login(tuan_editor)
    lines, version, _ = shown(client, transcript)
    time.sleep(0.01)
    save_transcript(lecture, [Cue(0, 2, "Người khác đã lưu")], source="human")
    lines[0][2] = "Tôi sửa dòng này"
    conflict = save(client, transcript, lines, version).content.decode()
    confirmed = re.search(r'name="confirmed_version" value="([^"]*)"', conflict)
    assert confirmed is not None
    lines[1][1] = "0:00:01.000"  # ends before it starts

    refused = save(client, transcript, lines, version, overwrite="on", confirmed_version=confirmed.group(1))

    html = refused.content.decode()
    assert refused.status_code == 200 and "data-errors" in html
    assert re.search(r'<input type="checkbox" name="overwrite"[^>]* checked', html)
    kept = re.search(r'name="confirmed_version" value="([^"]*)"', html)
    assert kept is not None and kept.group(1) == confirmed.group(1)
    lines[1][1] = "0:00:06.000"

    saved = save(client, transcript, lines, version, overwrite="on", confirmed_version=kept.group(1))

    assert saved.status_code == 302
    assert texts(transcript)[0] == "Tôi sửa dòng này"


def test_labels_for_the_script_are_escaped_whatever_the_translation(client, tuan_editor, lecture, monkeypatch):
    transcript = save_transcript(lecture, LINES, source="human")
    client.force_login(tuan_editor)
    from django.utils.translation import trans_real

    real = trans_real.gettext

    def quoting(message: str) -> str:
        result = real(message)
        if message == "Split":
            quoted = 'Tách "dòng" <b>'
            # Translations of template literals are marked safe, as Django's own gettext does.
            return mark_safe(quoted) if isinstance(result, SafeData) else quoted  # noqa: S308
        return result

    monkeypatch.setattr(translation._trans, "gettext", quoting, raising=False)

    html = client.get(edit_url(transcript)).content.decode()

    assert 'data-label-split="Tách &quot;dòng&quot; &lt;b&gt;"' in html
