"""The loopback production stack through nginx (`make stack-test`): what a user does, and what the deployment
promises (deploy/README.md) — TLS and the redirect to it, static files and their caching, media sent by nginx from
the object store after the portal's check, an upload converted by an RQ worker and played over signed HLS, the
client address nobody can forge, and no error kept in a cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import time
import uuid
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest

pytestmark = pytest.mark.stack

LONG_CACHE = "max-age=31536000"
CONVERSION_SECONDS = 300


def test_healthz_answers_ok_through_nginx(https):
    answer = https().get("/healthz")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"


def test_plain_http_is_sent_to_https(stack, https):
    answer = https().get(urljoin(stack["http_url"], "/dang-nhap/?next=/"), allow_redirects=False)
    assert answer.status_code == 301
    assert answer.headers["Location"] == urljoin(stack["url"], "/dang-nhap/?next=/")


def test_a_user_logs_in_and_reads_the_home_page_compressed(https):
    anonymous = https().get("/", allow_redirects=False)
    assert anonymous.status_code == 302
    assert "/dang-nhap/" in anonymous.headers["Location"]

    viewer = https("viewer")
    page = viewer.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200
    assert "Đăng xuất" in page.text or "dang-xuat" in page.text
    assert page.headers.get("Content-Encoding") == "gzip"
    # Cookies only ever travel over HTTPS (portal.settings.production behind nginx's X-Forwarded-Proto).
    assert all(cookie.secure for cookie in viewer.cookies)


def test_a_search_finds_the_demo_trainings(https):
    viewer = https("viewer")
    page = viewer.get("/tim-kiem/", params={"q": "kiểm sát"})
    assert page.status_code == 200
    assert "Kiểm sát" in page.text
    api = viewer.get("/api/v1/search/", params={"q": "kiểm sát"})
    assert api.status_code == 200
    assert api.json()["results"], api.text[:500]


def test_fingerprinted_static_files_are_cached_long_and_others_revalidated(https):
    session = https()
    page = session.get("/dang-nhap/").text
    stylesheet = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, "the login page links no fingerprinted stylesheet"
    fingerprinted = session.get(stylesheet.group(1), headers={"Accept-Encoding": "gzip"})
    assert fingerprinted.status_code == 200
    assert fingerprinted.headers["Cache-Control"] == f"public, {LONG_CACHE}, immutable"
    assert fingerprinted.headers.get("Content-Encoding") == "gzip"
    plain_name = re.sub(r"\.[0-9a-f]{12}\.css$", ".css", stylesheet.group(1))
    plain = session.get(plain_name)
    assert plain.status_code == 200
    assert LONG_CACHE not in plain.headers.get("Cache-Control", "")


def test_errors_are_never_cached(https):
    session = https("viewer")
    missing_static = session.get("/static/css/nowhere.0123456789ab.css")
    assert missing_static.status_code == 404
    assert "max-age" not in missing_static.headers.get("Cache-Control", "")
    missing_page = session.get("/khong-co-trang-nay/")
    assert missing_page.status_code == 404
    assert missing_page.headers.get("Cache-Control", "").startswith("no-store") or "no-store" in (
        missing_page.headers.get("Cache-Control", "")
    )


def test_the_internal_media_locations_are_not_reachable_from_outside(https):
    answer = https("admin").get("/protected-media/documents/anything.pdf")
    assert answer.status_code == 404
    # Where a checked /hls/ address is sent internally: only nginx's own rewrite reaches it.
    answer = https("admin").get("/hls-files/videos/00000000-0000-0000-0000-000000000000/hls-1-abcdef12/master.m3u8")
    assert answer.status_code == 404


# --- media from the object store, after the portal's check ------------------------------------------------------


def _one(db, sql: str, *params: Any) -> tuple:
    row = db.execute(sql, params).fetchone()
    assert row, f"no row for {sql}"
    return row


def _keys(s3, stack, prefix: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=stack["s3"]["bucket"], Prefix=prefix)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def _stored(s3, stack, name: str) -> bytes:
    return s3.get_object(Bucket=stack["s3"]["bucket"], Key=name)["Body"].read()


def test_a_document_is_sent_by_nginx_from_the_object_store(stack, https, stack_db, s3):
    document_id, name = _one(stack_db, "SELECT id, file FROM wagtaildocs_document ORDER BY id LIMIT 1")
    url = f"/documents/{document_id}/{Path(name).name}"
    answer = https("viewer").get(url)
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["Content-Type"] == "application/pdf"
    assert answer.content == _stored(s3, stack, name)
    anonymous = https().get(url, allow_redirects=False)
    assert anonymous.status_code in (302, 403, 404)
    assert anonymous.content != answer.content


def test_a_slide_thumbnail_is_sent_by_nginx_from_the_object_store(stack, https, stack_db, s3):
    deck_document, number, image = _one(
        stack_db,
        "SELECT d.document_id, s.number, s.thumbnail FROM trainings_slide s "
        "JOIN trainings_slidedeck d ON d.id = s.deck_id WHERE s.thumbnail <> '' ORDER BY s.id LIMIT 1",
    )
    url = f"/trang-chieu/{deck_document}/{number}.jpg"
    answer = https("viewer").get(url)
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["Content-Type"] == "image/jpeg"
    assert answer.content == _stored(s3, stack, image)
    anonymous = https().get(url, allow_redirects=False)
    assert anonymous.status_code in (302, 403, 404)


def test_an_original_is_sent_to_editors_only(stack, https, stack_db, s3):
    key, original = _one(stack_db, "SELECT key, original FROM media_video WHERE original <> '' ORDER BY id LIMIT 1")
    url = f"/media/v/{key}/goc/"
    answer = https("editor").get(url, headers={"Range": "bytes=0-1023"})
    assert answer.status_code == 206, answer.text[:300]
    assert answer.content == _stored(s3, stack, original)[:1024]
    assert https("viewer").get(url).status_code == 404
    assert https().get(url, allow_redirects=False).status_code in (302, 403, 404)


def test_a_file_missing_from_the_store_answers_404_without_the_long_cache(stack, https, stack_db, s3):
    rows = stack_db.execute(
        "SELECT d.document_id, s.number, s.thumbnail FROM trainings_slide s "
        "JOIN trainings_slidedeck d ON d.id = s.deck_id WHERE s.thumbnail <> '' ORDER BY s.id DESC"
    ).fetchall()
    present = set(_keys(s3, stack, "slides/"))
    deck_document, number, image = next(row for row in rows if row[2] in present)  # the last one still stored
    viewer = https("viewer")
    url = f"/trang-chieu/{deck_document}/{number}.jpg"
    assert viewer.get(url).headers["Cache-Control"].endswith("immutable")  # what the portal says of a thumbnail
    s3.delete_object(Bucket=stack["s3"]["bucket"], Key=image)
    missing = viewer.get(url)
    assert missing.status_code == 404
    assert missing.headers.get("Cache-Control") == "no-store"


def test_a_large_document_arrives_whole_and_in_ranges(stack, https, stack_db, s3):
    """A file far larger than nginx's proxy buffers, sent from the bucket through X-Accel, arrives whole, and a
    Range request gets the right bytes (nginx streams it; nothing may fail on a temp file)."""
    document_id, name = _one(stack_db, "SELECT id, file FROM wagtaildocs_document ORDER BY id LIMIT 1")
    content = hashlib.sha256(b"vksnd").digest() * (4 * 1024 * 1024 // 32) + os.urandom(12345)
    large = f"documents/lon-{uuid.uuid4().hex[:8]}.pdf"
    s3.put_object(Bucket=stack["s3"]["bucket"], Key=large, Body=content)
    stack_db.execute("UPDATE wagtaildocs_document SET file = %s WHERE id = %s", (large, document_id))
    try:
        viewer = https("viewer")
        url = f"/documents/{document_id}/{Path(large).name}"
        whole = viewer.get(url)
        assert whole.status_code == 200, whole.text[:300]
        assert len(whole.content) == len(content)
        assert hashlib.sha256(whole.content).hexdigest() == hashlib.sha256(content).hexdigest()
        start, end = 3 * 1024 * 1024 + 7, 4 * 1024 * 1024 + 99
        ranged = viewer.get(url, headers={"Range": f"bytes={start}-{end}"})
        assert ranged.status_code == 206, ranged.status_code
        assert ranged.headers["Content-Range"] == f"bytes {start}-{end}/{len(content)}"
        assert ranged.content == content[start : end + 1]
    finally:
        stack_db.execute("UPDATE wagtaildocs_document SET file = %s WHERE id = %s", (name, document_id))
        s3.delete_object(Bucket=stack["s3"]["bucket"], Key=large)


def test_a_request_body_larger_than_nginx_memory_buffer_reaches_the_portal(stack, https):
    """nginx keeps a request body beyond client_body_buffer_size in a temp file, which its workers must be able to
    write (they answered 500 when var/stack/nginx/tmp was root's)."""
    session = https()
    form = session.get("/dang-nhap/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert token
    answer = session.post(
        "/dang-nhap/",
        data={
            "username": "viewer",
            "password": stack["users"]["viewer"],
            "csrfmiddlewaretoken": token.group(1),
            "next": "",
            "padding": "x" * 300_000,
        },
        headers={"Referer": urljoin(stack["url"], "/dang-nhap/")},
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.status_code
    assert "sessionid" in session.cookies


# --- an upload, its conversion by an RQ worker, HLS playback ----------------------------------------------------


def _tiny_video(folder: Path) -> Path:
    path = folder / "tap-huan-thu.mp4"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", "4", "-c:v", "libx264",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
        check=True,
    )  # fmt: skip
    return path


def _upload(session, path: Path) -> int:
    data = path.read_bytes()
    headers = session.csrf_headers()
    created = session.post(
        "/media/tai-len/",
        data=json.dumps({"filename": path.name, "size": len(data), "title": "Tập huấn thử qua nginx"}),
        headers={**headers, "Content-Type": "application/json", "Accept": "application/json"},
    )
    assert created.status_code == 201, created.text[:500]
    upload = created.json()
    half = len(data) // 2
    offset = 0
    for piece in (data[:half], data[half:]):  # two pieces, as the browser sends them, straight through nginx
        appended = session.patch(
            upload["url"],
            data=piece,
            headers={
                **headers,
                "Upload-Offset": str(offset),
                "Upload-Checksum": f"crc32 {zlib.crc32(piece):08x}",
                "Content-Type": "application/offset+octet-stream",
            },
        )
        assert appended.status_code == 200, appended.text[:500]
        offset += len(piece)
        assert int(appended.headers["Upload-Offset"]) == offset
    completed = session.post(upload["complete_url"], data="{}", headers={**headers, "Content-Type": "application/json"})
    assert completed.status_code == 200, completed.text[:500]
    video = completed.json()["video"]
    assert video, completed.text[:500]
    return video["id"]


def _wait_until_ready(stack_db, video_id: int) -> str:
    deadline = time.monotonic() + CONVERSION_SECONDS
    state, error = "", ""
    while time.monotonic() < deadline:
        state, error, key = _one(stack_db, "SELECT state, error, key FROM media_video WHERE id = %s", video_id)
        if state in ("ready", "failed"):
            break
        time.sleep(1)
    assert state == "ready", f"the recording is {state!r} after the deadline ({error})"
    return str(key)


@pytest.fixture(scope="module")
def converted(stack, stack_db, tmp_path_factory) -> dict[str, Any]:
    """A recording uploaded through nginx by the demo editor and converted by the stack's video worker."""
    from tests.stack.conftest import StackSession

    editor = StackSession(stack["url"])
    assert editor.login("editor", stack["users"]["editor"]).status_code == 302
    video_id = _upload(editor, _tiny_video(tmp_path_factory.mktemp("upload")))
    key = _wait_until_ready(stack_db, video_id)
    return {"id": video_id, "key": key, "editor": editor}


def test_an_upload_is_converted_by_an_rq_worker(stack, converted, stack_db):
    import redis

    (output_dir,) = _one(stack_db, "SELECT output_dir FROM media_video WHERE id = %s", converted["id"])
    assert output_dir
    # The conversion ran in an RQ worker (the video queue's finished jobs), not in the database backend.
    assert stack_db.execute("SELECT count(*) FROM django_tasks_database_dbtaskresult").fetchone() == (0,)
    queue = redis.Redis.from_url(stack["redis_url"])
    descriptions = [
        (queue.hget(f"rq:job:{job.decode()}", "description") or b"").decode()
        for job in queue.zrange("rq:finished:video", 0, -1)
    ]
    mine = [d for d in descriptions if f"({converted['id']}" in d or converted["key"] in d]
    assert mine, descriptions


def test_the_converted_recording_plays_over_hls_with_a_session(stack, converted):
    editor = converted["editor"]
    master = urljoin(stack["url"], f"/media/v/{converted['key']}/master.m3u8")
    probe = editor.ffprobe(master)
    assert probe.returncode == 0, probe.stderr[-2000:]
    streams = json.loads(probe.stdout)["streams"]
    kinds = {stream["codec_type"] for stream in streams}
    assert kinds == {"video", "audio"}, streams
    assert any(stream.get("codec_name") == "h264" and stream.get("height") for stream in streams)


def test_a_viewer_plays_a_demo_recording_from_the_object_store(stack, https, stack_db):
    """seed_demo's recordings, converted into the bucket, play for a viewer (a published training's audience, not
    an editor who sees every recording)."""
    (key,) = _one(stack_db, "SELECT key FROM media_video WHERE state = 'ready' ORDER BY id LIMIT 1")
    viewer = https("viewer")
    master = urljoin(stack["url"], f"/media/v/{key}/master.m3u8")
    probe = viewer.ffprobe(master)
    assert probe.returncode == 0, probe.stderr[-2000:]
    assert {stream["codec_type"] for stream in json.loads(probe.stdout)["streams"]} == {"video", "audio"}
    assert https().get(master, allow_redirects=False).status_code in (302, 403, 404)


def test_segments_need_the_session_they_were_signed_for(stack, https, converted):
    editor = converted["editor"]
    master = editor.get(f"/media/v/{converted['key']}/master.m3u8")
    assert master.status_code == 200
    assert master.headers["Cache-Control"] == "private, no-cache"
    rendition = urljoin(
        master.url, next(line for line in master.text.splitlines() if line and not line.startswith("#"))
    )
    playlist = editor.get(rendition)
    assert playlist.status_code == 200, playlist.text[:300]
    segment = urljoin(rendition, next(
        line for line in playlist.text.splitlines() if line and not line.startswith("#")
    ))  # fmt: skip
    signed = editor.get(segment)
    assert signed.status_code == 200
    assert signed.content[:1] == b"\x47"  # an MPEG-TS packet
    assert LONG_CACHE in signed.headers.get("Cache-Control", "")

    for stranger in (https(), https("viewer")):  # anonymous, and another session with the same address
        refused = stranger.get(segment, allow_redirects=False)
        assert refused.status_code in (403, 404), refused.status_code
        assert refused.content[:1] != b"\x47"
        assert "max-age" not in refused.headers.get("Cache-Control", "")


def test_nginx_keeps_segments_from_the_bucket_but_checks_each_request_first(stack, https, stack_db):
    """A segment fetched from the bucket is kept by nginx (deploy/nginx/hls-cache-s3.conf): asked again, it is a
    cache HIT; playlists are never kept; the signature and session are checked before the cache is looked at."""
    (key,) = _one(  # a demo recording of a published training, which the viewer may watch
        stack_db,
        "SELECT v.key FROM media_video v JOIN trainings_recordingpart p ON p.video_id = v.id"
        " JOIN wagtailcore_page page ON page.id = p.page_id"
        " WHERE v.output_dir <> '' AND page.live AND v.audio_only = false ORDER BY v.id DESC LIMIT 1",
    )
    viewer = https("viewer")
    master = viewer.get(f"/media/v/{key}/master.m3u8")
    assert master.status_code == 200, master.status_code
    rendition = urljoin(master.url, next(
        line for line in master.text.splitlines() if line.endswith("index.m3u8") and "audio" not in line
    ))  # fmt: skip
    playlist = viewer.get(rendition)
    assert playlist.status_code == 200
    assert playlist.headers.get("X-Cache-Status") == "BYPASS"  # asked from the bucket every time
    segments = [line for line in playlist.text.splitlines() if line and not line.startswith("#")]
    segment = urljoin(rendition, segments[-1])
    first = viewer.get(segment)
    assert first.status_code == 200
    assert first.headers.get("X-Cache-Status") in ("MISS", "HIT"), first.headers
    again = viewer.get(segment)
    assert again.status_code == 200
    assert again.headers.get("X-Cache-Status") == "HIT", again.headers
    assert again.content == first.content and again.content[:1] == b"\x47"
    assert LONG_CACHE in again.headers["Cache-Control"]
    assert again.headers["Content-Type"] == "video/mp2t"
    ranged = viewer.get(segment, headers={"Range": "bytes=188-375"})
    assert ranged.status_code == 206 and ranged.content == first.content[188:376]

    for stranger in (https(), https("editor")):  # nobody, and another session with the same (cached) address
        refused = stranger.get(segment, allow_redirects=False)
        assert refused.status_code == 403, refused.status_code
        assert refused.content[:1] != b"\x47"
        assert "X-Cache-Status" not in refused.headers


# --- the client address ---------------------------------------------------------------------------------------


def test_a_forged_x_forwarded_for_does_not_reach_the_portal(https, stack_db, stack):
    username = f"khong-ai-{uuid.uuid4().hex[:8]}"
    answer = https().login(username, "sai-mat-khau", headers={"X-Forwarded-For": "203.0.113.7"})
    assert answer.status_code == 200  # the form again, with its error
    rows = stack_db.execute("SELECT ip_address FROM axes_accessattempt WHERE username = %s", (username,))
    addresses = {str(row[0]) for row in rows}
    assert addresses == {"127.0.0.1"}
    # With one trusted proxy the portal reads the last address of the header, which nginx's own would be whether it
    # replaced the header or appended to it: gunicorn's access log, which prints the header as it arrived, shows it
    # was replaced — the forged address never reaches the portal at all.
    marker = f"/khong-co-trang-{uuid.uuid4().hex[:12]}/"
    https().get(marker, headers={"X-Forwarded-For": "203.0.113.7"})  # to the log-in page, the header sent again
    log = Path(stack["logs"]) / "gunicorn.log"
    deadline = time.monotonic() + 20
    lines: list[str] = []
    while not lines and time.monotonic() < deadline:
        lines = [line for line in log.read_text(errors="replace").splitlines() if marker in line]
        if not lines:
            time.sleep(0.2)
    assert lines, "the request was not in gunicorn's access log"
    assert all(line.startswith("127.0.0.1 ") and "203.0.113.7" not in line for line in lines), lines


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink()
        except OSError:
            continue
        match = re.fullmatch(r"socket:\[(\d+)\]", str(target))
        if match:
            inodes.add(match.group(1))
    return inodes


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[2]) == pgid:
                members.append(int(entry.name))
    return members


def test_gunicorn_listens_on_its_unix_socket_only(stack):
    listening_tcp = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":  # LISTEN
                listening_tcp.add(fields[9])
    unix_listeners = {}
    for line in Path("/proc/net/unix").read_text().splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 8:
            unix_listeners[fields[6]] = fields[7]
    gunicorn = _group_members(stack["pids"]["gunicorn"])
    assert len(gunicorn) >= 2  # the arbiter and its workers
    inodes = set().union(*(_socket_inodes(pid) for pid in gunicorn))
    assert not inodes & listening_tcp, "gunicorn listens on a TCP port"
    assert stack["socket"] in {unix_listeners.get(inode) for inode in inodes}
