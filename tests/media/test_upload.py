"""The resumable upload, through its HTTP protocol, with real files, real ffprobe and the Django test client.

Chunks are small here (a few kilobytes to 256 KB) so that tiny clips take several chunks.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import zlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Permission
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext

import pytest

from media import upload
from media.models import UploadSession, Video
from media.probe import MediaRejected, probe_file
from media.states import State
from portal.units.models import User

pytestmark = pytest.mark.django_db

CREATE_URL = "/media/tai-len/"
CHUNK = 256 * 1024


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def crc32(data: bytes) -> str:
    return f"crc32 {zlib.crc32(data) & 0xFFFFFFFF:08x}"


def with_upload_permission(user: User) -> User:
    """Training editors upload recordings; the persona gets the permission should its role lack it."""
    if not user.has_perm("media.add_video"):
        user.user_permissions.add(Permission.objects.get(content_type__app_label="media", codename="add_video"))
    return User.objects.get(pk=user.pk)  # a fresh object: permissions are cached on the instance


@pytest.fixture
def tuan(tuan_editor) -> User:
    return with_upload_permission(tuan_editor)


@pytest.fixture
def uploads(settings, media_storage) -> Path:
    """Small check size for tiny files; the partial files' folder."""
    settings.MEDIA_UPLOAD_CHECK_BYTES = 64 * 1024
    settings.MEDIA_MAX_UPLOAD_BYTES = 50 * 1024 * 1024
    return Path(settings.MEDIA_WORK_DIR) / "uploads"


@pytest.fixture
def browser(tuan) -> Client:
    client = Client()
    client.force_login(tuan)
    return client


class Uploader:
    """What the upload page's script does, request by request."""

    def __init__(self, client: Client, path: Path) -> None:
        self.client = client
        self.path = path
        self.data = path.read_bytes()
        self.key = ""

    def create(self, **extra: Any) -> Any:
        payload = {"filename": self.path.name, "size": len(self.data), "fingerprint": f"fp-{self.path.name}", **extra}
        response = self.client.post(CREATE_URL, json.dumps(payload), content_type="application/json")
        if response.status_code in (200, 201):
            self.key = response.json()["key"]
        return response

    @property
    def url(self) -> str:
        return f"/media/tai-len/{self.key}/"

    def status(self) -> Any:
        return self.client.get(self.url)

    def chunk(self, offset: int, size: int = CHUNK, checksum: str | None = None) -> Any:
        data = self.data[offset : offset + size]
        return self.client.patch(
            self.url,
            data,
            content_type="application/offset+octet-stream",
            headers={"Upload-Offset": str(offset), "Upload-Checksum": checksum or crc32(data)},
        )

    def send_from(self, offset: int, size: int = CHUNK, count: int | None = None) -> int:
        sent = 0
        while offset < len(self.data) and (count is None or sent < count):
            response = self.chunk(offset, size)
            assert response.status_code == 200, response.content
            offset = response.json()["offset"]
            sent += 1
        return offset

    def complete(self, **payload: Any) -> Any:
        return self.client.post(f"{self.url}xong/", json.dumps(payload), content_type="application/json")


def session(key: str) -> UploadSession:
    return UploadSession.objects.get(key=key)


# --- Resuming --------------------------------------------------------------------------------


def test_an_interrupted_upload_resumes_where_the_server_stopped_and_gives_a_byte_identical_file(
    uploads, tuan, clip_540p
):
    first = Uploader(Client(), clip_540p)
    first.client.force_login(tuan)
    assert first.create(title="Tập huấn kỹ năng xét hỏi", sha256=sha256(clip_540p)).status_code == 201
    stopped_at = first.send_from(0, count=3)
    assert stopped_at == 3 * CHUNK
    # The connection drops; the browser is closed. Later, another browser chooses the same file.
    later = Client()
    later.force_login(tuan)
    again = Uploader(later, clip_540p)
    response = again.create()
    assert response.status_code == 200 and again.key == first.key
    assert response.json()["offset"] == stopped_at
    assert again.status().json()["offset"] == stopped_at
    # The answer to a chunk was lost and the chunk is sent again: the server says where to continue.
    repeat = again.chunk(stopped_at - CHUNK)
    assert repeat.status_code == 409 and repeat.json()["offset"] == stopped_at
    assert again.send_from(stopped_at) == len(again.data)

    answer = again.complete()
    assert answer.status_code == 200, answer.content
    video = Video.objects.get()
    assert answer.json()["video"]["id"] == video.pk
    assert video.title == "Tập huấn kỹ năng xét hỏi" and video.original_name == clip_540p.name
    assert video.uploaded_by == tuan
    stored = Path(video.original.path)
    assert sha256(stored) == sha256(clip_540p)
    assert not (uploads / f"{first.key}.part").exists()


