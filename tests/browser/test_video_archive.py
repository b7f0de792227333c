"""Lists that look like a video archive, in Chromium, on real transcoded clips: every list of trainings (home,
the section, a topic, search results) shows the poster, the length and the parts, or "Chưa có bản ghi"; what
the viewer watched shows as a progress bar and under "Tiếp tục xem"; the player copies a link to the current
moment that opens there.

The clips are transcoded once per session (per xdist worker), the first time inside a transaction that is
rolled back, as in test_search.py; each test re-creates their rows.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.test import override_settings
from django.urls import reverse

import pytest
from playwright.sync_api import Locator, Page, expect

from media import processing
from media.models import PlaybackPosition, Video
from media.states import State
from portal.home.models import Topic
from portal.trainings.models import TrainingIndexPage
from search.sync import drain
from tests.media.samples import lecture, restore, rows_of
from tests.practices.pages import add_training

PASSWORD = "demo12345"  # the personas' password in tests/conftest.py
RECORDED = "Tập huấn kỹ năng xét hỏi"
NOT_RECORDED = "Tập huấn kỹ năng tranh tụng"


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> dict[str, Any]:
    """Transcoded clips kept for the session: see `transcoded`."""
    return {"root": tmp_path_factory.mktemp("archive-media")}


def transcoded(clips: dict[str, Any]) -> dict[str, Any]:
    """The rows of two clips (4 s and 3 s) transcoded for real, the first time inside a rolled-back transaction.

    Done from a function-scoped fixture: between browser tests the database is flushed, and a lookup made then
    (content types) would be cached with ids the restored database lacks.
    """
    if "morning" not in clips:
        root = clips["root"]
        with (
            override_settings(MEDIA_ROOT=root / "media", MEDIA_WORK_DIR=root / "work"),
            transaction.atomic(),
        ):
            for name, seconds in (("morning", 4), ("afternoon", 3)):
                source = lecture(root / f"{name}.mp4", size="640x360", seconds=seconds)
                video = processing.create_video(source, title=name, move=True)
                assert processing.process(video.pk) == State.READY
                clips[name] = rows_of(Video.objects.get(pk=video.pk))
            transaction.set_rollback(True)
    return clips


@pytest.fixture
def archive(clips, settings) -> dict[str, Any]:
    """A training with two recorded parts and one without a recording, both on one topic, indexed for search."""
    clip = transcoded(clips)
    settings.MEDIA_ROOT = clip["root"] / "media"
    topic = Topic.objects.create(name="Kỹ năng nghiệp vụ")
    morning, afternoon = restore(clip["morning"]), restore(clip["afternoon"])
    recorded = add_training(RECORDED, topics=[topic], parts=[morning, afternoon])
    not_recorded = add_training(NOT_RECORDED, topics=[topic])
    drain()
    seconds = (morning.duration or 0) + (afternoon.duration or 0)
    return {"recorded": recorded, "not_recorded": not_recorded, "topic": topic, "seconds": seconds}


@pytest.fixture
def lan(page: Page, live_server, login, lan_viewer, quiet) -> Any:
    """Lan signed in; at the end, the page goes quiet (no position save racing the flush) without script errors."""
    login(page, live_server, lan_viewer.username, PASSWORD)
    yield page
    quiet.finish()
    assert quiet.errors == []


def card(page: Page, title: str) -> Locator:
    return page.locator(".card").filter(has=page.get_by_role("heading", name=title, exact=True))


def expect_poster_loaded(page: Page, poster: Locator) -> None:
    """The poster is a real picture the portal served (lazy: it loads once scrolled to)."""
    poster.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=poster.element_handle())


def expect_archive_cards(page: Page, archive: dict[str, Any]) -> None:
    recorded = card(page, RECORDED)
    expect(recorded).to_have_count(1)
    poster = recorded.locator("img")
    expect(poster).to_have_attribute("alt", re.compile(re.escape(RECORDED)))
    expect(poster).to_have_attribute("loading", "lazy")
    expect_poster_loaded(page, poster)
    expect(recorded.locator(".card__recording")).to_have_text(f"2 phần · {round(archive['seconds'])} giây")
    not_recorded = card(page, NOT_RECORDED)
    expect(not_recorded.get_by_text("Chưa có bản ghi", exact=True)).to_be_visible()
    expect(not_recorded.locator("img")).to_have_count(0)


def test_every_list_of_trainings_shows_posters_lengths_and_parts(lan, archive):
    page = lan
    page.goto("/")
    expect_archive_cards(page, archive)
    page.goto(TrainingIndexPage.objects.get().url)
    expect_archive_cards(page, archive)
    page.goto(reverse("topic_detail", args=[archive["topic"].slug]))
    expect_archive_cards(page, archive)
    page.goto("/tim-kiem/?q=ky+nang")
    expect_archive_cards(page, archive)

    # The poster is served only through the permission check: the same address signed out is refused.
    poster_url = card(page, RECORDED).locator("img").get_attribute("src") or ""
    first_part = archive["recorded"].ordered_parts()[0].video
    assert poster_url == reverse("media:file", kwargs={"key": first_part.key, "path": "poster.jpg"})
    page.context.clear_cookies()
    assert page.request.get(poster_url, max_redirects=0).status in {302, 404}


def test_a_training_without_a_recording_says_so_on_its_page(lan, archive):
    page = lan
    page.goto(TrainingIndexPage.objects.get().url)
    card(page, NOT_RECORDED).get_by_role("link", name=NOT_RECORDED).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NOT_RECORDED)
    expect(page.get_by_text("Chưa có bản ghi của buổi tập huấn này.")).to_be_visible()


def test_what_the_viewer_watched_shows_as_progress_and_under_continue_watching(lan, archive, lan_viewer):
    page = lan
    page.goto("/")
    expect(page.get_by_role("heading", name="Tiếp tục xem")).to_have_count(0)
    expect(card(page, RECORDED).get_by_role("progressbar")).to_have_count(0)

    # Clicking the card's poster opens the training, as in a video archive.
    poster = card(page, RECORDED).locator("img")
    box = poster.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("[data-player]")).to_have_attribute("data-state", "ready")
    page.locator("[data-play]").click()
    page.wait_for_function("() => document.querySelector('[data-video]').currentTime > 0.2")
    page.locator("[data-video]").evaluate("video => { video.currentTime = 2.5; }")
    page.wait_for_function("() => document.querySelector('[data-video]').currentTime >= 2.5")
    with page.expect_response(lambda response: response.request.method == "POST" and "/vi-tri/" in response.url):
        page.locator("[data-play]").click()  # pause saves
    stopped_at = PlaybackPosition.objects.get(user=lan_viewer).seconds
    percent = round(100 * stopped_at / archive["seconds"])

    page.goto("/")
    under_way = page.get_by_role("region", name="Tiếp tục xem")
    expect(under_way).to_be_visible()
    expect(under_way.locator(".card")).to_have_count(1)
    resumed = card(page, RECORDED).first
    bar = resumed.get_by_role("progressbar", name=f"Đã xem {percent}%")
    expect(bar).to_have_attribute("value", str(percent))
    expect(resumed.locator(".card__watched")).to_have_text(f"Đã xem {percent}%")
    expect(card(page, NOT_RECORDED)).to_have_count(1)
    expect(under_way.get_by_role("heading", name=NOT_RECORDED)).to_have_count(0)

    # Going on from the card resumes where Lan stopped.
    under_way.get_by_role("link", name=RECORDED).click()
    expect(page.locator("[data-player]")).to_have_attribute("data-state", "ready")
    assert page.locator("[data-video]").evaluate("video => video.currentTime") == pytest.approx(stopped_at, abs=0.3)


def test_the_player_copies_a_link_to_the_current_moment_that_opens_there(lan, archive, live_server):
    page = lan
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    training = archive["recorded"]
    page.goto(f"{training.url}?part=2")
    expect(page.locator("[data-player]")).to_have_attribute("data-state", "ready")
    page.route("**/vi-tri/", lambda route: route.abort())  # no saved position: the link alone decides
    page.locator("[data-video]").evaluate("video => { video.currentTime = 2.2; }")
    page.wait_for_function("() => document.querySelector('[data-video]').currentTime >= 2.2")

    page.get_by_role("button", name="Sao chép liên kết tại thời điểm này").click()
    expect(page.locator("[data-share-status]")).to_have_text("Đã sao chép liên kết")
    link = page.evaluate("() => navigator.clipboard.readText()")
    assert link == f"{live_server.url}{training.url}?part=2&t=2"

    page.goto(link)
    player = page.locator("[data-player]")
    expect(player).to_have_attribute("data-state", "ready")
    expect(player).to_have_attribute("data-part", "2")
    assert 2 <= page.locator("[data-video]").evaluate("video => video.currentTime") < 3


def test_without_the_clipboard_the_link_is_given_selected_in_a_box(lan, archive, live_server):
    page = lan
    # A browser that refuses the clipboard (an address without HTTPS, a policy): the promise is rejected.
    page.add_init_script(
        "if (navigator.clipboard) navigator.clipboard.writeText = () => Promise.reject(new Error('refused'));"
    )
    training = archive["recorded"]
    page.goto(f"{training.url}?t=1")
    expect(page.locator("[data-player]")).to_have_attribute("data-state", "ready")
    page.get_by_role("button", name="Sao chép liên kết tại thời điểm này").click()
    box = page.get_by_role("textbox", name="Liên kết tới thời điểm này")
    expect(box).to_be_visible()
    expect(box).to_have_value(f"{live_server.url}{training.url}?part=1&t=1")
    expect(box).to_be_focused()
    assert box.evaluate("input => input.selectionEnd - input.selectionStart") == len(box.input_value())
    expect(page.locator("[data-share-status]")).not_to_be_empty()
