"""The recordings admin in Chromium, as Tuấn the training editor: retrying a conversion from the list, and the
page of a recording (its state, facts, renditions, captions and a preview that plays).

One clip is transcoded for real once per session (per xdist worker) inside a rolled-back block; each test
re-creates its rows (same key, same output folder) and points MEDIA_ROOT at that folder, which the live
server's thread reads too.
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
from playwright.sync_api import Page, Response, expect

from media import processing
from media.captions import Cue
from media.models import TranscriptSource, Video
from media.states import State
from media.transcripts import save_transcript
from tests.media.samples import lecture, restore, rows_of

PASSWORD = "demo12345"  # the personas' password in tests/conftest.py
RECORDINGS = "/admin/media/videos/"


def vi(message: str) -> str:
    """What a Vietnamese user reads for `message` (the catalogue's translation, or the msgid until there is one)."""
    with translation.override("vi"):
        return translation.gettext(message)


@pytest.fixture(scope="session")
def transcoded(tmp_path_factory, django_db_setup, django_db_blocker) -> Iterator[dict[str, Any]]:
    """A 640x360, 3-second clip transcoded for real (360p and audio renditions, a poster)."""
    root = tmp_path_factory.mktemp("recordings-admin")
    source = lecture(root / "hoi_nghi-tap_huan.mp4", size="640x360", seconds=3)
    # A content type looked up here is created in the rolled-back block: do not leave it cached.
    cached = {db: dict(models) for db, models in ContentType.objects._cache.items()}
    with (
        override_settings(MEDIA_ROOT=root / "media", MEDIA_WORK_DIR=root / "work"),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        video = processing.create_video(source, title="Hội nghị tập huấn", original_name=source.name, move=True)
        assert processing.process(video.pk) == State.READY
        rows = rows_of(Video.objects.get(pk=video.pk))
        transaction.set_rollback(True)
    ContentType.objects._cache.clear()
    ContentType.objects._cache.update(cached)
    yield {"media_root": root / "media", "rows": rows}


@pytest.fixture
def ready_video(transcoded, settings) -> Video:
    settings.MEDIA_ROOT = transcoded["media_root"]
    return restore(transcoded["rows"])


@pytest.fixture
def failed_video(settings, tmp_path) -> Video:
    """A document renamed .mp4: refused by ffprobe, kept as failed with the reason."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_WORK_DIR = tmp_path / "work"
    document = tmp_path / "bao-cao.mp4"
    document.write_text("Báo cáo tổng kết công tác kiểm sát năm 2026 — văn bản, không phải video.\n" * 50)
    video = processing.create_video(document, title="Tệp nhầm", move=True)
    assert video.state == State.FAILED and video.error
    return video


@pytest.fixture
def editor(page: Page, live_server, login, tuan_editor) -> Page:
    """Tuấn, logged in; the test fails if any page he opens answers 405 or worse."""
    bad: list[str] = []

    def check(response: Response) -> None:
        if response.request.resource_type == "document" and response.status >= 400:
            bad.append(f"{response.status} {response.url}")

    page.on("response", check)
    login(page, live_server, tuan_editor.username, PASSWORD)
    yield page
    assert bad == []


def row_of(page: Page, title: str):
    return page.locator("tbody tr", has=page.get_by_role("link", name=title, exact=True))


# --- Retrying from the list ---------------------------------------------------------------------------


def test_a_failed_conversion_is_retried_from_the_list_with_one_click(editor, failed_video):
    editor.goto(RECORDINGS)
    row = row_of(editor, "Tệp nhầm")
    expect(row).to_contain_text(vi("Failed"))
    row.get_by_role("button", name=re.compile(vi("Retry"))).click()

    expect(editor).to_have_url(re.compile(re.escape(RECORDINGS) + r"(\?.*)?$"))
    message = vi("“%(title)s” will be converted again.") % {"title": "Tệp nhầm"}
    expect(editor.locator(".messages")).to_contain_text(message)
    expect(row_of(editor, "Tệp nhầm")).to_contain_text(vi("Waiting to be processed"))
    assert Video.objects.get(pk=failed_video.pk).state == State.QUEUED


@pytest.mark.parametrize("width", [1366, 390])
def test_the_retry_button_fits_in_its_row_on_a_computer_and_a_phone(editor, failed_video, width):
    editor.set_viewport_size({"width": width, "height": 800})
    editor.goto(RECORDINGS)
    button = row_of(editor, "Tệp nhầm").locator("[data-retry]")
    expect(button).to_be_visible()
    expect(button).to_have_text(vi("Retry"))
    box = button.bounding_box()
    icon = button.locator("svg").bounding_box()
    assert box is not None and icon is not None
    assert box["height"] <= 48, box
    assert icon["height"] <= 24 and icon["width"] <= 24, icon
    # The whole label shows (a squeezed column would cut it letter by letter).
    assert button.evaluate("el => el.scrollWidth <= el.clientWidth + 1 && el.scrollHeight <= el.clientHeight + 1")


def test_converting_a_ready_recording_again_asks_first_then_queues_it(editor, ready_video):
    editor.goto(RECORDINGS)
    row_of(editor, ready_video.title).get_by_role("link", name=re.compile(vi("Convert again"))).click()

    expect(editor.get_by_role("heading", level=1)).to_contain_text(vi("Convert again"))
    expect(editor.locator("main")).to_contain_text("360p")  # what will be replaced is named
    assert Video.objects.get(pk=ready_video.pk).state == State.READY  # nothing happened yet
    editor.get_by_role("button", name=vi("Yes, convert again")).click()

    expect(editor).to_have_url(re.compile(re.escape(RECORDINGS) + r"(\?.*)?$"))
    message = vi("“%(title)s” will be converted again.") % {"title": ready_video.title}
    expect(editor.locator(".messages")).to_contain_text(message)
    expect(row_of(editor, ready_video.title)).to_contain_text(vi("Waiting to be processed"))
    assert Video.objects.get(pk=ready_video.pk).state == State.QUEUED


def test_changing_ones_mind_on_the_question_changes_nothing(editor, ready_video):
    editor.goto(RECORDINGS)
    row_of(editor, ready_video.title).get_by_role("link", name=re.compile(vi("Convert again"))).click()
    editor.get_by_role("link", name=vi("No, go back")).click()
    expect(row_of(editor, ready_video.title)).to_contain_text(vi("Ready"))
    assert Video.objects.get(pk=ready_video.pk).state == State.READY


# --- The recording's page ---------------------------------------------------------------------------


def test_the_page_of_a_ready_recording_shows_what_it_is_made_of_and_plays_it(editor, ready_video):
    save_transcript(
        ready_video,
        [Cue(0.0, 1.5, "Kính thưa các đồng chí."), Cue(1.5, 3.0, "Hôm nay chúng ta tập huấn.")],
        source=TranscriptSource.HUMAN,
        reviewed=True,
    )
    editor.goto(RECORDINGS)
    editor.get_by_role("link", name=ready_video.title, exact=True).click()

    about = editor.locator("[data-recording]")
    expect(about.locator("[data-video-label]")).to_have_text(vi("Ready"))
    expect(about.locator("[data-fact=duration]")).to_have_text("0:03")
    expect(about.locator("[data-fact=frame]")).to_have_text("640 \N{MULTIPLICATION SIGN} 360")
    expect(about.locator("[data-fact=original]")).to_contain_text("hoi_nghi-tap_huan.mp4")
    renditions = about.locator("[data-renditions] tbody tr")
    expect(renditions.first).to_contain_text("360p")
    expect(renditions.first).to_contain_text("640 \N{MULTIPLICATION SIGN} 360")
    expect(renditions.first).to_contain_text(re.compile(r"\d+ (kbit|Mbit)/s"))
    expect(renditions.filter(has_text=vi("Audio only"))).to_contain_text("kbit/s")
    transcripts = about.locator("[data-transcripts]")
    expect(transcripts).to_contain_text("Tiếng Việt")
    expect(transcripts).to_contain_text(vi("reviewed"))
    expect(transcripts).to_contain_text("2")

    preview = about.locator("video[data-preview]")
    poster = preview.get_attribute("poster")
    assert poster and editor.request.get(poster).status == 200
    expect(preview).to_have_attribute("data-preview-ready", re.compile("hls|native"))
    preview.evaluate("video => { video.muted = true; return video.play(); }")
    editor.wait_for_function("() => document.querySelector('video[data-preview]').currentTime > 0.5")
    expect(about.locator("[data-preview-error]")).to_be_hidden()
    editor.goto("about:blank")  # stop the player before the test's data goes


def test_the_page_of_a_failed_recording_says_why_and_retries_it(editor, failed_video):
    editor.goto(RECORDINGS)
    editor.get_by_role("link", name="Tệp nhầm", exact=True).click()

    about = editor.locator("[data-recording]")
    expect(about.locator("[data-video-label]")).to_have_text(vi("Failed"))
    expect(about.locator("[data-error]")).to_contain_text(failed_video.error)
    expect(about.locator("video")).to_have_count(0)
    retry = about.get_by_role("button", name=re.compile(vi("Retry")))
    icon = retry.locator("svg").bounding_box()
    assert icon is not None and icon["height"] <= 24, icon
    retry.click()

    expect(editor.locator(".messages")).to_contain_text(
        vi("“%(title)s” will be converted again.") % {"title": "Tệp nhầm"}
    )
    expect(editor).to_have_url(re.compile(rf"/admin/media/videos/edit/{failed_video.pk}/$"))
    expect(editor.locator("[data-recording] [data-video-label]")).to_have_text(vi("Waiting to be processed"))
    expect(editor.locator("[data-state-message]")).to_contain_text(
        vi("Waiting for its turn to be converted. This page updates its state by itself.")
    )


def test_the_page_of_a_recording_being_converted_shows_its_progress(editor, ready_video):
    Video.objects.filter(pk=ready_video.pk).update(state=State.PROCESSING, progress=42.0, eta_seconds=75)
    editor.goto(f"/admin/media/videos/edit/{ready_video.pk}/")
    about = editor.locator("[data-recording]")
    expect(about.locator("[data-video-label]")).to_contain_text("42%")
    expect(about.locator("progress")).to_have_js_property("value", 42)
    expect(about.locator("[data-state-message]")).to_contain_text(
        vi("Meanwhile viewers watch the previous conversion, which the preview below plays.")
    )
    editor.goto("about:blank")


@pytest.mark.parametrize("width", [1366, 360])
def test_a_recording_page_open_while_converting_says_when_it_is_done_and_reloads_to_the_preview(
    editor, ready_video, width
):
    """The page was drawn before the recording had a preview: once status.js sees the conversion end, the note that
    said "being converted" gives way to one that offers to reload, and the reload shows the preview."""
    from axe_playwright_python.sync_playwright import Axe

    editor.set_viewport_size({"width": width, "height": 800})
    outputs = {"output_dir": ready_video.output_dir, "poster": ready_video.poster}
    Video.objects.filter(pk=ready_video.pk).update(state=State.PROCESSING, progress=10.0, output_dir="", poster="")
    editor.goto(f"/admin/media/videos/edit/{ready_video.pk}/")
    about = editor.locator("[data-recording]")
    busy = about.locator("[data-state-message]")
    done = about.locator(f'[data-video-done-note="{ready_video.pk}"]')
    expect(busy).to_contain_text(vi("Being converted. When it is done, reload this page to watch the preview."))
    expect(done).to_be_hidden()
    expect(about.locator("video[data-preview]")).to_have_count(0)

    Video.objects.filter(pk=ready_video.pk).update(state=State.READY, progress=100.0, **outputs)
    expect(about.locator("[data-video-label]")).to_have_text(vi("Ready"), timeout=15_000)
    expect(busy).to_be_hidden()
    expect(done).to_be_visible()
    expect(done).to_contain_text(
        vi("The conversion has ended. Reload this page to see the preview, the qualities and the details.")
    )
    overflow = editor.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow} px sideways at {width} px"
    serious = [v for v in Axe().run(editor).response["violations"] if v["impact"] in {"serious", "critical"}]
    assert [v["id"] for v in serious] == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in serious]

    with editor.expect_navigation() as reloaded:
        done.get_by_role("link", name=vi("Reload this page")).click()
    assert reloaded.value is not None and reloaded.value.status == 200
    expect(about.locator("video[data-preview]")).to_have_attribute("data-preview-ready", re.compile("hls|native"))
    expect(about.locator(f'[data-video-done-note="{ready_video.pk}"]')).to_have_count(0)
    editor.goto("about:blank")
