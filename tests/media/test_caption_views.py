"""The captions and transcript of a recording reach exactly those who may watch it: WebVTT for the player's
track, JSON for its panel, text to save, with Vietnamese file names that survive every browser."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.urls import reverse

from wagtail.models import PageViewRestriction

import pytest

from media.captions import Cue, parse_captions
from media.models import Video
from media.transcripts import save_transcript
from portal.trainings.models import RecordingPart, TrainingIndexPage, TrainingPage
from portal.units import roles
from tests.practices.pages import add_training

pytestmark = pytest.mark.django_db

OPENING = [
    Cue(0.0, 2.5, "Thưa các đồng chí, hôm nay chúng ta tập huấn kỹ năng xét hỏi."),
    Cue(2.5, 5.0, "Điều tra viên & kiểm sát viên <cùng> tham dự."),
    Cue(65.0, 3730.0, "Phần hỏi đáp."),
]


@pytest.fixture
def lecture() -> Video:
    return Video.objects.create(title="Tập huấn: Đắk Lắk / 2026", original="videos/x/original/bai-giang.mp4")


def training_with(video: Video, *, live: bool = True) -> TrainingPage:
    return add_training("Tập huấn kỹ năng xét hỏi", parts=(video,), live=live)


def urls(video: Video) -> dict[str, str]:
    return {
        "vtt": reverse("media:captions", args=[video.key]),
        "json": reverse("media:transcript_json", args=[video.key]),
        "txt": reverse("media:transcript_text", args=[video.key]),
    }


def test_a_viewer_of_the_training_gets_the_captions_as_webvtt(client, lan_viewer, lecture):
    training_with(lecture)
    save_transcript(lecture, OPENING, source="human")
    client.force_login(lan_viewer)

    response = client.get(urls(lecture)["vtt"])

    assert response.status_code == 200
    assert response["Content-Type"] == "text/vtt; charset=utf-8"
    assert "no-cache" in response["Cache-Control"] and "Content-Disposition" not in response
    body = response.content.decode()
    assert body.startswith("WEBVTT\n")
    assert "00:00:02.500 --> 00:00:05.000\nĐiều tra viên &amp; kiểm sát viên &lt;cùng&gt; tham dự." in body
    assert [cue.text for cue in parse_captions(response.content)] == [cue.text for cue in OPENING]


def test_the_panel_gets_the_segments_as_json(client, lan_viewer, lecture):
    training_with(lecture)
    save_transcript(lecture, OPENING, source="machine")
    client.force_login(lan_viewer)

    data = client.get(urls(lecture)["json"]).json()

    assert data["language"] == "vi" and data["source"] == "machine" and data["reviewed"] is False
    assert data["segments"][1] == {"start": 2.5, "end": 5.0, "text": OPENING[1].text}


def test_the_text_download_has_one_timed_line_per_segment_and_a_transliterated_name(client, lan_viewer, lecture):
    training_with(lecture)
    save_transcript(lecture, OPENING, source="human")
    client.force_login(lan_viewer)

    response = client.get(urls(lecture)["txt"])

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode("utf-8-sig")
    assert text.splitlines() == [
        "[0:00] Thưa các đồng chí, hôm nay chúng ta tập huấn kỹ năng xét hỏi.",
        "[0:02] Điều tra viên & kiểm sát viên <cùng> tham dự.",
        "[1:05] Phần hỏi đáp.",
    ]
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="Tap huan Dak Lak 2026.txt"' in disposition
    assert "filename*=UTF-8''T%E1%BA%ADp%20hu%E1%BA%A5n%20%C4%90%E1%BA%AFk%20L%E1%BA%AFk%202026.txt" in disposition


def test_the_webvtt_download_is_named_after_the_recording(client, lan_viewer, lecture):
    training_with(lecture)
    save_transcript(lecture, OPENING, source="human")
    client.force_login(lan_viewer)

    response = client.get(urls(lecture)["vtt"] + "?download=1")

    assert 'filename="Tap huan Dak Lak 2026.vtt"' in response["Content-Disposition"]


def test_the_human_transcript_is_preferred_and_a_language_or_source_can_be_asked_for(client, tuan_editor, lecture):
    save_transcript(lecture, [Cue(0, 1, "Bản máy")], source="machine")
    save_transcript(lecture, [Cue(0, 1, "Bản người soạn")], source="human")
    save_transcript(lecture, [Cue(0, 1, "The human English version")], source="human", language="en")
    client.force_login(tuan_editor)
    json_url = urls(lecture)["json"]

    assert client.get(json_url).json()["segments"][0]["text"] == "Bản người soạn"
    assert client.get(json_url + "?source=machine").json()["segments"][0]["text"] == "Bản máy"
    assert client.get(json_url + "?lang=en").json()["segments"][0]["text"] == "The human English version"
    assert client.get(json_url + "?lang=fr").status_code == 404
    assert client.get(json_url + "?lang=not a language").status_code == 404
    english = client.get(urls(lecture)["vtt"] + "?lang=en&download=1")
    assert english["Content-Language"] == "en"
    assert 'filename="Tap huan Dak Lak 2026 (en).vtt"' in english["Content-Disposition"]


def test_a_recording_without_a_transcript_has_no_captions(client, tuan_editor, lecture):
    client.force_login(tuan_editor)
    for url in urls(lecture).values():
        assert client.get(url).status_code == 404


def test_nobody_else_learns_what_is_said(client, lan_viewer, hoa_reviewer, tuan_editor, lecture):
    page = training_with(lecture)
    save_transcript(lecture, OPENING, source="human")
    restriction = PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(Group.objects.get(name=roles.REVIEWER))

    client.force_login(lan_viewer)  # not in the group the training is restricted to
    assert [client.get(url).status_code for url in urls(lecture).values()] == [404, 404, 404]
    client.force_login(hoa_reviewer)
    assert [client.get(url).status_code for url in urls(lecture).values()] == [200, 200, 200]
    client.force_login(tuan_editor)
    assert client.get(urls(lecture)["vtt"]).status_code == 200
    client.logout()
    response = client.get(urls(lecture)["vtt"])
    assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")


def test_a_recording_of_an_unpublished_training_keeps_its_transcript_for_editors(
    client, lan_viewer, tuan_editor, lecture
):
    training_with(lecture, live=False)
    save_transcript(lecture, OPENING, source="human")
    client.force_login(lan_viewer)
    assert [client.get(url).status_code for url in urls(lecture).values()] == [404, 404, 404]
    client.force_login(tuan_editor)  # who manages recordings, and prepares the training
    assert [client.get(url).status_code for url in urls(lecture).values()] == [200, 200, 200]


def test_the_player_offers_the_track_and_the_panel_only_for_parts_with_a_transcript(client, lan_viewer):
    captioned = Video.objects.create(title="Buổi sáng", original="a.mp4", output_dir="videos/a/out", state="ready")
    silent = Video.objects.create(title="Buổi chiều", original="b.mp4", output_dir="videos/b/out", state="ready")
    save_transcript(captioned, OPENING, source="human")
    page = TrainingPage(title="Tập huấn hai buổi")
    TrainingIndexPage.objects.get().add_child(instance=page)
    RecordingPart.objects.create(page=page, video=captioned, sort_order=0)
    RecordingPart.objects.create(page=page, video=silent, sort_order=1)
    page.save_revision().publish()
    client.force_login(lan_viewer)

    html = client.get(page.url).content.decode()

    assert html.count("data-part-captions=") == 1
    assert f'data-part-captions="{urls(captioned)["vtt"]}"' in html
    assert f'data-part-transcript="{urls(captioned)["json"]}"' in html
    assert 'data-part-captions-lang="vi"' in html
    assert "data-transcript " in html or "data-transcript\n" in html
