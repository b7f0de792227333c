"""Deleting a recording: the row first, the files once that has committed; its upload forgotten too."""

from __future__ import annotations

import hashlib
import json
import shutil
import zlib
from pathlib import Path

from django.contrib.auth.models import Permission
from django.db.models import ProtectedError
from django.test import Client

import pytest

from media import processing
from media.models import UploadSession, Video
from media.states import State
from portal.trainings.models import RecordingPart, TrainingIndexPage, TrainingPage
from portal.units.models import User

pytestmark = pytest.mark.django_db

CHUNK = 256 * 1024


@pytest.fixture
def editor(tuan_editor, settings, media_storage) -> User:
    settings.MEDIA_UPLOAD_CHECK_BYTES = 64 * 1024
    if not tuan_editor.has_perm("media.add_video"):
        tuan_editor.user_permissions.add(Permission.objects.get(content_type__app_label="media", codename="add_video"))
    return User.objects.get(pk=tuan_editor.pk)


@pytest.fixture
def browser(editor) -> Client:
    client = Client()
    client.force_login(editor)
    return client


def send(client: Client, path: Path, *, upto: int | None = None) -> dict:
    """What the upload page does: open (or find) the session for this file and send it, chunk by chunk."""
    data = path.read_bytes()
    payload = {"filename": path.name, "size": len(data), "fingerprint": f"fp-{path.name}"}
    session = client.post("/media/tai-len/", json.dumps(payload), content_type="application/json").json()
    offset, end = session["offset"], len(data) if upto is None else upto
    while offset < end:
        chunk = data[offset : min(offset + CHUNK, end)]
        answer = client.patch(
            session["url"],
            chunk,
            content_type="application/offset+octet-stream",
            headers={"Upload-Offset": str(offset), "Upload-Checksum": f"crc32 {zlib.crc32(chunk) & 0xFFFFFFFF:08x}"},
        )
        assert answer.status_code == 200, answer.content
        offset = answer.json()["offset"]
    return session


def complete(client: Client, session: dict) -> dict:
    answer = client.post(session["complete_url"], "{}", content_type="application/json")
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_a_deleted_recording_can_be_uploaded_again_from_the_same_file(
    browser, clip_540p, django_capture_on_commit_callbacks
):
    first = complete(browser, send(browser, clip_540p))
    video = Video.objects.get(pk=first["video"]["id"])
    with django_capture_on_commit_callbacks(execute=True):
        processing.delete_video(video)
    assert not UploadSession.objects.exists()  # its upload is forgotten with it
    assert clip_540p.name not in browser.get("/admin/media/upload/").content.decode()

    again = send(browser, clip_540p)
    assert again["key"] != first["key"] and again["offset"] == 0
    video = Video.objects.get(pk=complete(browser, again)["video"]["id"])
    assert video.state == State.QUEUED
    assert (
        hashlib.sha256(Path(video.original.path).read_bytes()).digest()
        == hashlib.sha256(clip_540p.read_bytes()).digest()
    )


def test_a_recording_used_by_a_training_cannot_be_deleted_and_keeps_every_file(
    media_storage, tmp_path, clip_silent, django_capture_on_commit_callbacks
):
    copy = tmp_path / "dang-dung.mp4"
    shutil.copy(clip_silent, copy)
    video = processing.create_video(copy, title="Đang dùng", move=True)
    processing.process(video.pk)
    page = TrainingPage(title="Tập huấn kỹ năng tranh tụng")
    TrainingIndexPage.objects.get().add_child(instance=page)
    RecordingPart.objects.create(page=page, video=video, sort_order=0)
    files = sorted(path for path in (media_storage / f"videos/{video.key}").rglob("*") if path.is_file())
    assert files
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ProtectedError):
        processing.delete_video(Video.objects.get(pk=video.pk))
    assert Video.objects.filter(pk=video.pk).exists()
    assert all(path.exists() for path in files)


def test_an_upload_with_every_byte_there_is_not_listed_as_unfinished(browser, clip_540p, audio_only):
    send(browser, clip_540p)  # every byte arrived, but the completion never came
    send(browser, audio_only, upto=audio_only.stat().st_size // 2)  # truly unfinished
    html = browser.get("/admin/media/upload/").content.decode()
    assert audio_only.name in html
    assert clip_540p.name not in html
