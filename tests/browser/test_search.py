"""The search page in Chromium: suggestions while typing (keyboard and mouse), facets that narrow the
results, and a moment found in a recording's transcript that opens the player at that second.

Pages are published and indexed by the sync (`drain`), as in production; the recording is a real tiny clip
transcoded once per session, as in test_player.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.test import override_settings
from django.utils import translation

import pytest
from playwright.sync_api import Page, expect

from media import processing
from media.captions import Cue
from media.models import Video
from media.states import State
from media.transcripts import save_transcript
from portal.trainings.models import RecordingPart, TrainingIndexPage, TrainingPage
from search.sync import drain
from tests.media.samples import lecture, restore, rows_of
from tests.practices.pages import add_practice, add_training

PASSWORD = "demo12345"  # the personas' password in tests/conftest.py


def vi(message: str) -> str:
    """What a Vietnamese user reads for `message` (the catalogue's translation, or the msgid until there is one)."""
    with translation.override("vi"):
        return translation.gettext(message)


def search_box(page: Page):
    return page.get_by_role("combobox", name=vi("Search trainings and good practices"))


def hits(page: Page):
    return page.locator(".search-hit")


@pytest.fixture
def signed_in(page: Page, live_server, login, lan_viewer) -> Iterator[Page]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, live_server, lan_viewer.username, PASSWORD)
    yield page
    assert errors == []


def test_typing_shows_suggestions_and_choosing_one_with_the_keyboard_searches(signed_in):
    add_training("Kỹ năng xét hỏi bị can")
    add_practice("Kỹ năng kiểm sát thi hành án dân sự")
    drain()
    page = signed_in
    page.goto("/tim-kiem/")
    box = search_box(page)
    listbox = page.get_by_role("listbox", name=vi("Suggestions"))
    expect(listbox).to_be_hidden()

    box.press_sequentially("ky nang", delay=40)
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    options = listbox.get_by_role("option")
    expect(options).to_have_count(2)
    expect(listbox).to_contain_text("Kỹ năng xét hỏi bị can")
    expect(listbox).to_contain_text("Kỹ năng kiểm sát thi hành án dân sự")

    box.press("ArrowDown")
    box.press("ArrowDown")
    second = options.nth(1)
    expect(second).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", second.get_attribute("id") or "")
    expect(box).to_be_focused()
    chosen = second.locator(".search-suggestions__text").inner_text()

    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/tim-kiem/\?q="))
    expect(search_box(page)).to_have_value(chosen)
    expect(hits(page).first.get_by_role("heading")).to_have_text(chosen)


def test_escape_closes_the_suggestions_and_a_click_chooses_one(signed_in):
    add_training("Phòng chống tham nhũng trong ngành")
    drain()
    page = signed_in
    page.goto("/tim-kiem/")
    box = search_box(page)
    listbox = page.get_by_role("listbox", name=vi("Suggestions"))
    box.press_sequentially("tham nh", delay=40)
    expect(listbox).to_be_visible()
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("tham nh")

    box.press_sequentially("u", delay=40)
    option = listbox.get_by_role("option", name=re.compile("Phòng chống tham nhũng trong ngành"))
    option.click()
    expect(page).to_have_url(re.compile(r"/tim-kiem/\?q="))
    expect(hits(page)).to_have_count(1)
    expect(hits(page).first).to_contain_text("Phòng chống tham nhũng trong ngành")


def test_facets_narrow_the_results_and_a_selected_one_can_be_removed(signed_in):
    add_training("Kiểm sát án ma túy xuyên quốc gia")
    add_practice("Cách kiểm sát án ma túy ở địa bàn biên giới")
    drain()
    page = signed_in
    page.goto("/tim-kiem/?q=ma+tuy")
    expect(hits(page)).to_have_count(2)

    facets = page.get_by_role("complementary", name=vi("Narrow the results"))
    facets.get_by_role("link", name=re.compile(f"^{re.escape(vi('Good practice'))}")).click()
    expect(page).to_have_url(re.compile(r"type=practice"))
    expect(hits(page)).to_have_count(1)
    expect(hits(page).first).to_contain_text("Cách kiểm sát án ma túy ở địa bàn biên giới")
    expect(search_box(page)).to_have_value("ma tuy")

    facets = page.get_by_role("complementary", name=vi("Narrow the results"))
    facets.get_by_role("link", name=re.compile(re.escape(vi("Remove filter:")))).click()
    expect(hits(page)).to_have_count(2)
    assert "type=" not in page.url


# --- A moment of a recording ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> dict[str, Any]:
    """Transcoded clips kept for the session (per xdist worker): see `transcoded`."""
    return {"root": tmp_path_factory.mktemp("search-media")}


def transcoded(clips: dict[str, Any]) -> dict[str, Any]:
    """The rows of a 6 s clip transcoded for real, the first time inside a transaction that is rolled back.

    Done from a function-scoped fixture, not a session-scoped one: between browser tests the database is
    flushed, and a lookup made then (content types) would be cached with ids the restored database lacks.
    """
    if "video" not in clips:
        root = clips["root"]
        source = lecture(root / "buoi-sang.mp4", size="640x360", seconds=6)
        with (
            override_settings(MEDIA_ROOT=root / "media", MEDIA_WORK_DIR=root / "work"),
            transaction.atomic(),
        ):
            video = processing.create_video(source, title="buổi sáng", move=True)
            assert processing.process(video.pk) == State.READY
            clips.update(rows_of(Video.objects.get(pk=video.pk)))
            transaction.set_rollback(True)
    return clips


@pytest.fixture
def recorded_training(clips, settings) -> TrainingPage:
    """A published training whose recording says "hỏi cung bị can" from 0:03, indexed by the sync."""
    clip = transcoded(clips)
    settings.MEDIA_ROOT = clip["root"] / "media"
    video = restore(clip)
    page = TrainingPage(title="Tập huấn kỹ năng xét hỏi", summary="Kỹ năng xét hỏi trong giai đoạn điều tra.")
    TrainingIndexPage.objects.get().add_child(instance=page)
    RecordingPart.objects.create(page=page, video=video, title="Buổi sáng", sort_order=0)
    page.save_revision().publish()
    save_transcript(
        video,
        [Cue(start=3.2, end=5.5, text="Kiểm sát viên cần chuẩn bị kỹ trước khi hỏi cung bị can.")],
        source="human",
    )
    drain()
    return TrainingPage.objects.get(pk=page.pk)


def test_a_moment_link_opens_the_training_with_the_player_at_that_second(signed_in, recorded_training):
    page = signed_in
    page.goto("/tim-kiem/?q=hoi+cung")
    hit = hits(page).filter(has_text="Tập huấn kỹ năng xét hỏi")
    moment = hit.locator("a.search-moment")
    expect(moment).to_have_count(1)
    expect(moment.locator(".search-moment__time")).to_have_text("0:03")
    expect(moment.locator("mark").first).to_have_text(re.compile("hỏi", re.IGNORECASE))
    assert moment.get_attribute("href") == f"{recorded_training.url}?part=1&t=3"

    page.route("**/vi-tri/", lambda route: route.abort())  # no position saves racing the end of the test
    moment.click()
    expect(page).to_have_url(re.compile(re.escape(recorded_training.url) + r"\?part=1&t=3$"))
    expect(page.locator("[data-player]")).to_have_attribute("data-state", "ready")
    assert page.locator("[data-video]").evaluate("video => video.currentTime") >= 3
    page.goto("about:blank")