def test_the_session_key_alone_tells_a_new_client_the_offset(uploads, browser, clip_540p):
    client = Uploader(browser, clip_540p)
    client.create()
    client.send_from(0, count=2)
    response = client.client.get(client.url)
    assert response.status_code == 200
    assert response.json()["offset"] == 2 * CHUNK and response["Upload-Offset"] == str(2 * CHUNK)
    assert response.json()["complete"] is False and response.json()["video"] is None


# --- Refusals ----------------------------------------------------------------------------


def test_a_wrong_file_is_refused_after_its_first_chunk_and_its_partial_file_removed(
    settings, uploads, browser, not_media
):
    settings.MEDIA_UPLOAD_CHECK_BYTES = 1024
    client = Uploader(browser, not_media)
    assert client.create().status_code == 201
    refused = client.chunk(0, size=1024)
    assert refused.status_code == 422
    assert refused.json()["code"] == "not_media"
    assert "recording" in refused.json()["error"] or "ghi" in refused.json()["error"]
    assert not (uploads / f"{client.key}.part").exists()
    assert session(client.key).error == refused.json()["error"]
    later = client.chunk(1024, size=1024)
    assert later.status_code == 422 and later.json()["error"] == refused.json()["error"]
    assert client.complete().status_code == 422
    assert client.status().json()["error"] == refused.json()["error"]
    assert not Video.objects.exists()


def test_a_large_text_file_is_refused_long_before_its_end(uploads, browser, tmp_path):
    document = tmp_path / "bien-ban.mp4"
    document.write_text("Biên bản kiểm sát việc tạm giữ, tạm giam.\n" * 20_000)  # ~900 KB
    client = Uploader(browser, document)
    client.create()
    assert client.chunk(0, size=64 * 1024).json()["code"] == "not_media"
    assert session(client.key).offset == 64 * 1024 < len(client.data)


def test_a_chunk_with_a_wrong_checksum_is_refused_and_the_offset_does_not_move(uploads, browser, clip_540p):
    client = Uploader(browser, clip_540p)
    client.create()
    client.send_from(0, count=1)
    damaged = client.chunk(CHUNK, checksum="crc32 00000000")
    assert damaged.status_code == 460
    assert damaged.json()["code"] == "checksum_mismatch" and damaged.json()["offset"] == CHUNK
    assert session(client.key).offset == CHUNK
    assert (uploads / f"{client.key}.part").stat().st_size == CHUNK
    assert client.chunk(CHUNK).status_code == 200


def test_a_chunk_without_a_checksum_is_not_accepted(uploads, browser, clip_540p):
    client = Uploader(browser, clip_540p)
    client.create()
    response = client.client.patch(
        client.url, client.data[:CHUNK], content_type="application/offset+octet-stream", headers={"Upload-Offset": "0"}
    )
    assert response.status_code == 400 and session(client.key).offset == 0


def test_a_chunk_at_the_wrong_offset_gets_409_and_the_current_offset(uploads, browser, clip_540p):
    client = Uploader(browser, clip_540p)
    client.create()
    client.send_from(0, count=2)
    ahead = client.chunk(3 * CHUNK)
    assert ahead.status_code == 409
    assert ahead.json()["offset"] == 2 * CHUNK and ahead["Upload-Offset"] == str(2 * CHUNK)
    assert session(client.key).offset == 2 * CHUNK


