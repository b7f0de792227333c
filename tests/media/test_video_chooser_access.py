"""The recording chooser lists every recording by title: it opens only for those who may choose a recording for a
training (training editors and administrators: media's can_manage). Every other persona — a viewer, a submitter,
a reviewer, someone with admin access and no rights on recordings — learns no title from any of its views."""

from __future__ import annotations

import shutil

from django.urls import reverse

import pytest

from media import processing
from media.models import Video

pytestmark = pytest.mark.django_db

TITLE = "Hỏi cung bị can trong vụ án tham nhũng"


@pytest.fixture
def recording(media_storage, tmp_path, not_media) -> Video:
    copy = tmp_path / "hoi-cung.mp4"
    shutil.copy(not_media, copy)
    return processing.create_video(copy, title=TITLE, move=True)  # checked by ffprobe only: no transcode


def chooser_urls(video: Video) -> list[str]:
    return [
        reverse("media_video_chooser:choose"),
        reverse("media_video_chooser:choose_results") + "?q=tham+nh%C5%A9ng",
        reverse("media_video_chooser:chosen", args=[video.pk]),
        reverse("media_video_chooser:chosen_multiple") + f"?id={video.pk}",
        reverse("media_video_chooser:create"),
    ]


def test_training_editors_and_administrators_choose_recordings(client, tuan_editor, quang_admin, recording):
    for user in (tuan_editor, quang_admin):
        client.force_login(user)
        listing = client.get(reverse("media_video_chooser:choose"))
        assert listing.status_code == 200 and TITLE in listing.json()["html"], user
        chosen = client.get(reverse("media_video_chooser:chosen", args=[recording.pk]))
        assert chosen.status_code == 200 and chosen.json()["result"]["title"] == TITLE, user


def test_nobody_else_learns_a_recording_title_from_the_chooser(
    client, lan_viewer, minh_submitter, hoa_reviewer, binh_admin_user, recording
):
    for user in (lan_viewer, minh_submitter, hoa_reviewer, binh_admin_user):
        client.force_login(user)
        for url in chooser_urls(recording):
            response = client.get(url)
            assert response.status_code in (302, 403), (user, url, response.status_code)
            assert TITLE not in response.content.decode(), (user, url)
            assert "Hỏi cung" not in response.content.decode(), (user, url)
