"""Every byte of a recording goes through a permission check, with Range support for players."""

from __future__ import annotations

import shutil

from wagtail.models import PageViewRestriction

import pytest

from media import processing
from media.models import Video
from portal.trainings.models import RecordingPart, TrainingIndexPage, TrainingPage
from portal.units import roles

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_video(media_storage, tmp_path, clip_silent) -> Video:
    copy = tmp_path / "buoi-sang.mp4"
    shutil.copy(clip_silent, copy)
    video = processing.create_video(copy, title="Buổi sáng", original_name="Buổi sáng.mp4", move=True)
    processing.process(video.pk)
    return Video.objects.get(pk=video.pk)


def training_with(video: Video, *, live: bool = True) -> TrainingPage:
    page = TrainingPage(title="Tập huấn kỹ năng tranh tụng", live=live)
    TrainingIndexPage.objects.get().add_child(instance=page)
    RecordingPart.objects.create(page=page, video=video, sort_order=0)
    if live:
        page.save_revision().publish()
    return page


def segment_of(video: Video) -> str:
    rendition = video.renditions.exclude(name="audio").first()
    return rendition.playlist.removeprefix(f"{video.output_dir}/").rsplit("/", 1)[0] + "/seg_00000.ts"


def test_anonymous_visitors_get_nothing(client, ready_video):
    training_with(ready_video)
    for url in [
        ready_video.master_url,
        ready_video.file_url(segment_of(ready_video)),
        f"/media/v/{ready_video.key}/goc/",
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")


def test_staff_watch_a_published_training_with_the_right_headers(client, lan_viewer, ready_video):
    training_with(ready_video)
    client.force_login(lan_viewer)
    master = client.get(ready_video.master_url)
    assert master.status_code == 200
    assert master["Content-Type"] == "application/vnd.apple.mpegurl"
    assert "no-cache" in master["Cache-Control"]
    assert b"#EXTM3U" in b"".join(master.streaming_content)
    segment = client.get(ready_video.file_url(segment_of(ready_video)))
    assert segment.status_code == 200 and segment["Content-Type"] == "video/mp2t"
    assert "immutable" in segment["Cache-Control"]
    poster = client.get(ready_video.output_url(ready_video.poster))
    assert poster.status_code == 200 and poster["Content-Type"] == "image/jpeg"


def test_range_requests_get_partial_content(client, lan_viewer, ready_video):
    training_with(ready_video)
    client.force_login(lan_viewer)
    url = ready_video.file_url(segment_of(ready_video))
    whole = b"".join(client.get(url).streaming_content)
    part = client.get(url, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{len(whole)}"
    assert b"".join(part.streaming_content) == whole[100:200]
    tail = client.get(url, HTTP_RANGE="bytes=-50")
    assert b"".join(tail.streaming_content) == whole[-50:]
    assert client.get(url, HTTP_RANGE=f"bytes={len(whole) + 10}-").status_code == 416


def test_a_recording_of_an_unpublished_training_is_for_editors_only(client, lan_viewer, tuan_editor, ready_video):
    training_with(ready_video, live=False)
    client.force_login(lan_viewer)
    assert client.get(ready_video.master_url).status_code == 404
    client.force_login(tuan_editor)
    assert client.get(ready_video.master_url).status_code == 200


def test_a_restricted_training_keeps_its_recording_from_other_groups(client, lan_viewer, hoa_reviewer, ready_video):
    from django.contrib.auth.models import Group

    page = training_with(ready_video)
    restriction = PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(Group.objects.get(name=roles.REVIEWER))
    client.force_login(lan_viewer)
    assert client.get(ready_video.master_url).status_code == 404
    client.force_login(hoa_reviewer)
    assert client.get(ready_video.master_url).status_code == 200


def test_only_editors_download_originals(client, lan_viewer, tuan_editor, ready_video):
    training_with(ready_video)
    client.force_login(lan_viewer)
    assert client.get(f"/media/v/{ready_video.key}/goc/").status_code == 404
    client.force_login(tuan_editor)
    response = client.get(f"/media/v/{ready_video.key}/goc/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert "Bu%E1%BB%95i%20s%C3%A1ng.mp4" in response["Content-Disposition"]


def test_paths_cannot_escape_the_published_folder(client, tuan_editor, ready_video):
    client.force_login(tuan_editor)
    base = f"/media/v/{ready_video.key}/"
    assert client.get(base + "../original/x").status_code == 404
    assert client.get(base + "..%2F..%2Fdb.sqlite3").status_code == 404


def test_behind_nginx_the_bytes_are_handed_over_with_x_accel(client, tuan_editor, ready_video, settings):
    settings.SERVE_MEDIA_WITH = "x-accel"
    client.force_login(tuan_editor)
    response = client.get(ready_video.master_url)
    assert response["X-Accel-Redirect"] == f"/protected-media/{ready_video.output_dir}/master.m3u8"
    assert response["Content-Type"] == "application/vnd.apple.mpegurl"