def test_a_chunk_past_the_declared_size_is_refused(uploads, browser, clip_540p):
    client = Uploader(browser, clip_540p)
    client.create(size=CHUNK // 2)
    assert client.chunk(0).status_code == 400
    assert session(client.key).offset == 0


def test_the_size_limit_refuses_an_oversized_declared_size(settings, uploads, browser, clip_540p):
    settings.MEDIA_MAX_UPLOAD_BYTES = 1024 * 1024
    response = Uploader(browser, clip_540p).create()
    assert response.status_code == 413
    assert response.json()["code"] == "too_large" and "1,0" in response.json()["error"]
    assert not UploadSession.objects.exists()


def test_a_recording_of_21_gb_can_be_declared_within_the_default_limit(settings, uploads, browser, monkeypatch):
    del settings.MEDIA_MAX_UPLOAD_BYTES
    monkeypatch.setattr(upload.shutil, "disk_usage", lambda path: type("Usage", (), {"free": 100 * 1024**3})())
    payload = {"filename": "tap-huan-ca-ngay.mp4", "size": 21 * 1024**3}
    response = browser.post(CREATE_URL, json.dumps(payload), content_type="application/json")
    assert response.status_code == 201 and response.json()["size"] == 21 * 1024**3
    assert response.json()["title"] == "tap huan ca ngay"


def test_an_upload_the_disk_has_no_room_for_is_refused_at_once(uploads, browser, clip_540p, monkeypatch):
    monkeypatch.setattr(upload.shutil, "disk_usage", lambda path: type("Usage", (), {"free": 1024})())
    response = Uploader(browser, clip_540p).create()
    assert response.status_code == 507 and response.json()["code"] == "no_space"


def test_an_empty_file_is_refused_at_creation(uploads, browser, empty_file):
    response = Uploader(browser, empty_file).create()
    assert response.status_code == 422 and response.json()["code"] == "empty"


# --- Who may upload ----------------------------------------------------------------------


def test_another_user_can_neither_see_nor_append_to_nor_finish_the_session(uploads, browser, quang_admin, clip_540p):
    owner = Uploader(browser, clip_540p)
    owner.create()
    owner.send_from(0, count=1)
    other = Client()
    other.force_login(with_upload_permission(quang_admin))
    intruder = Uploader(other, clip_540p)
    intruder.key = owner.key
    assert intruder.status().status_code == 404
    assert intruder.chunk(CHUNK).status_code == 404
    assert intruder.complete().status_code == 404
    assert other.delete(intruder.url).status_code == 404
    assert session(owner.key).offset == CHUNK


def test_an_anonymous_user_is_sent_to_login(uploads, client, browser, clip_540p):
    owner = Uploader(browser, clip_540p)
    owner.create()
    anonymous = Uploader(client, clip_540p)
    for response in (anonymous.create(), client.get(owner.url), client.get("/admin/media/upload/")):
        assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")
    anonymous.key = owner.key
    assert anonymous.chunk(0).status_code == 302
    assert session(owner.key).offset == 0


def test_a_viewer_without_the_permission_to_add_recordings_is_refused(uploads, client, lan_viewer, clip_540p):
    client.force_login(lan_viewer)
    response = Uploader(client, clip_540p).create()
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert not UploadSession.objects.exists()
    assert client.get("/admin/media/upload/").status_code in (302, 403)


def test_the_json_endpoints_need_the_csrf_token(uploads, tuan, clip_540p):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tuan)
    payload = json.dumps({"filename": "a.mp4", "size": 10})
    assert client.post(CREATE_URL, payload, content_type="application/json").status_code == 403
    client.get("/admin/media/upload/")  # the page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(CREATE_URL, payload, content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 201


def page_config(client: Client) -> dict[str, Any]:
    """The settings the upload page hands to its script (the JSON in #media-upload-config)."""
    html = client.get("/admin/media/upload/").content.decode()
    start = html.index('<script id="media-upload-config" type="application/json">')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def test_with_an_httponly_csrf_cookie_the_page_itself_carries_a_token_the_endpoints_accept(
    settings, uploads, tuan, clip_540p
):
    """Production makes the CSRF cookie HttpOnly: the script cannot read it, so the page must hand it
    a token, and every kind of request the script sends (POST, PATCH, GET, DELETE) must pass with it."""
    settings.CSRF_COOKIE_HTTPONLY = True
    client = Client(enforce_csrf_checks=True)
    client.force_login(tuan)
    token = page_config(client)["csrfToken"]
    assert token
    headers = {"X-CSRFToken": token}
    data = clip_540p.read_bytes()
    payload = json.dumps({"filename": clip_540p.name, "size": len(data), "fingerprint": "fp-httponly"})
    created = client.post(CREATE_URL, payload, content_type="application/json", headers=headers)
    assert created.status_code == 201, created.content
    url = created.json()["url"]
    offset = 0
    while offset < len(data):
        chunk = data[offset : offset + CHUNK]
        answer = client.patch(
            url,
            chunk,
            content_type="application/offset+octet-stream",
            headers={**headers, "Upload-Offset": str(offset), "Upload-Checksum": crc32(chunk)},
        )
        assert answer.status_code == 200, answer.content
        offset = answer.json()["offset"]
    done = client.post(created.json()["complete_url"], "{}", content_type="application/json", headers=headers)
    assert done.status_code == 200 and done.json()["video"]["state"] == State.QUEUED
    # Without the token, the same requests are refused: the check is really on.
    assert client.post(CREATE_URL, payload, content_type="application/json").status_code == 403


