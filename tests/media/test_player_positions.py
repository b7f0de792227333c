"""Where each viewer stopped in a recording: read and saved by the player through /media/v/<key>/vi-tri/."""

from __future__ import annotations

import json

from django.contrib.auth.models import Group
from django.test import Client

from wagtail.models import PageViewRestriction

import pytest

from media.models import PlaybackPosition, Video
from media.player_views import parse_position
from media.states import State
from portal.trainings.models import TrainingPage
from tests.practices.pages import add_training

pytestmark = pytest.mark.django_db

DURATION = 300.0


@pytest.fixture
def video() -> Video:
    return Video.objects.create(
        title="Kỹ năng xét hỏi bị can",
        original="videos/test/original/xet-hoi.mp4",
        duration=DURATION,
        state=State.READY,
        output_dir="videos/test/hls-1-abcd",
    )


def show_on_a_training(video: Video, *, live: bool = True) -> TrainingPage:
    return add_training("Tập huấn kỹ năng xét hỏi", parts=(video,), live=live)


def url_of(video: Video) -> str:
    return f"/media/v/{video.key}/vi-tri/"


def test_a_viewer_finds_where_they_stopped(client, lan_viewer, video):
    show_on_a_training(video)
    client.force_login(lan_viewer)
    assert client.get(url_of(video)).json() == {"seconds": 0.0}

    saved = client.post(url_of(video), {"seconds": "154.5"})
    assert saved.status_code == 200 and saved.json() == {"seconds": 154.5}

    client.post(url_of(video), {"seconds": "120.25"})
    answer = client.get(url_of(video))
    assert answer.json() == {"seconds": 120.25}
    assert "no-cache" in answer["Cache-Control"]
    assert PlaybackPosition.objects.filter(user=lan_viewer, video=video).count() == 1


def test_every_viewer_has_a_position_of_their_own(client, lan_viewer, tuan_editor, video):
    show_on_a_training(video)
    client.force_login(lan_viewer)
    client.post(url_of(video), {"seconds": "42"})
    client.force_login(tuan_editor)
    assert client.get(url_of(video)).json() == {"seconds": 0.0}
    client.post(url_of(video), {"seconds": "200"})

    client.force_login(lan_viewer)
    assert client.get(url_of(video)).json() == {"seconds": 42.0}
    assert PlaybackPosition.objects.get(user=tuan_editor, video=video).seconds == 200.0


def test_anonymous_visitors_are_sent_to_log_in(client, video):
    show_on_a_training(video)
    for response in (client.get(url_of(video)), client.post(url_of(video), {"seconds": "10"})):
        assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")
    assert not PlaybackPosition.objects.exists()


def test_someone_who_may_not_see_the_video_learns_nothing_of_it(client, lan_viewer, video):
    client.force_login(lan_viewer)
    # On no published training: not even its existence is revealed.
    show_on_a_training(video, live=False)
    assert client.get(url_of(video)).status_code == 404
    assert client.post(url_of(video), {"seconds": "10"}).status_code == 404

    # On a training kept for a group the viewer is not in.
    restricted = show_on_a_training(video)
    restriction = PageViewRestriction.objects.create(page=restricted, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(Group.objects.create(name="Lãnh đạo Viện"))
    TrainingPage.objects.exclude(pk=restricted.pk).delete()
    assert client.get(url_of(video)).status_code == 404
    assert client.post(url_of(video), {"seconds": "10"}).status_code == 404

    assert client.get("/media/v/00000000-0000-4000-8000-000000000000/vi-tri/").status_code == 404
    assert not PlaybackPosition.objects.exists()


@pytest.mark.parametrize("value", ["-5", "abc", "", "nan", "inf", "1e400", str(DURATION + 60)])
def test_values_no_player_could_send_leave_the_position_alone(client, lan_viewer, video, value):
    show_on_a_training(video)
    client.force_login(lan_viewer)
    client.post(url_of(video), {"seconds": "100"})
    refused = client.post(url_of(video), {"seconds": value})
    assert refused.status_code == 400
    assert refused.json()["seconds"] == 100.0
    assert client.get(url_of(video)).json() == {"seconds": 100.0}


def test_a_position_a_little_past_the_end_counts_as_the_end(client, lan_viewer, video):
    show_on_a_training(video)
    client.force_login(lan_viewer)
    assert client.post(url_of(video), {"seconds": str(DURATION + 0.04)}).json() == {"seconds": DURATION}


def test_saving_needs_the_csrf_token_in_a_header_or_in_the_body(lan_viewer, video):
    page = show_on_a_training(video)
    client = Client(enforce_csrf_checks=True)
    client.force_login(lan_viewer)
    assert client.post(url_of(video), {"seconds": "10"}).status_code == 403

    # The training page hands the token to the player.
    assert client.get(page.url).status_code == 200
    token = client.cookies["csrftoken"].value
    as_json = client.post(url_of(video), json.dumps({"seconds": 11.5}), "application/json", HTTP_X_CSRFTOKEN=token)
    assert as_json.status_code == 200 and as_json.json() == {"seconds": 11.5}
    # What navigator.sendBeacon sends: form-encoded, the token in the body.
    as_beacon = client.post(url_of(video), {"seconds": "12.75", "csrfmiddlewaretoken": token})
    assert as_beacon.status_code == 200
    assert PlaybackPosition.objects.get(user=lan_viewer, video=video).seconds == 12.75


def test_only_reading_and_saving_are_allowed(client, lan_viewer, video):
    show_on_a_training(video)
    client.force_login(lan_viewer)
    assert client.delete(url_of(video)).status_code == 405


@pytest.mark.parametrize(
    ("raw", "duration", "expected"),
    [
        ("12.5", 60.0, 12.5),
        (0, 60.0, 0.0),
        ("61.5", 60.0, 60.0),
        ("63", 60.0, None),
        ("-0.1", 60.0, None),
        (None, 60.0, None),
        ("5000", None, 5000.0),
        (float("nan"), None, None),
        (True, 60.0, None),
    ],
)
def test_which_positions_are_believed(raw, duration, expected):
    assert parse_position(raw, duration) == expected


@pytest.mark.parametrize("payload", ['{"seconds": 1' + "0" * 400 + "}", '{"seconds": -1' + "0" * 400 + "}"])
def test_a_number_too_large_for_a_float_is_refused_not_a_server_error(client, lan_viewer, video, payload):
    show_on_a_training(video)
    client.force_login(lan_viewer)
    client.post(url_of(video), {"seconds": "100"})
    refused = client.post(url_of(video), payload, "application/json")
    assert refused.status_code == 400 and refused.json()["seconds"] == 100
    assert parse_position(10**400, None) is None
