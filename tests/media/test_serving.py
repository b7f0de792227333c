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
    assert master.content.startswith(b"#EXTM3U")
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
    response = client.get(ready_video.output_url(ready_video.poster))
    assert response["X-Accel-Redirect"] == f"/protected-media/{ready_video.poster}"
    assert response["Content-Type"] == "image/jpeg"


@pytest.fixture
def vietnamese_original(media_storage, tmp_path, clip_silent) -> Video:
    copy = tmp_path / "upload.mp4"
    shutil.copy(clip_silent, copy)
    return processing.create_video(copy, title="Tập huấn", original_name="Tập huấn Đắk Lắk.mp4", move=True)


def test_behind_nginx_a_vietnamese_file_name_is_percent_encoded_not_mime_encoded(
    client, tuan_editor, vietnamese_original, settings
):
    from urllib.parse import quote, unquote

    settings.SERVE_MEDIA_WITH = "x-accel"
    client.force_login(tuan_editor)
    response = client.get(f"/media/v/{vietnamese_original.key}/goc/")
    header = response["X-Accel-Redirect"]
    assert "=?utf-8?" not in header and header.isascii()
    assert header == "/protected-media/" + quote(vietnamese_original.original.name, safe="/")
    assert unquote(header) == f"/protected-media/{vietnamese_original.original.name}"  # what nginx looks up
    assert "/original/T%E1%BA%ADp" in header


def test_the_plain_download_name_keeps_every_letter_without_its_accent(client, tuan_editor, vietnamese_original):
    client.force_login(tuan_editor)
    for serve_with in ("django", "x-accel"):
        from django.test import override_settings

        with override_settings(SERVE_MEDIA_WITH=serve_with):
            disposition = client.get(f"/media/v/{vietnamese_original.key}/goc/")["Content-Disposition"]
        assert 'filename="Tap huan Dak Lak.mp4"' in disposition
        assert "filename*=UTF-8''T%E1%BA%ADp%20hu%E1%BA%A5n%20%C4%90%E1%BA%AFk%20L%E1%BA%AFk.mp4" in disposition


def test_head_requests_are_answered_like_get_without_a_body(client, tuan_editor, lan_viewer, ready_video):
    training_with(ready_video)
    client.force_login(lan_viewer)
    head = client.head(ready_video.master_url)
    assert head.status_code == 200 and head["Content-Type"] == "application/vnd.apple.mpegurl"
    assert head["Content-Length"] == client.get(ready_video.master_url)["Content-Length"]
    client.force_login(tuan_editor)
    assert client.head(f"/media/v/{ready_video.key}/goc/").status_code == 200
    assert client.post(ready_video.master_url).status_code == 405


def test_a_range_whose_end_comes_before_its_start_is_ignored(client, lan_viewer, ready_video):
    training_with(ready_video)
    client.force_login(lan_viewer)
    url = ready_video.file_url(segment_of(ready_video))
    whole = b"".join(client.get(url).streaming_content)
    response = client.get(url, HTTP_RANGE="bytes=5-3")
    assert response.status_code == 200 and "Content-Range" not in response
    assert b"".join(response.streaming_content) == whole


@pytest.mark.parametrize("state", ["queued", "processing", "failed"])
def test_while_a_ready_recording_is_converted_again_viewers_keep_the_previous_outputs(
    client, lan_viewer, ready_video, state
):
    from django.utils.translation import gettext

    page = training_with(ready_video)
    master_url = ready_video.master_url
    Video.objects.filter(pk=ready_video.pk).update(state=state)
    video = Video.objects.get(pk=ready_video.pk)
    assert video.has_outputs and video.master_url == master_url
    client.force_login(lan_viewer)
    html = client.get(page.url).content.decode()
    assert f'data-part-master="{master_url}"' in html and 'data-part-ready="true"' in html
    assert "data-part-message" not in html
    assert str(gettext("This part cannot be played: its recording could not be converted.")) not in html
    assert client.get(master_url).status_code == 200


def test_a_recording_never_converted_shows_its_state_instead(client, lan_viewer, media_storage, tmp_path, clip_silent):
    copy = tmp_path / "moi.mp4"
    shutil.copy(clip_silent, copy)
    video = processing.create_video(copy, title="Mới tải lên", move=True)
    page = training_with(video)
    assert not video.has_outputs and video.master_url == ""
    client.force_login(lan_viewer)
    html = client.get(page.url).content.decode()
    assert "data-part-master" not in html and "data-part-message" in html
