"""The recordings admin: list with states, upload, retry, live status, queue, deletion, chooser."""

from __future__ import annotations

import shutil

from django.core.files.uploadedfile import SimpleUploadedFile

import pytest

from media import processing
from media.models import Video
from media.states import State

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_video(media_storage, tmp_path, not_media) -> Video:
    copy = tmp_path / "sai.mp4"
    shutil.copy(not_media, copy)
    return processing.create_video(copy, title="Tệp nhầm", move=True)


@pytest.fixture
def ready_video(media_storage, tmp_path, clip_silent) -> Video:
    copy = tmp_path / "ok.mp4"
    shutil.copy(clip_silent, copy)
    video = processing.create_video(copy, title="Bài giảng buổi chiều", move=True)
    processing.process(video.pk)
    return Video.objects.get(pk=video.pk)


def test_editors_see_recordings_with_their_state_and_error(client, tuan_editor, failed_video, ready_video):
    client.force_login(tuan_editor)
    html = client.get("/admin/media/videos/").content.decode()
    assert "Tệp nhầm" in html and "Bài giảng buổi chiều" in html
    assert failed_video.error in html
    assert "Sẵn sàng" in html and "Không thành công" in html


def test_viewers_cannot_open_the_recordings_admin(client, lan_viewer, hoa_reviewer):
    for user in (lan_viewer, hoa_reviewer):
        client.force_login(user)
        assert client.get("/admin/media/videos/").status_code in (302, 403)
        assert client.get("/admin/media/videos/status/?id=1").status_code in (302, 403)


def test_an_editor_uploads_a_small_recording_which_is_checked_and_queued(
    client, tuan_editor, media_storage, clip_silent
):
    client.force_login(tuan_editor)
    response = client.post(
        "/admin/media/videos/new/",
        {"title": "Tập huấn nhanh", "file": SimpleUploadedFile("nhanh.mp4", clip_silent.read_bytes(), "video/mp4")},
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    video = Video.objects.get(title="Tập huấn nhanh")
    assert video.state == State.QUEUED and video.uploaded_by == tuan_editor


def test_retry_queues_a_failed_recording_again(client, tuan_editor, failed_video):
    client.force_login(tuan_editor)
    client.post(f"/admin/media/videos/retry/{failed_video.pk}/")
    failed_video.refresh_from_db()
    assert failed_video.state == State.QUEUED


def test_the_status_endpoint_reports_progress_for_live_updates(client, tuan_editor, ready_video, failed_video):
    Video.objects.filter(pk=ready_video.pk).update(state=State.PROCESSING, progress=42.0, eta_seconds=75)
    client.force_login(tuan_editor)
    data = client.get(f"/admin/media/videos/status/?id={ready_video.pk}&id={failed_video.pk}").json()
    by_id = {item["id"]: item for item in data["videos"]}
    assert by_id[ready_video.pk]["progress"] == 42.0 and "42%" in by_id[ready_video.pk]["label"]
    assert by_id[failed_video.pk]["state"] == "failed" and by_id[failed_video.pk]["error"]


def test_the_queue_page_tells_whether_workers_run(client, tuan_editor, failed_video):
    client.force_login(tuan_editor)
    html = client.get("/admin/media/videos/queue/").content.decode()
    assert "Tệp nhầm" in html


def test_deleting_in_the_admin_removes_the_files(
    client, tuan_editor, ready_video, media_storage, django_capture_on_commit_callbacks
):
    folder = media_storage / f"videos/{ready_video.key}"
    assert folder.exists()
    client.force_login(tuan_editor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/media/videos/delete/{ready_video.pk}/")
    assert not Video.objects.filter(pk=ready_video.pk).exists()
    assert not folder.exists()


def test_the_training_editor_offers_a_recording_chooser(client, tuan_editor, ready_video):
    from portal.trainings.models import TrainingIndexPage

    client.force_login(tuan_editor)
    editor = client.get(f"/admin/pages/add/trainings/trainingpage/{TrainingIndexPage.objects.get().pk}/")
    assert "/admin/media/video-chooser/" in editor.content.decode()
    chooser = client.get("/admin/media/video-chooser/")
    assert chooser.status_code == 200
    assert "Bài giảng buổi chiều" in chooser.json()["html"]
    assert "Sẵn sàng" in chooser.json()["html"]  # the state shows, so editors pick a ready recording


def test_the_admin_retries_a_queued_video_and_one_whose_worker_died_but_not_a_working_one(
    client, tuan_editor, media_storage, tmp_path, clip_silent, settings
):
    from datetime import timedelta

    from django.utils import timezone
    from django.utils.translation import gettext

    copy = tmp_path / "cho.mp4"
    shutil.copy(clip_silent, copy)
    video = processing.create_video(copy, title="Bài giảng chờ xử lý", move=True)
    client.force_login(tuan_editor)
    assert f"/admin/media/videos/retry/{video.pk}/" in client.get("/admin/media/videos/").content.decode()
    answer = client.post(f"/admin/media/videos/retry/{video.pk}/", follow=True)
    assert str(gettext("“%(title)s” will be converted again.") % {"title": video.title}) in answer.content.decode()
    assert Video.objects.get(pk=video.pk).state == State.QUEUED

    processing.claim(video.pk)  # a worker is on it, alive
    answer = client.post(f"/admin/media/videos/retry/{video.pk}/", follow=True)
    assert str(gettext("“%(title)s” is already being converted.") % {"title": video.title}) in answer.content.decode()
    assert Video.objects.get(pk=video.pk).state == State.PROCESSING

    # The worker died: no sign of life for longer than VIDEO_STALE_AFTER_SECONDS.
    Video.objects.filter(pk=video.pk).update(
        processing_heartbeat=timezone.now() - timedelta(seconds=settings.VIDEO_STALE_AFTER_SECONDS + 5)
    )
    assert f"/admin/media/videos/retry/{video.pk}/" in client.get("/admin/media/videos/").content.decode()
    client.post(f"/admin/media/videos/retry/{video.pk}/")
    video.refresh_from_db()
    assert video.state == State.QUEUED
    assert processing.process(video.pk) == State.READY


def test_retry_goes_back_only_to_an_address_of_the_portal(client, tuan_editor, failed_video):
    client.force_login(tuan_editor)
    answer = client.post(f"/admin/media/videos/retry/{failed_video.pk}/", {"next": "https://example.com/phish"})
    assert answer.status_code == 302 and answer["Location"] == "/admin/media/videos/"
    failed_video.refresh_from_db()
    answer = client.post(f"/admin/media/videos/retry/{failed_video.pk}/", {"next": "/admin/media/videos/?state=failed"})
    assert answer["Location"] == "/admin/media/videos/?state=failed"


def test_asking_before_converting_again_changes_nothing(client, tuan_editor, ready_video):
    client.force_login(tuan_editor)
    answer = client.get(f"/admin/media/videos/retry/{ready_video.pk}/?next=/admin/media/videos/")
    assert answer.status_code == 200
    assert f'action="/admin/media/videos/retry/{ready_video.pk}/"' in answer.content.decode()
    assert Video.objects.get(pk=ready_video.pk).state == State.READY