# --- Completion --------------------------------------------------------------------------


def test_completing_creates_exactly_one_queued_video_even_when_asked_twice(uploads, browser, clip_540p):
    client = Uploader(browser, clip_540p)
    client.create(title="Hội nghị tập huấn")
    client.send_from(0)
    first = client.complete(title="Hội nghị tập huấn nghiệp vụ")
    second = client.complete()
    assert first.status_code == second.status_code == 200
    assert Video.objects.count() == 1
    video = Video.objects.get()
    assert first.json()["video"] == second.json()["video"]
    assert first.json()["video"]["id"] == video.pk
    assert first.json()["video"]["state"] == State.QUEUED == video.state
    assert first.json()["video"]["error"] == ""
    assert first.json()["video"]["admin_url"] == f"/admin/media/videos/edit/{video.pk}/"
    assert video.title == "Hội nghị tập huấn nghiệp vụ"
    assert session(client.key).video == video


def test_completing_before_the_last_byte_is_refused_with_the_offset(uploads, browser, clip_540p):
    client = Uploader(browser, clip_540p)
    client.create()
    client.send_from(0, count=1)
    response = client.complete()
    assert response.status_code == 409 and response.json()["offset"] == CHUNK
    assert not Video.objects.exists()


def test_a_file_that_differs_from_its_announced_sha256_is_refused_at_completion(uploads, browser, clip_540p):
    client = Uploader(browser, clip_540p)
    client.create(sha256="0" * 64)
    client.send_from(0)
    response = client.complete()
    assert response.status_code == 422 and response.json()["code"] == "sha256_mismatch"
    assert not Video.objects.exists() and not (uploads / f"{client.key}.part").exists()


def test_a_file_that_passes_the_early_check_but_not_full_validation_becomes_a_failed_video(uploads, browser, truncated):
    client = Uploader(browser, truncated)
    client.create()
    client.send_from(0)
    video = client.complete().json()["video"]
    assert video["state"] == State.FAILED and video["error"]


def test_cancelling_deletes_the_session_and_its_partial_file(uploads, browser, clip_540p):
    client = Uploader(browser, clip_540p)
    client.create()
    client.send_from(0, count=1)
    assert browser.delete(client.url).status_code == 204
    assert not UploadSession.objects.exists() and not (uploads / f"{client.key}.part").exists()


def test_cancelling_an_upload_whose_original_is_being_stored_is_refused_with_a_reason(uploads, browser, clip_540p):
    client = Uploader(browser, clip_540p)
    client.create()
    client.send_from(0)
    video = client.complete().json()["video"]
    Video.objects.filter(pk=video["id"]).update(state=State.UPLOADED, original="")  # on its way to the bucket
    response = browser.delete(client.url)
    assert response.status_code == 409 and response.json()["code"] == "being_stored"
    assert response.json()["error"] == gettext(
        "This upload is finished and its recording is being saved to storage, so it cannot be cancelled. "
        "To remove it, delete the recording once it is saved."
    )
    assert response.json()["error"].startswith("Tệp này đã tải lên xong")
    assert UploadSession.objects.filter(key=client.key).exists() and Video.objects.filter(pk=video["id"]).exists()


def test_uploads_left_untouched_for_a_week_are_removed(uploads, browser, clip_540p):
    client = Uploader(browser, clip_540p)
    client.create()
    client.send_from(0, count=1)
    UploadSession.objects.update(updated_at=timezone.now() - timedelta(days=8))
    assert upload.remove_stale(timedelta(days=7)) == 1
    assert not (uploads / f"{client.key}.part").exists()


