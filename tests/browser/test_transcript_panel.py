"""Captions and the transcript panel in Chromium, on real transcoded recordings: the caption track is there
and on, the panel lists the lines, follows playback without taking the page along, filters without
diacritics, seeks when a line is chosen (by mouse or keyboard), and follows the part being watched, an
audio-only one included.

As in test_player.py, the recordings are transcoded once per session inside a rolled-back transaction and
their rows re-created by each test.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from django.urls import reverse
from django.utils import translation

import pytest
from playwright.sync_api import Page, expect

from media import processing
from media.captions import Cue
from media.models import Video
from media.states import State
from media.transcripts import save_transcript
from portal.trainings.models import RecordingPart, TrainingIndexPage, TrainingPage
from tests.media.samples import audio_only, lecture

PASSWORD = "demo12345"  # the personas' password in tests/conftest.py
PLAYER = "[data-player]"
LINES = "[data-transcript-list] .player-transcript__line"
SPECIAL = {0: "Khai mạc lớp tập huấn", 10: "Điều tra viên trình bày kết quả", 20: "Kiểm sát viên đặt câu hỏi"}
STEP = 0.15  # seconds per line: 40 lines over the 6 s clip, enough for the panel to have to scroll
MORNING = [Cue(round(i * STEP, 2), round((i + 1) * STEP, 2), SPECIAL.get(i, f"Câu thứ {i + 1}")) for i in range(40)]
RECORDING = [Cue(0.0, 2.0, "Phần ghi âm buổi chiều"), Cue(2.0, 4.0, "Tổng kết và bế mạc")]


def vi(message: str) -> str:
    with translation.override("vi"):
        return translation.gettext(message)


@pytest.fixture(scope="session")
def sources(tmp_path_factory) -> dict[str, Path]:
    """A 6 s lecture clip and a 4 s audio-only recording (files only: no database at session scope)."""
    root = tmp_path_factory.mktemp("transcript-sources")
    return {
        "morning": lecture(root / "buoi-sang.mp4", size="640x360", seconds=6),
        "afternoon": audio_only(root / "ghi-am.m4a", seconds=4),
    }


@pytest.fixture
def training(sources, settings, tmp_path) -> TrainingPage:
    """A published training: a captioned lecture, then a captioned audio-only recording, transcoded for real.

    Transcoded per test: a session fixture touching the database would run between live-server tests on a
    flushed database and leave content types cached with ids that no longer exist."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_WORK_DIR = tmp_path / "work"
    videos = {}
    for name, source in sources.items():
        copy = tmp_path / source.name
        shutil.copyfile(source, copy)
        video = processing.create_video(copy, title=name, move=True)
        assert processing.process(video.pk) == State.READY
        videos[name] = Video.objects.get(pk=video.pk)
    morning, afternoon = videos["morning"], videos["afternoon"]
    save_transcript(morning, MORNING, source="human")
    save_transcript(afternoon, RECORDING, source="machine")
    page = TrainingPage(title="Tập huấn kỹ năng xét hỏi")
    TrainingIndexPage.objects.get().add_child(instance=page)
    RecordingPart.objects.create(page=page, video=morning, title="Buổi sáng", sort_order=0)
    RecordingPart.objects.create(page=page, video=afternoon, title="Ghi âm buổi chiều", sort_order=1)
    page.save_revision().publish()
    return TrainingPage.objects.get(pk=page.pk)


@pytest.fixture
def watch(page: Page, live_server, login, lan_viewer, quiet):
    """Log in as Lan and open a training page; returns once the player and its transcript are loaded."""
    login(page, live_server, lan_viewer.username, PASSWORD)

    def open_page(training: TrainingPage, query: str = "") -> Page:
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(training.url + query)
        expect(page.locator(PLAYER)).to_have_attribute("data-state", "ready")
        expect(page.locator(LINES).first).to_be_visible()
        return page

    yield open_page
    quiet.finish()
    assert quiet.errors == []


