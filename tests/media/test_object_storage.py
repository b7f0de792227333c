"""Object storage done right, on moto's S3 server (the local stand-in for any S3 endpoint).

The end of an upload checks the file and answers at once; the copy into the bucket is a task on the "store"
queue, run where the file is (the web machine); the conversion runs on a worker that shares no disk with the
web process — its own empty VAR_DIR and MEDIA_WORK_DIR, only the database and the bucket in common — and
stores its HLS outputs in the bucket; the portal answers X-Accel-Redirect to the storage name (nginx fetches it
from the bucket) or, without nginx, sends the bytes from the bucket itself.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext

import pytest

from media import processing, upload
from media.models import UploadSession, Video
from media.states import State
from tests.media.test_upload import CHUNK, Uploader, with_upload_permission

ROOT = Path(__file__).resolve().parents[2]
MOTO_SERVER = Path(sys.executable).parent / "moto_server"
ACCESS_KEY, SECRET_KEY, REGION = "vksnd-test", "vksnd-test-secret", "us-east-1"

pytestmark = pytest.mark.skipif(not MOTO_SERVER.exists(), reason="needs moto[server] (pip install -e '.[test]')")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory) -> Iterator[str]:
    """moto's S3 server on a free loopback port, for this module."""
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    server = subprocess.Popen(
        [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"moto_server did not start: {log.read_text()[-2000:]}") from None
                time.sleep(0.2)
        yield endpoint
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def bucket(s3_endpoint, settings, media_storage) -> dict[str, str]:
    """A new bucket, the portal's storage pointed at it (as S3_* in the environment would), and that environment
    for other processes."""
    import boto3

    name = f"vksnd-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )
    client.create_bucket(Bucket=name)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": s3_endpoint,
                "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY,
                "region_name": REGION,
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
    }
    assert not isinstance(default_storage, FileSystemStorage)
    settings.MEDIA_UPLOAD_CHECK_BYTES = 64 * 1024
    return {
        "S3_BUCKET": name,
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_ACCESS_KEY": ACCESS_KEY,
        "S3_SECRET_KEY": SECRET_KEY,
        "S3_REGION": REGION,
    }


def objects(prefix: str = "") -> list[str]:
    """Every object name in the bucket under `prefix`."""
    client = default_storage.connection.meta.client  # type: ignore[attr-defined]
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=default_storage.bucket_name, Prefix=prefix)  # type: ignore[attr-defined]
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


def uploaded_through_the_web(user, clip: Path) -> tuple[Video, dict[str, Any]]:
    """The upload page's requests, chunk by chunk, then "finish"; the video and the finish's answer."""
    client = Client()
    client.force_login(with_upload_permission(user))
    uploader = Uploader(client, clip)
    assert uploader.create().status_code == 201
    uploader.send_from(0, CHUNK)
    answer = uploader.complete()
    assert answer.status_code == 200, answer.content
    video = answer.json()["video"]
    return Video.objects.get(pk=video["id"]), video


