"""The recording player in Chromium, on real transcoded clips: playback, quality, deep links, chapters,
resume, parts.

Transcoding is the slow part, so each clip is processed once per session (per xdist worker) into a
folder of its own, inside a transaction that is rolled back; each test re-creates the rows processing
made (same keys, same output folders) and points MEDIA_ROOT at that folder, which the live server's
thread reads too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import override_settings
from django.utils import translation

import pytest
from playwright.sync_api import Page, Request, expect

from media import processing
from media.models import PlaybackPosition, Video
from media.states import State
from portal.trainings.models import Chapter, RecordingPart, TrainingIndexPage, TrainingPage
from tests.media.samples import lecture, restore, rows_of

PASSWORD = "demo12345"  # the personas' password in tests/conftest.py
PLAYER = "[data-player]"
SHEET = re.compile(r'url\(".*/storyboard/sheet_001\.jpg"\)')


def vi(message: str) -> str:
    """What a Vietnamese user reads for `message` (the catalogue's translation, or the msgid until there is one)."""
    with translation.override("vi"):
        return translation.gettext(message)


@pytest.fixture(scope="session")
def recordings(tmp_path_factory, django_db_setup, django_db_blocker) -> Iterator[dict[str, Any]]:
    """Two clips transcoded for real: the morning (960x540, 5 s: 360p + 540p) and the afternoon (640x360, 4 s)."""
    root = tmp_path_factory.mktemp("player-media")
    sources = {
        "morning": lecture(root / "buoi-sang.mp4", size="960x540", seconds=5),
        "afternoon": lecture(root / "buoi-chieu.mp4", size="640x360", seconds=4),
    }
    made: dict[str, Any] = {"media_root": root / "media"}
    # This may run between two live-server tests, on a database just flushed: a content type looked up here is
    # created in the rolled-back block below and must not stay cached with an id that will not exist.
    cached = {db: dict(models) for db, models in ContentType.objects._cache.items()}
    with (
        override_settings(MEDIA_ROOT=root / "media", MEDIA_WORK_DIR=root / "work"),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        for name, source in sources.items():
            video = processing.create_video(source, title=name, move=True)
            assert processing.process(video.pk) == State.READY
            made[name] = rows_of(Video.objects.get(pk=video.pk))
        transaction.set_rollback(True)
    ContentType.objects._cache.clear()
    ContentType.objects._cache.update(cached)
    yield made


@pytest.fixture
def training(recordings, settings, lan_viewer) -> TrainingPage:
    """A published training with two recorded parts and chapters in each."""
    settings.MEDIA_ROOT = recordings["media_root"]
    morning, afternoon = restore(recordings["morning"]), restore(recordings["afternoon"])
    page = TrainingPage(title="Tập huấn kỹ năng xét hỏi", summary="Kỹ năng xét hỏi bị can trong giai đoạn điều tra.")
    TrainingIndexPage.objects.get().add_child(instance=page)
    RecordingPart.objects.create(page=page, video=morning, title="Buổi sáng", sort_order=0)
    RecordingPart.objects.create(page=page, video=afternoon, title="Buổi chiều", sort_order=1)
    Chapter.objects.create(page=page, part_number=1, start=0, title="Khai mạc", sort_order=0)
    Chapter.objects.create(page=page, part_number=1, start=3, title="Hỏi đáp", sort_order=1)
    Chapter.objects.create(page=page, part_number=2, start=0, title="Tổng kết", sort_order=2)
    Chapter.objects.create(page=page, part_number=2, start=2, title="Bế mạc", sort_order=3)
    page.save_revision().publish()
    return TrainingPage.objects.get(pk=page.pk)


@pytest.fixture
def watch(page: Page, live_server, login, lan_viewer, quiet):
    """Log in as Lan and open a training page; returns after the player has loaded its first part."""
    login(page, live_server, lan_viewer.username, PASSWORD)

    def open_page(training: TrainingPage, query: str = "") -> Page:
        page.goto(training.url + query)
        wait_until_ready(page)
        return page

    yield open_page
    quiet.finish()
    assert quiet.errors == []


def is_save(request: Request) -> bool:
    return request.method == "POST" and request.url.endswith("/vi-tri/")


def wait_until_ready(page: Page) -> None:
    expect(page.locator(PLAYER)).to_have_attribute("data-state", "ready")


def current_time(page: Page) -> float:
    return page.locator("[data-video]").evaluate("video => video.currentTime")


def wait_for_time(page: Page, condition: str) -> None:
    """Wait until `condition` (JavaScript, about `t`, the video's currentTime) holds."""
    page.wait_for_function(
        f"() => {{ const t = document.querySelector('[data-video]').currentTime; return {condition}; }}"
    )


def test_playback_starts_when_the_viewer_presses_play(watch, training):
    page = watch(training)
    expect(page.locator("[data-video]")).to_have_attribute(
        "poster", f"{training.ordered_parts()[0].video.file_url('poster.jpg')}"
    )
    page.locator("[data-big-play]").click()
    wait_for_time(page, "t > 0.5")
    assert page.locator("[data-video]").evaluate("video => !video.paused")
    expect(page.locator("[data-play]")).to_have_attribute("aria-label", vi("Pause"))


def test_the_quality_menu_offers_auto_each_rung_and_audio_only(watch, training):
    page = watch(training)
    menu_button = page.locator('[data-menu-button="quality"]')
    menu_button.click()
    items = page.get_by_role("menu", name=vi("Quality")).get_by_role("menuitemradio")
    expect(items).to_have_text([vi("Auto"), "540p", "360p", vi("Audio only")])
    expect(items.first).to_have_attribute("aria-checked", "true")
    expect(items.first).to_be_focused()

    # A rung by name: hls.js is asked for that level.
    items.nth(2).click()
    expect(menu_button).to_contain_text("360p")
    page.wait_for_function(
        "() => { const h = document.querySelector('[data-player]').playerInstance.hls;"
        " return h.currentLevel >= 0 && h.levels[h.currentLevel].height === 360; }"
    )

    # Audio only: the audio playlist replaces the ladder, at the same place in the recording.
    page.locator("[data-video]").evaluate("video => { video.currentTime = 2; }")
    wait_for_time(page, "t >= 2")
    with page.expect_request(lambda request: request.url.endswith("/audio/index.m3u8")):
        menu_button.click()
        items.nth(3).click()
    wait_until_ready(page)
    expect(page.locator("[data-audio-badge]")).to_be_visible()
    assert current_time(page) >= 1.9


def test_a_link_with_t_starts_at_that_second(watch, training):
    page = watch(training, "?t=2")
    assert current_time(page) >= 2
    page = watch(training, "?t=0:03")
    assert current_time(page) >= 3


def test_a_chapter_click_seeks_to_the_chapter_and_marks_it(watch, training):
    page = watch(training)
    chapter = page.get_by_role("link", name="Hỏi đáp")
    chapter.click()
    wait_for_time(page, "t >= 3")
    expect(chapter).to_have_attribute("aria-current", "true")
    expect(page.get_by_role("link", name="Khai mạc")).not_to_have_attribute("aria-current", "true")
    # A marker on the seek bar for the chapter that does not start at 0.
    expect(page.locator("[data-markers] .player__marker")).to_have_count(1)


def test_it_resumes_where_the_viewer_stopped(watch, training, lan_viewer):
    page = watch(training)
    page.locator("[data-play]").click()
    wait_for_time(page, "t > 0.2")
    page.locator("[data-video]").evaluate("video => { video.currentTime = 2.5; }")
    wait_for_time(page, "t >= 2.5")
    with page.expect_response(lambda response: is_save(response.request)) as saved:
        page.locator("[data-play]").click()  # pause saves
    assert saved.value.ok
    stopped_at = PlaybackPosition.objects.get(user=lan_viewer).seconds
    assert 2.5 <= stopped_at < 3.5

    page.reload()
    wait_until_ready(page)
    assert current_time(page) == pytest.approx(stopped_at, abs=0.3)
    expect(page.locator("[data-resume]")).to_be_visible()


def test_the_second_part_is_reachable_by_the_switcher_and_by_a_link(watch, training):
    afternoon = training.ordered_parts()[1].video
    page = watch(training)
    parts = page.get_by_role("navigation", name=vi("Recording parts")).get_by_role("link")
    expect(parts).to_have_count(2)
    expect(parts.first).to_have_attribute("aria-current", "true")

    with page.expect_request(lambda request: str(afternoon.key) in request.url and "master.m3u8" in request.url):
        parts.nth(1).click()
    wait_until_ready(page)
    expect(page.locator(PLAYER)).to_have_attribute("data-part", "2")
    expect(parts.nth(1)).to_have_attribute("aria-current", "true")
    assert "part=2" in page.url
    # The second part has one rung only.
    page.locator('[data-menu-button="quality"]').click()
    expect(page.get_by_role("menu", name=vi("Quality")).get_by_role("menuitemradio")).to_have_text(
        [vi("Auto"), "360p", vi("Audio only")]
    )

    page = watch(training, "?part=2&t=2")
    expect(page.locator(PLAYER)).to_have_attribute("data-part", "2")
    assert current_time(page) >= 2
    expect(page.get_by_role("link", name="Bế mạc")).to_have_attribute("aria-current", "true")


def test_keyboard_shortcuts_and_storyboard_previews(watch, training):
    page = watch(training)
    page.locator("[data-stage]").focus()
    page.keyboard.press("5")
    wait_for_time(page, "Math.abs(t - 2.5) < 0.3")
    page.keyboard.press("j")
    wait_for_time(page, "t === 0")
    page.keyboard.press("ArrowRight")
    wait_for_time(page, "t > 4.5")
    page.keyboard.press("<")
    assert page.locator("[data-video]").evaluate("video => video.playbackRate") == 0.75
    page.keyboard.press("m")
    assert page.locator("[data-video]").evaluate("video => video.muted")

    seek = page.locator("[data-range]")
    seek.scroll_into_view_if_needed()
    box = seek.bounding_box()
    assert box is not None
    seek.hover(position={"x": box["width"] * 0.7, "y": box["height"] / 2})
    preview = page.locator("[data-preview]")
    expect(preview).to_be_visible()
    expect(page.locator("[data-preview-time]")).to_have_text("0:03")
    expect(page.locator("[data-preview-chapter]")).to_have_text("Hỏi đáp")
    expect(page.locator("[data-preview-image]")).to_have_css("background-image", SHEET)


def test_a_part_that_is_not_ready_shows_its_state(watch, training):
    waiting = Video.objects.create(title="Buổi tối", original="videos/x/original/toi.mp4", state=State.PROCESSING)
    RecordingPart.objects.create(page=training, video=waiting, title="Buổi tối", sort_order=2)
    page = watch(training)
    page.get_by_role("navigation", name=vi("Recording parts")).get_by_role("link").nth(2).click()
    message = page.locator("[data-message]")
    expect(message).to_be_visible()
    expect(message).to_contain_text(vi("Processing"))
    expect(page.locator("[data-controls]")).to_be_hidden()


@pytest.mark.parametrize("state", [State.QUEUED, State.PROCESSING, State.FAILED])
def test_a_recording_being_converted_again_or_whose_new_conversion_failed_keeps_playing(watch, training, state):
    """ "Convert again" must not take a ready recording away from viewers: the previous outputs play."""
    morning = training.ordered_parts()[0].video
    Video.objects.filter(pk=morning.pk).update(state=state, progress=40, error="")
    page = watch(training)
    expect(page.locator("[data-message]")).to_be_hidden()
    expect(page.locator("[data-part-meta]").first).to_have_text("0:05")  # its duration, not a state
    page.locator("[data-big-play]").click()
    wait_for_time(page, "t > 0.5")
    # Pause, and let the position saved on pause arrive: no save is left to race the end of the test.
    with page.expect_response(lambda response: is_save(response.request)):
        page.locator("[data-play]").click()