def wait_for_time(page: Page, condition: str) -> None:
    page.wait_for_function(
        f"() => {{ const t = document.querySelector('[data-video]').currentTime; return {condition}; }}"
    )


def hold_still(page: Page) -> None:
    """Let the player ask to play without the clip moving on: lines are 0.15 s long, so a playing clip could
    leave the chosen line before the test looks at it. `window.playAsked` records that the player asked."""
    page.locator("[data-video]").evaluate(
        "video => { video.pause(); video.play = () => { window.playAsked = true; return Promise.resolve(); }; }"
    )


def line(page: Page, text: str):
    """The line whose text ends with `text` ("Câu thứ 4" is not "Câu thứ 40")."""
    return page.locator(LINES, has_text=re.compile(re.escape(text) + "$"))


def test_the_caption_track_is_there_and_on_and_the_button_switches_it(watch, training):
    morning = training.ordered_parts()[0].video
    page = watch(training)

    track = page.locator("[data-video] track")
    expect(track).to_have_count(1)
    expect(track).to_have_attribute("kind", "captions")
    expect(track).to_have_attribute("srclang", "vi")
    expect(track).to_have_attribute("src", reverse("media:captions", args=[morning.key]))
    assert track.evaluate("track => track.default")
    page.wait_for_function("() => document.querySelector('[data-video]').textTracks[0].cues?.length === 40")
    assert page.locator("[data-video]").evaluate("video => video.textTracks[0].mode") == "showing"

    button = page.get_by_role("button", name=vi("Captions"))
    expect(button).to_have_attribute("aria-pressed", "true")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "false")
    assert page.locator("[data-video]").evaluate("video => video.textTracks[0].mode") == "hidden"
    page.locator("[data-stage]").focus()
    page.keyboard.press("c")
    expect(button).to_have_attribute("aria-pressed", "true")
    assert page.locator("[data-video]").evaluate("video => video.textTracks[0].mode") == "showing"


def test_the_panel_lists_the_lines_with_their_times_and_downloads(watch, training):
    morning = training.ordered_parts()[0].video
    page = watch(training)

    panel = page.get_by_role("region", name=vi("Transcript"))
    expect(panel).to_be_visible()
    expect(page.locator(LINES)).to_have_count(40)
    expect(page.locator(LINES).first).to_have_text("0:00 Khai mạc lớp tập huấn")
    expect(line(page, "Điều tra viên trình bày kết quả")).to_contain_text("0:01")
    expect(panel.locator("[data-transcript-download-text]")).to_have_attribute(
        "href", reverse("media:transcript_text", args=[morning.key])
    )
    expect(panel.locator("[data-transcript-download-vtt]")).to_have_attribute(
        "href", reverse("media:captions", args=[morning.key]) + "?download=1"
    )


def test_clicking_a_line_seeks_the_player_there(watch, training):
    page = watch(training)
    hold_still(page)

    line(page, "Kiểm sát viên đặt câu hỏi").click()

    wait_for_time(page, "t === 3.0")
    expect(line(page, "Kiểm sát viên đặt câu hỏi")).to_have_attribute("aria-current", "true")
    assert page.evaluate("() => window.playAsked === true")  # and it plays from there


def test_a_line_is_chosen_with_the_keyboard_too(watch, training):
    page = watch(training)
    hold_still(page)
    first = page.locator(LINES).first
    expect(first).to_have_attribute("tabindex", "0")
    expect(page.locator(f"{LINES}[tabindex='0']")).to_have_count(1)  # the list is one tab stop

    first.focus()
    for _ in range(10):
        page.keyboard.press("ArrowDown")
    expect(line(page, "Điều tra viên trình bày kết quả")).to_be_focused()
    page.keyboard.press("Enter")

    wait_for_time(page, "t === 1.5")
    expect(line(page, "Điều tra viên trình bày kết quả")).to_have_attribute("aria-current", "true")
    assert page.evaluate("() => window.playAsked === true")


