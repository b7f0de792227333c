"""Signed HLS in Chromium: the player keeps playing past the expiry of the signature it started with (it renews the
prefix from media:hls_signature and rewrites every later request), and a viewer who loses access is stopped at
the next renewal with a message. HLS_SIGNATURE_SECONDS is 10 here, so both happen within seconds."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import override_settings
from django.utils import translation

import pytest
from playwright.sync_api import Page, Response, expect

from media import processing
from media.models import Video
from media.states import State
from portal.trainings.models import RecordingPart, TrainingIndexPage, TrainingPage
from tests.media.samples import lecture, restore, rows_of

PASSWORD = "demo12345"  # the personas' password in tests/conftest.py
PLAYER = "[data-player]"
SIGNATURE_SECONDS = 10
SIGNED = re.compile(r"/hls/(?P<token>[A-Za-z0-9_-]{22})/(?P<expires>\d+)/")


def vi(message: str) -> str:
    with translation.override("vi"):
        return translation.gettext(message)


@pytest.fixture(scope="session")
def long_recording(tmp_path_factory, django_db_setup, django_db_blocker) -> Iterator[dict[str, Any]]:
    """A 90-second clip (one small rung, 2-second segments) converted once: longer than the player buffers ahead
    (30 s), so segments are still fetched after the first signature has expired."""
    root = tmp_path_factory.mktemp("signed-playback")
    source = lecture(root / "dai.mp4", size="320x180", seconds=90)
    cached = {db: dict(models) for db, models in ContentType.objects._cache.items()}
    with (
        override_settings(
            MEDIA_ROOT=root / "media", MEDIA_WORK_DIR=root / "work", HLS_SEGMENT_SECONDS=2, VIDEO_PRESET="ultrafast"
        ),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        video = processing.create_video(source, title="Dài", move=True)
        assert processing.process(video.pk) == State.READY
        made = {"rows": rows_of(Video.objects.get(pk=video.pk)), "media_root": root / "media"}
        transaction.set_rollback(True)
    ContentType.objects._cache.clear()
    ContentType.objects._cache.update(cached)
    yield made


@pytest.fixture
def training(long_recording, settings) -> TrainingPage:
    settings.MEDIA_ROOT = long_recording["media_root"]
    settings.HLS_SIGNATURE_SECONDS = SIGNATURE_SECONDS
    video = restore(long_recording["rows"])
    page = TrainingPage(title="Tập huấn dài", summary="Một buổi tập huấn để thử chữ ký.")
    TrainingIndexPage.objects.get().add_child(instance=page)
    RecordingPart.objects.create(page=page, video=video, title="Cả buổi", sort_order=0)
    page.save_revision().publish()
    return TrainingPage.objects.get(pk=page.pk)


class HlsTraffic:
    """Every answer to a signed /hls/ address and to the signature endpoint, as the page saw them."""

    def __init__(self, page: Page) -> None:
        self.hls: list[tuple[float, str, int]] = []
        self.renewals: list[int] = []
        page.on("response", self.seen)

    def seen(self, response: Response) -> None:
        if SIGNED.search(response.url):
            self.hls.append((time.time(), response.url, response.status))
        elif response.url.endswith("/dia-chi-phat/"):
            self.renewals.append(response.status)

    def prefixes(self) -> set[str]:
        return {match.group(0) for _, url, _ in self.hls if (match := SIGNED.search(url))}


def video_time(page: Page) -> float:
    return page.locator("[data-video]").evaluate("video => video.currentTime")


def wait_for_time(page: Page, condition: str, timeout: float = 30_000) -> None:
    page.wait_for_function(
        f"() => {{ const t = document.querySelector('[data-video]').currentTime; return {condition}; }}",
        timeout=timeout,
    )


@pytest.fixture
def playing(page: Page, live_server, login, lan_viewer, training, quiet) -> Iterator[tuple[Page, HlsTraffic]]:
    """Lan watching the training, playback started; the page is let go quiet afterwards, whatever happened."""
    traffic = HlsTraffic(page)
    login(page, live_server, lan_viewer.username, PASSWORD)
    page.goto(training.url)
    expect(page.locator(PLAYER)).to_have_attribute("data-state", "ready")
    page.locator("[data-big-play]").click()
    wait_for_time(page, "t > 0.5")
    yield page, traffic
    quiet.finish()
    assert quiet.errors == []


def test_playback_goes_on_past_the_first_signature(playing):
    page, traffic = playing
    first = SIGNED.search(traffic.hls[0][1])
    assert first, traffic.hls[0]
    first_expiry = int(first["expires"])
    assert first_expiry - time.time() <= SIGNATURE_SECONDS

    # Play on until the first signature has expired...
    page.wait_for_timeout(max(0, (first_expiry - time.time() + 2) * 1000))
    assert time.time() > first_expiry + 1
    played = video_time(page)
    # ... then jump ahead, beyond what is buffered: new segments are fetched at a renewed prefix, and play.
    page.locator("[data-video]").evaluate("video => { video.currentTime = 75; }")
    wait_for_time(page, "t > 76.5")
    assert played > 2  # it played all along, at its own pace
    assert page.locator(PLAYER).get_attribute("data-state") != "error"
    assert page.locator("[data-video]").evaluate("video => !video.paused && !video.error")

    late = [(url, status) for moment, url, status in traffic.hls if moment > first_expiry + 1]
    assert late, "nothing was fetched after the first signature expired"
    assert all(status in (200, 206) for _, status in late), late
    assert all(int(SIGNED.search(url)["expires"]) > first_expiry for url, _ in late), late
    assert len(traffic.prefixes()) >= 2 and traffic.renewals and set(traffic.renewals) == {200}
    assert [status for _, _, status in traffic.hls if status >= 400] == []  # renewed before, never refused


def test_a_viewer_who_loses_access_is_stopped_at_the_next_renewal(playing, training):
    page, traffic = playing
    training.unpublish()  # Lan may no longer see the training, hence its recording

    message = page.locator("[data-message]")
    expect(message).to_have_text(
        vi(
            "You can no longer watch this recording: your access was withdrawn or your session ended. "
            "Reload the page to sign in again."
        ),
        timeout=SIGNATURE_SECONDS * 1000 + 10_000,
    )
    expect(message).to_be_visible()
    expect(page.locator(PLAYER)).to_have_attribute("data-state", "error")
    assert 404 in traffic.renewals
    stopped_at = video_time(page)
    page.wait_for_timeout(1500)
    assert video_time(page) == stopped_at  # playback stopped