@pytest.mark.django_db
def test_the_end_of_an_upload_answers_at_once_and_the_copy_into_the_bucket_is_a_task(
    bucket, tuan_editor, clip_540p, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        video, answer = uploaded_through_the_web(tuan_editor, clip_540p)

    # Answered before any byte went to the bucket: the video is being stored, as the editor reads.
    assert answer["state"] == State.UPLOADED
    assert answer["state_label"] == gettext("Saving the original to storage")
    assert objects() == []
    assert video.duration and video.probe, "the whole file was checked with ffprobe before answering"
    assert [callback.__qualname__ for callback in callbacks] == ["complete.<locals>.<lambda>"]
    session = UploadSession.objects.get(video=video)
    part = upload.part_path(session)
    assert part.stat().st_size == clip_540p.stat().st_size, "the file waits where it arrived"
    with pytest.raises(upload.UploadRefused) as refused:  # a click on "cancel" now would lose the only copy
        upload.cancel(session)
    assert refused.value.status == 409 and refused.value.code == "being_stored"
    assert part.exists() and UploadSession.objects.filter(pk=session.pk).exists()

    # Its task never ran (its worker restarted): the housekeeping asks again once it has been quiet too long.
    assert processing.requeue_stalled() == []
    Video.objects.filter(pk=video.pk).update(created_at=timezone.now() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert processing.requeue_stalled() == [video.pk]
    assert processing.requeue_stalled() == [], "asked once, not at every pass"

    # The store worker (on the web machine) copies it, once, and queues the conversion.
    assert upload.store_original(video.pk) == "stored"
    assert upload.store_original(video.pk) == "skipped"
    video.refresh_from_db()
    assert video.state == State.QUEUED and video.original.name.startswith(f"videos/{video.key}/original/")
    assert objects() == [video.original.name]
    with default_storage.open(video.original.name, "rb") as stored:
        assert stored.read() == clip_540p.read_bytes()
    assert not part.exists(), "stored: the upload's file is removed"


@pytest.mark.django_db
def test_a_store_worker_that_starts_at_once_finds_the_upload_free_and_stores_it(
    bucket, tuan_editor, clip_silent, monkeypatch
):
    """The store task is queued once the upload's lock is released: an RQ worker starts it within milliseconds,
    and it takes the lock without waiting, so queued under the lock it left at once ("busy") and the recording
    waited for the housekeeping (VIDEO_STALE_AFTER_SECONDS) before anything was stored. Here the task runs the
    moment it is queued, and every commit callback the moment it is registered (as outside a request's
    transaction, where a commit is at once)."""
    ran: list[str] = []
    monkeypatch.setattr(upload, "enqueue_store", lambda video_id: ran.append(upload.store_original(video_id)))
    monkeypatch.setattr(upload.transaction, "on_commit", lambda callback, *args, **kwargs: callback())
    video, _answer = uploaded_through_the_web(tuan_editor, clip_silent)
    assert ran == ["stored"]
    video.refresh_from_db()
    assert video.state == State.QUEUED and objects() == [video.original.name]


@pytest.mark.django_db
def test_the_admins_direct_upload_leaves_the_copy_into_the_bucket_to_the_task_too(
    bucket, tuan_editor, clip_silent, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from media.admin_forms import VideoUploadForm

    sent = SimpleUploadedFile("Bài giảng.mp4", clip_silent.read_bytes(), content_type="video/mp4")
    form = VideoUploadForm({"title": "Bài giảng ngắn"}, {"file": sent}, user=tuan_editor)
    assert form.is_valid(), form.errors
    with django_capture_on_commit_callbacks(execute=True):
        video = form.save()
    assert upload.is_being_stored(video) and objects() == []
    assert upload.store_original(video.pk) == "stored"
    video.refresh_from_db()
    assert video.state == State.QUEUED and video.original_name == "Bài giảng.mp4"
    with default_storage.open(video.original.name, "rb") as stored:
        assert stored.read() == clip_silent.read_bytes()


@pytest.mark.django_db
def test_a_file_ffprobe_refuses_fails_at_once_and_is_stored_all_the_same(
    bucket, tuan_editor, tmp_path, django_capture_on_commit_callbacks
):
    fake = tmp_path / "bai-giang.mp4"  # an MP4's first box, then nothing a player can read
    fake.write_bytes(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(100_000))
    with django_capture_on_commit_callbacks(execute=True):
        video, answer = uploaded_through_the_web(tuan_editor, fake)
    assert answer["state"] == State.FAILED and answer["error"]
    assert upload.store_original(video.pk) == "stored"
    video.refresh_from_db()
    assert video.state == State.FAILED and objects() == [video.original.name]  # the editor may download it
    assert processing.can_retry(video)


@pytest.mark.django_db
def test_outputs_and_images_in_the_bucket_are_sent_by_nginx_after_the_check_or_by_django(
    bucket, tuan_editor, clip_silent, settings
):
    video, _answer = uploaded_through_the_web(tuan_editor, clip_silent)
    assert upload.store_original(video.pk) == "stored"
    assert processing.process(video.pk) == State.READY
    video.refresh_from_db()
    client = Client()
    client.force_login(tuan_editor)
    segment = next(name for name in objects(f"{video.output_dir}/") if name.endswith((".ts", ".m4s")))
    relative = segment.removeprefix(f"{video.output_dir}/")

    settings.SERVE_MEDIA_WITH = "x-accel"
    accel = client.get(video.file_url(relative))
    assert accel.status_code == 200 and accel.content == b""
    assert accel["X-Accel-Redirect"] == f"/protected-media/{segment}"  # nginx proxies it to the bucket
    settings.SERVE_MEDIA_WITH = "django"
    sent = client.get(video.file_url(relative), headers={"Range": "bytes=0-99"})
    assert sent.status_code == 206
    with default_storage.open(segment, "rb") as stored:
        assert b"".join(sent.streaming_content) == stored.read()[:100]  # type: ignore[attr-defined]
    assert client.get(video.file_url("no-such-file.ts")).status_code == 404

    image = default_storage.save("original_images/anh-hoi-nghi.jpg", ContentFile(b"\xff\xd8\xff\xe0 a picture"))
    settings.SERVE_MEDIA_WITH = "x-accel"
    accel = client.get(f"/media/{image}")
    assert accel.status_code == 200 and accel["X-Accel-Redirect"] == f"/protected-media/{image}"
    # Behind nginx the bucket is not asked whether a picture exists (a request to it for every picture of every
    # page): nginx fetches it and answers 404 itself, never cached (tests/stack).
    missing = client.get("/media/original_images/no-such.jpg")
    assert missing["X-Accel-Redirect"] == "/protected-media/original_images/no-such.jpg"
    settings.SERVE_MEDIA_WITH = "django"
    sent = client.get(f"/media/{image}")
    assert sent.status_code == 200 and b"".join(sent.streaming_content).endswith(b"a picture")  # type: ignore[attr-defined]
    assert client.get("/media/original_images/no-such.jpg").status_code == 404


# --- A conversion worker with no disk in common with the web process ------------------------------------


def sqlite_copy(target: Path) -> None:
    """The test database (committed: a transactional test) copied into a file other processes can open."""
    copy = sqlite3.connect(target)
    connection.ensure_connection()
    connection.connection.backup(copy)
    copy.close()


def manage(env: dict[str, str], log: Path, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, log.read_text()[-4000:]


def row(database: Path, query: str, *params: object) -> Any:
    with contextlib.closing(sqlite3.connect(database, timeout=20)) as db:
        return db.execute(query, params).fetchone()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_without_shared_disk_converts_a_recording_uploaded_through_the_web(
    bucket, tuan_editor, clip_540p, settings, tmp_path
):
    if connection.vendor != "sqlite" or "memory" not in str(connection.settings_dict["NAME"]):
        pytest.skip("the workers are given a copy of the in-memory SQLite test database")
    # The web process queues its tasks in the database, as `make run` and the database backend do.
    settings.TASKS = {
        **settings.TASKS,
        "media": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES},
    }
    video, answer = uploaded_through_the_web(tuan_editor, clip_540p)
    assert answer["state"] == State.UPLOADED and objects() == []

    database = tmp_path / "portal.sqlite3"
    sqlite_copy(database)
    with contextlib.closing(sqlite3.connect(database)) as db, db:
        # The test settings name the backend the web process queued into "media"; the workers' is "default".
        db.execute("UPDATE django_tasks_database_dbtaskresult SET backend_name = 'default'")
    common = {
        **os.environ,
        **bucket,
        "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
        "DATABASE_URL": f"sqlite:///{database}",
        "TASKS_BACKEND": "database",
        "ELASTICSEARCH_URL": "",
        "WHISPER_MODEL_DIR": "",
        "PYTHONUNBUFFERED": "1",
    }
    common.pop("MEDIA_ROOT", None)
    common.pop("MEDIA_WORK_DIR", None)
    # The web machine's store worker: the upload's file is in its work folder.
    web = {**common, "VAR_DIR": str(tmp_path / "web-var"), "MEDIA_WORK_DIR": str(settings.MEDIA_WORK_DIR)}
    manage(web, tmp_path / "store.log", "run_worker", "--queue", "store", "--batch")
    assert row(database, "SELECT state FROM media_video WHERE id = ?", video.pk) == (State.QUEUED,)
    assert objects(f"videos/{video.key}/") == [f"videos/{video.key}/original/{clip_540p.name}"]

    # Another machine: nothing of the web's folders, its own empty VAR_DIR (and MEDIA_WORK_DIR inside it).
    remote_var = tmp_path / "remote-var"
    remote = {**common, "VAR_DIR": str(remote_var)}
    manage(remote, tmp_path / "video.log", "run_worker", "--queue", "video", "--batch")

    state, output_dir, poster, error = row(
        database, "SELECT state, output_dir, poster, error FROM media_video WHERE id = ?", video.pk
    )
    assert (state, error) == (State.READY, "")
    stored = objects(f"{output_dir}/")
    assert f"{output_dir}/master.m3u8" in stored and poster in stored
    assert any(name.endswith(".ts") or name.endswith(".m4s") for name in stored)
    (playlists,) = row(database, "SELECT group_concat(playlist, ' ') FROM media_rendition WHERE video_id = ?", video.pk)
    assert playlists and all(name in stored for name in playlists.split())
    leftovers = [path for path in (remote_var / "work").rglob("*") if path.is_file()]
    assert leftovers == [], "the worker's downloaded original and work folder are gone"
    assert not (remote_var / "media").exists() or not any((remote_var / "media").rglob("*.ts"))
