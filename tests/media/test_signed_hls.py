"""Segments without a database query each: the master playlist is checked and lists its renditions at signed
/hls/ addresses, which Django (without nginx) answers from the signature and the session cookie alone."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings

import pytest

from media import processing, signing
from media.models import Video
from portal.trainings.models import RecordingPart, TrainingIndexPage, TrainingPage
from tests.media.samples import restore, rows_of

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def converted(tmp_path_factory, clip_small_odd, django_db_setup, django_db_blocker) -> dict[str, Any]:
    """A recording with a picture and sound converted once for this file (one rung, an audio group and an
    audio-only rendition), in a rolled-back transaction: each test re-creates its rows."""
    root = tmp_path_factory.mktemp("signed-hls")
    copy = root / "buoi-sang.mp4"
    shutil.copy(clip_small_odd, copy)
    with (
        override_settings(MEDIA_ROOT=root / "media", MEDIA_WORK_DIR=root / "work"),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        video = processing.create_video(copy, title="Buổi sáng", move=True)
        processing.process(video.pk)
        made = {"rows": rows_of(Video.objects.get(pk=video.pk)), "media_root": root / "media"}
        transaction.set_rollback(True)
    return made


@pytest.fixture
def media_storage(converted, settings) -> Path:
    settings.MEDIA_ROOT = converted["media_root"]
    return converted["media_root"]


@pytest.fixture
def ready_video(converted, media_storage) -> Video:
    return restore(converted["rows"])


@pytest.fixture
def training(ready_video) -> TrainingPage:
    page = TrainingPage(title="Tập huấn kỹ năng tranh tụng")
    TrainingIndexPage.objects.get().add_child(instance=page)
    RecordingPart.objects.create(page=page, video=ready_video, sort_order=0)
    page.save_revision().publish()
    return page


@pytest.fixture
def viewer(client, lan_viewer, training) -> Client:
    client.force_login(lan_viewer)
    return client


def uris(playlist: bytes) -> list[str]:
    """The URIs a playlist lists: its lines that are not tags, and URI="..." attributes."""
    found = []
    for line in playlist.decode().splitlines():
        if line.startswith("#") and 'URI="' in line:
            found.append(line.split('URI="', 1)[1].split('"', 1)[0])
        elif line and not line.startswith("#"):
            found.append(line)
    return found


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_master_lists_signed_addresses_and_everything_after_it_costs_no_query(
    viewer, ready_video, media_storage, django_assert_num_queries
):
    master = viewer.get(ready_video.master_url)
    assert master.status_code == 200 and master["Content-Type"] == "application/vnd.apple.mpegurl"
    listed = uris(master.content)
    assert len(listed) == 2  # the audio group and the one rung
    for uri in listed:
        assert signing.ADDRESS.match(uri), uri
        assert f"/{ready_video.output_dir}/" in uri
    segments = 0
    for playlist_url in listed:
        with django_assert_num_queries(0):
            playlist = viewer.get(playlist_url)
        assert playlist.status_code == 200 and playlist["Content-Type"] == "application/vnd.apple.mpegurl"
        assert "no-cache" in playlist["Cache-Control"]
        # A rendition names its segments relative to itself: they inherit the signed prefix.
        for segment in uris(body(playlist)):
            assert "/" not in segment
            url = playlist_url.rsplit("/", 1)[0] + "/" + segment
            with django_assert_num_queries(0):
                response = viewer.get(url)
            assert response.status_code == 200 and response["Content-Type"] == "video/mp2t"
            assert "immutable" in response["Cache-Control"]
            stored = media_storage / urlsplit(url).path.split("/", 4)[4]
            assert body(response) == stored.read_bytes()
            segments += 1
    assert segments >= 2


def test_a_range_of_a_segment_is_answered_without_a_query(viewer, ready_video, django_assert_num_queries):
    rendition = uris(viewer.get(ready_video.master_url).content)[-1]
    segment = rendition.rsplit("/", 1)[0] + "/seg_00000.ts"
    with django_assert_num_queries(0):
        part = viewer.get(segment, HTTP_RANGE="bytes=0-187")
    assert part.status_code == 206 and len(body(part)) == 188


def a_segment_address(viewer, video) -> str:
    rendition = uris(viewer.get(video.master_url).content)[-1]
    return rendition.rsplit("/", 1)[0] + "/seg_00000.ts"


def test_anonymous_visitors_are_refused_not_sent_to_the_login_page(viewer, ready_video, django_assert_num_queries):
    address = a_segment_address(viewer, ready_video)
    with django_assert_num_queries(0):
        response = Client().get(address)
    assert response.status_code == 403
    assert response["Cache-Control"] == "no-store"


def test_another_session_is_refused(viewer, ready_video, lan_viewer, hoa_reviewer):
    address = a_segment_address(viewer, ready_video)
    other = Client()
    other.force_login(hoa_reviewer)
    assert other.get(address).status_code == 403
    same_user_elsewhere = Client()
    same_user_elsewhere.force_login(lan_viewer)  # another session of the same user: another cookie
    assert same_user_elsewhere.get(address).status_code == 403


def test_a_tampered_address_is_refused(viewer, ready_video):
    address = a_segment_address(viewer, ready_video)
    match = signing.ADDRESS.match(address)
    token, expires = match["token"], int(match["expires"])
    other_token = ("B" if token[0] != "B" else "C") + token[1:]
    assert viewer.get(address.replace(token, other_token)).status_code == 403
    assert viewer.get(address.replace(f"/{expires}/", f"/{expires + 3600}/")).status_code == 403
    elsewhere = address.replace(ready_video.output_dir, "videos/00000000-0000-0000-0000-000000000000/hls-1-abcd1234")
    assert viewer.get(elsewhere).status_code == 403
    assert viewer.get(address.replace("seg_00000.ts", "../../original/x.ts")).status_code == 404  # no such address


def test_an_expired_address_is_gone_and_the_player_can_ask_for_a_fresh_one(viewer, ready_video, settings):
    session = viewer.cookies[settings.SESSION_COOKIE_NAME].value
    old = signing.sign(ready_video.output_dir, session, now=time.time() - 2 * settings.HLS_SIGNATURE_SECONDS)
    rendition = next(r for r in ready_video.renditions.all() if r.name != "audio")
    folder = rendition.playlist.removeprefix(f"{ready_video.output_dir}/").rsplit("/", 1)[0]
    response = viewer.get(f"{old.prefix}{folder}/seg_00000.ts")
    assert response.status_code == 410 and response["Cache-Control"] == "no-store"
    fresh = viewer.get(f"/media/v/{ready_video.key}/dia-chi-phat/")
    assert fresh.status_code == 200 and "no-store" in fresh["Cache-Control"]
    data = fresh.json()
    assert data["prefix"].endswith(f"/{ready_video.output_dir}/") and data["prefix"] != old.prefix
    assert 0 < data["seconds"] <= settings.HLS_SIGNATURE_SECONDS
    assert viewer.get(f"{data['prefix']}{folder}/seg_00000.ts").status_code == 200


def test_a_user_who_lost_access_is_refused_a_fresh_signature(viewer, ready_video, training):
    assert viewer.get(f"/media/v/{ready_video.key}/dia-chi-phat/").status_code == 200
    training.unpublish()
    assert viewer.get(f"/media/v/{ready_video.key}/dia-chi-phat/").status_code == 404
    assert viewer.get(ready_video.master_url).status_code == 404


def test_anonymous_visitors_get_no_signature(client, ready_video, training):
    response = client.get(f"/media/v/{ready_video.key}/dia-chi-phat/")
    assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")


def test_the_audio_only_rendition_lists_signed_segments(viewer, ready_video, django_assert_num_queries):
    audio = ready_video.renditions.get(name="audio")
    response = viewer.get(ready_video.file_url(audio.playlist.removeprefix(f"{ready_video.output_dir}/")))
    assert response.status_code == 200
    segments = uris(response.content)
    assert segments and all(signing.ADDRESS.match(uri) and "/audio/seg_" in uri for uri in segments)
    with django_assert_num_queries(0):
        assert viewer.get(segments[0]).status_code == 200


def test_posters_and_storyboards_stay_on_the_checked_path(viewer, ready_video):
    poster = ready_video.output_url(ready_video.poster)
    assert poster.startswith("/media/v/") and viewer.get(poster).status_code == 200
    address = a_segment_address(viewer, ready_video)
    assert viewer.get(address.replace("seg_00000.ts", "poster.jpg")).status_code == 404


def test_behind_nginx_django_still_rewrites_the_master(viewer, ready_video, settings):
    settings.SERVE_MEDIA_WITH = "x-accel"
    master = viewer.get(ready_video.master_url)
    assert "X-Accel-Redirect" not in master
    assert all(signing.ADDRESS.match(uri) for uri in uris(master.content))


def test_the_session_cookie_nginx_reads_is_djangos():
    assert settings.SESSION_COOKIE_NAME == signing.NGINX_SESSION_COOKIE