def test_the_current_line_follows_playback_inside_the_panel_only(watch, training):
    page = watch(training)
    scroller = page.locator("[data-transcript-scroll]")
    page_scroll = page.evaluate("() => window.scrollY")

    page.locator("[data-big-play]").click()
    wait_for_time(page, "t > 2.0")

    page.locator("[data-video]").evaluate("video => video.pause()")
    current = page.locator(f"{LINES}[aria-current='true']")
    expect(current).to_have_count(1)
    # Paused, the marked line is exactly the one being said at the video's time.
    page.wait_for_function(
        f"""() => {{
            const t = document.querySelector('[data-video]').currentTime;
            const line = document.querySelector("{LINES}[aria-current='true']");
            return line && Number(line.dataset.line) === Math.floor((t + 0.01) / {STEP});
        }}"""
    )
    assert int(current.get_attribute("data-line") or "0") >= 13  # 2 s in: line 14 or later
    assert scroller.evaluate("element => element.scrollTop") > 0  # the panel scrolled to keep it in view
    expect(current).to_be_in_viewport()
    assert page.evaluate("() => window.scrollY") == page_scroll  # the page did not move
    assert page.evaluate("() => document.activeElement.closest('[data-transcript]') === null")


def test_scrolling_the_panel_to_read_stops_it_following_until_asked(watch, training):
    page = watch(training)
    scroller = page.locator("[data-transcript-scroll]")
    follow = page.get_by_role("button", name=vi("Back to the current line"))
    expect(follow).to_be_hidden()

    scroller.hover()
    page.mouse.wheel(0, 4000)  # the reader goes to the end of the transcript
    expect(follow).to_be_visible()
    bottom = scroller.evaluate("element => element.scrollTop")
    page.locator("[data-video]").evaluate("video => { video.currentTime = 0.5; }")
    expect(line(page, "Câu thứ 4")).to_have_attribute("aria-current", "true")
    assert scroller.evaluate("element => element.scrollTop") == bottom  # left where the reader is

    follow.click()
    expect(follow).to_be_hidden()
    expect(line(page, "Câu thứ 4")).to_be_in_viewport()


def test_the_filter_finds_lines_without_diacritics(watch, training):
    page = watch(training)
    search = page.get_by_role("searchbox", name=vi("Search the transcript"))

    search.fill("dieu tra")

    visible = page.locator(LINES).filter(visible=True)
    expect(visible).to_have_count(1)
    expect(visible.locator("mark")).to_have_text(["Điều", "tra"])
    expect(page.locator("[data-transcript-count]")).to_have_text(vi("Matching lines:") + " 1")
    search.fill("khong co dau")
    expect(page.locator(LINES).filter(visible=True)).to_have_count(0)
    expect(page.locator("[data-transcript-count]")).to_have_text(vi("No line matches your search."))
    search.press("Escape")
    expect(page.locator(LINES).filter(visible=True)).to_have_count(40)


def test_switching_to_the_audio_only_part_switches_the_track_and_the_panel(watch, training):
    afternoon = training.ordered_parts()[1].video
    page = watch(training)

    page.get_by_role("navigation", name=vi("Recording parts")).get_by_role("link").nth(1).click()

    expect(page.locator(PLAYER)).to_have_attribute("data-part", "2")
    expect(page.locator(PLAYER)).to_have_attribute("data-state", "ready")
    expect(page.locator("[data-audio-badge]")).to_be_visible()
    track = page.locator("[data-video] track")
    expect(track).to_have_count(1)
    expect(track).to_have_attribute("src", reverse("media:captions", args=[afternoon.key]))
    expect(page.locator(LINES)).to_have_text(["0:00 Phần ghi âm buổi chiều", "0:02 Tổng kết và bế mạc"])
    page.wait_for_function("() => document.querySelector('[data-video]').textTracks[0]?.mode === 'showing'")

    line(page, "Tổng kết và bế mạc").click()
    wait_for_time(page, "t >= 2.0")
    expect(line(page, "Tổng kết và bế mạc")).to_have_attribute("aria-current", "true")
