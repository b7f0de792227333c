"""Processing with a storage that is not on this disk (S3 through django-storages in production).

Django's InMemoryStorage stands for it: like S3 its files are on no disk ffmpeg could read (its
``path()`` even answers a path where nothing is), and it is reached only through the storage API.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from django.core.files.storage import FileSystemStorage, default_storage

import pytest

from media import processing
from media.states import State

pytestmark = pytest.mark.django_db


@pytest.fixture
def remote_storage(settings, tmp_path):
    settings.MEDIA_WORK_DIR = tmp_path / "work"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    assert not isinstance(default_storage, FileSystemStorage)
    return default_storage


def test_a_recording_on_remote_storage_is_checked_and_converted_from_a_local_copy_then_the_copy_goes(
    remote_storage, settings, tmp_path, clip_540p
):
    upload = tmp_path / "upload.mp4"
    shutil.copy(clip_540p, upload)
    video = processing.create_video(upload, title="Tập huấn trực tuyến", original_name="Tập huấn.mp4", move=True)
    assert video.state == State.QUEUED, video.error  # ffprobe read it
    assert remote_storage.exists(video.original.name)
    assert processing.process(video.pk) == State.READY
    video.refresh_from_db()
    assert remote_storage.exists(video.master_playlist) and remote_storage.exists(video.poster)
    assert {r.name for r in video.renditions.all()} == {"360p", "540p", "audio"}
    with remote_storage.open(video.original.name, "rb") as stored:
        assert stored.read() == clip_540p.read_bytes()  # the original is untouched
    leftovers = [path for path in Path(settings.MEDIA_WORK_DIR).rglob("*") if path.is_file()]
    assert leftovers == []  # the downloaded copy and the work folder are gone