def test_stale_uploads_are_removed_by_the_machine_holding_their_partial_file(uploads, browser, clip_540p, tmp_path):
    """The housekeeping runs on every machine: one without the partial file leaves the session to the machine
    that has it (deleting it would orphan that file for ever); a session that never received a byte goes."""
    elsewhere = Uploader(browser, clip_540p)
    elsewhere.create()
    elsewhere.send_from(0, count=1)
    empty = Uploader(browser, clip_540p)
    empty.create(fingerprint="fp-empty")
    UploadSession.objects.update(updated_at=timezone.now() - timedelta(days=8))
    web_machine = tmp_path / "web-machine-uploads"
    uploads.rename(web_machine)  # this machine (a worker) does not have the web machine's files

    assert upload.remove_stale(timedelta(days=7)) == 1
    assert str(UploadSession.objects.get().key) == elsewhere.key

    web_machine.replace(uploads)  # the web machine's own run
    assert upload.remove_stale(timedelta(days=7)) == 1
    assert not UploadSession.objects.exists() and not (uploads / f"{elsewhere.key}.part").exists()


def test_the_stale_upload_duty_runs_on_each_machine():
    from portal.core import housekeeping

    duty = next(duty for duty in housekeeping.duties() if duty.name == "media.housekeeping.remove_stale_uploads")
    assert duty.per_machine


def test_the_sweep_removes_old_partial_files_whose_session_is_gone(uploads, browser, clip_540p, settings):
    import os
    import time

    from media import workdir

    kept = Uploader(browser, clip_540p)
    kept.create()
    kept.send_from(0, count=1)
    orphan = uploads / "0b6f1a52-3c1e-4d7a-9a77-5d2f0e6c1b11.part"
    orphan_lock = orphan.with_suffix(".lock")
    young = uploads / "5e0c2d1b-7f3a-4b8e-8c6d-2a9b1e4f7c33.part"  # its session may be being created
    for path in (orphan, orphan_lock, young):
        path.write_bytes(b"\0" * 10)
    old = time.time() - settings.MEDIA_UPLOAD_EXPIRE_HOURS * 3600 - 60
    for path in (orphan, orphan_lock, uploads / f"{kept.key}.part"):
        os.utime(path, (old, old))

    removed = workdir.sweep_work_dir()

    assert sorted(removed) == sorted([orphan, orphan_lock])
    assert young.exists() and (uploads / f"{kept.key}.part").exists()


# --- The early check ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def index_at_the_end(media_dir, clip_540p) -> Path:
    """The same clip as ffmpeg (and most cameras) write it by default: the moov index after the data."""
    path = media_dir / "index-at-the-end.mp4"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(clip_540p), "-c", "copy", "-movflags", "0", str(path)],
        check=True,
    )
    return path


def test_an_mp4_with_its_index_at_the_end_passes_the_early_check(uploads, browser, index_at_the_end, tmp_path):
    data = index_at_the_end.read_bytes()
    assert data.index(b"moov") > 64 * 1024
    head = tmp_path / "head.mp4"
    head.write_bytes(data[: 64 * 1024])
    with pytest.raises(MediaRejected):
        probe_file(head)  # ffprobe cannot read its beginning alone

    client = Uploader(browser, index_at_the_end)
    client.create()
    first = client.chunk(0, size=64 * 1024)
    assert first.status_code == 200 and first.json()["checked"] is True
    client.send_from(64 * 1024)
    assert client.complete().json()["video"]["state"] == State.QUEUED


def test_a_file_smaller_than_the_check_size_is_checked_once_whole(settings, uploads, browser, audio_only):
    settings.MEDIA_UPLOAD_CHECK_BYTES = 8 * 1024 * 1024
    client = Uploader(browser, audio_only)
    client.create()
    offset = client.send_from(0, size=16 * 1024, count=1)
    assert session(client.key).checked is (offset == len(client.data))
    client.send_from(offset, size=16 * 1024)
    assert session(client.key).checked is True


FORMATS = {
    "mkv": ["-c:v", "libx264", "-preset", "ultrafast"],
    "webm": ["-c:v", "libvpx", "-deadline", "realtime", "-c:a", "libopus"],
    "avi": ["-c:v", "mpeg4"],
    "ts": ["-c:v", "libx264", "-preset", "ultrafast"],
    "mpg": ["-c:v", "mpeg2video"],
    "wmv": ["-c:v", "wmv2", "-c:a", "wmav2"],
    "flv": ["-c:v", "flv1"],
    "3gp": ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-ar", "16000", "-ac", "1"],
    "mov": ["-c:v", "libx264", "-preset", "ultrafast"],
}
AUDIO_FORMATS = {"wav": [], "mp3": ["-c:a", "libmp3lame"], "ogg": ["-c:a", "libvorbis"], "flac": [], "aac": []}


@pytest.fixture(scope="session")
def sample_heads(media_dir) -> Iterator[dict[str, bytes]]:
    heads = {}
    for extension, codec in {**FORMATS, **AUDIO_FORMATS}.items():
        path = media_dir / f"sample.{extension}"
        inputs = ["-f", "lavfi", "-i", "sine=duration=1:sample_rate=44100"]
        if extension in FORMATS:
            inputs = ["-f", "lavfi", "-i", "testsrc2=size=176x144:rate=25:duration=1", *inputs]
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *inputs, *codec, str(path)], check=True)
        heads[extension] = path.read_bytes()[:4096]
    yield heads


@pytest.mark.parametrize("extension", [*FORMATS, *AUDIO_FORMATS])
def test_the_first_bytes_of_real_recordings_carry_a_known_signature(sample_heads, extension):
    assert upload.container_signature(sample_heads[extension]) != ""


def test_the_m2ts_of_camcorders_is_recognised():
    packet = b"\x00\x00\x00\x00\x47" + bytes(187)
    assert upload.container_signature(packet * 8) == "m2ts"


@pytest.mark.parametrize(
    "head",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        b"PK\x03\x04\x14\x00\x06\x00",  # docx, xlsx, zip
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # doc, xls
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",  # a photo
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "Báo cáo tổng kết công tác kiểm sát năm 2026".encode() * 20,
        b"",
    ],
)
def test_documents_pictures_and_text_carry_no_recording_signature(head):
    assert upload.container_signature(head) == ""


def test_a_picture_that_ffprobe_reads_is_still_not_a_recording(tmp_path):
    picture = tmp_path / "anh.part"
    source = ["-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1"]
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", *source, "-f", "image2", "-c:v", "mjpeg", str(picture)], check=True
    )
    assert "pipe" in probe_file(picture).format_name  # ffprobe reads it, as a picture
    with pytest.raises(MediaRejected):
        upload.early_check(picture)


# --- The admin page ----------------------------------------------------------------------


def test_the_upload_page_carries_its_settings_texts_and_unfinished_uploads(uploads, browser, clip_540p):
    client = Uploader(browser, clip_540p)
    client.create()
    client.send_from(0, count=1)
    page = browser.get("/admin/media/upload/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="media-upload-config"' in html and "media/upload.js" in html
    assert "/media/tai-len/" in html and 'data-confirm-cancel="' in html
    assert clip_540p.name in html  # listed among the unfinished uploads
    assert '"media-upload"' in html  # the menu item


def test_the_menu_item_is_only_for_those_who_may_upload(uploads, client, hoa_reviewer):
    client.force_login(hoa_reviewer)
    html = client.get("/admin/").content.decode()
    assert '"media-upload"' not in html


def test_a_disk_that_fills_up_during_the_upload_answers_507_and_the_upload_continues_later(
    uploads, browser, clip_540p, monkeypatch
):
    import errno
    import os

    client = Uploader(browser, clip_540p)
    client.create()
    client.send_from(0, count=1)
    real_fsync = os.fsync

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(upload.os, "fsync", disk_full)  # the kernel's answer when the disk is full
    full = client.chunk(CHUNK)
    assert full.status_code == 507, full.content
    assert full.json()["code"] == "no_space" and full.json()["offset"] == CHUNK
    message = str(
        gettext("The server does not have enough free space for this file (%(size)s). Please tell an administrator.")
    )
    assert full.json()["error"] == message % {"size": filesizeformat(len(client.data))}
    assert session(client.key).offset == CHUNK and session(client.key).error == ""
    monkeypatch.setattr(upload.os, "fsync", real_fsync)  # an administrator made room
    assert client.send_from(CHUNK) == len(client.data)
    assert client.complete().json()["video"]["state"] == State.QUEUED
