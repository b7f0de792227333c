"""The upload page in Chromium: a recording goes up chunk by chunk, and a paused upload resumes after a reload."""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

from django.contrib.auth.models import Permission
from django.utils import translation

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from media.models import UploadSession, Video
from media.states import State

UPLOAD_PAGE = "/admin/media/upload/"


def vi(message: str) -> str:
    """What a Vietnamese user reads for `message` (the catalogue's translation, or the msgid until there is one)."""
    with translation.override("vi"):
        return translation.gettext(message)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def clip_540p(tmp_path_factory) -> Path:
    """A 4-second lecture-like clip, about 2 MB, its index at the end as cameras write it."""
    path = tmp_path_factory.mktemp("upload") / "lecture-540p.mp4"
    sources = ["-f", "lavfi", "-i", "testsrc2=size=960x540:rate=25:duration=4", "-f", "lavfi", "-i", "sine=duration=4"]
    codecs = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"]
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *sources, *codecs, str(path)], check=True)
    return path


@pytest.fixture
def uploader(tuan_editor, settings, tmp_path):
    """Tuấn, who may add recordings; files of this test in a folder of its own; a small early check."""
    if not tuan_editor.has_perm("media.add_video"):
        tuan_editor.user_permissions.add(Permission.objects.get(content_type__app_label="media", codename="add_video"))
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_WORK_DIR = tmp_path / "work"
    settings.MEDIA_UPLOAD_CHECK_BYTES = 64 * 1024
    return tuan_editor


def upload_offsets(page: Page) -> list[int]:
    """The Upload-Offset of every chunk the page sends from now on."""
    offsets: list[int] = []
    page.on(
        "request",
        lambda request: offsets.append(int(request.headers["upload-offset"])) if request.method == "PATCH" else None,
    )
    return offsets


def test_a_recording_uploads_through_the_page_and_its_video_appears(
    page, live_server, login, uploader, settings, clip_540p
):
    settings.MEDIA_UPLOAD_CHUNK_BYTES = 256 * 1024
    login(page, live_server, "tuan", "demo12345")
    page.goto(UPLOAD_PAGE)
    offsets = upload_offsets(page)
    page.get_by_label(re.compile("Choose recordings|Chọn bản ghi")).set_input_files(str(clip_540p))
    row = page.locator(".media-upload__item")
    # The title is suggested from the file name in words, as the server would make it (media/titles.py).
    expect(row.locator("[data-title]")).to_have_value("lecture 540p")
    link = row.locator("[data-link]")
    expect(link).to_be_visible()
    expect(row.locator("progress")).to_have_js_property("value", 100)
    expect(row.locator("[data-numbers]")).to_contain_text("100")
    video = Video.objects.get()
    assert video.state == State.QUEUED and video.title == "lecture 540p"
    assert sha256(Path(video.original.path)) == sha256(clip_540p)
    assert len(offsets) == -(-clip_540p.stat().st_size // (256 * 1024))

    # "Open the recording" leads to the recording's page, as an editor would follow it.
    with page.expect_navigation() as opened:
        link.click()
    assert opened.value is not None and opened.value.status == 200
    expect(page.locator("[data-recording] [data-video-label]")).to_have_text(vi("Waiting to be processed"))
    expect(page.get_by_label(vi("Title"))).to_have_value("lecture 540p")


def test_a_paused_upload_continues_from_the_server_after_the_page_is_reloaded(
    page, live_server, login, uploader, settings, clip_540p
):
    settings.MEDIA_UPLOAD_CHUNK_BYTES = 16 * 1024
    login(page, live_server, "tuan", "demo12345")
    page.goto(UPLOAD_PAGE)
    page.locator("#media-upload-files").set_input_files(str(clip_540p))
    row = page.locator(".media-upload__item")
    page.wait_for_function("() => document.querySelector('.media-upload__item progress').value > 5")
    row.locator("[data-pause]").click()
    expect(row).to_have_attribute("data-phase", "paused")
    stopped_at = UploadSession.objects.get().offset
    assert 0 < stopped_at < clip_540p.stat().st_size

    page.reload()  # as after a browser restart: only localStorage and the server remember the upload
    offsets = upload_offsets(page)
    page.locator("#media-upload-files").set_input_files(str(clip_540p))
    expect(page.locator(".media-upload__item [data-link]")).to_be_visible(timeout=30_000)
    assert offsets[0] >= stopped_at > 0
    assert UploadSession.objects.count() == 1 and Video.objects.count() == 1
    assert sha256(Path(Video.objects.get().original.path)) == sha256(clip_540p)


def test_a_wrong_file_is_refused_with_the_servers_message(page, live_server, login, uploader, tmp_path):
    document = tmp_path / "bao-cao.mp4"
    document.write_text("Báo cáo tổng kết công tác kiểm sát năm 2026.\n" * 5000)
    login(page, live_server, "tuan", "demo12345")
    page.goto(UPLOAD_PAGE)
    page.locator("#media-upload-files").set_input_files([str(document)])
    row = page.locator(".media-upload__item")
    expect(row).to_have_attribute("data-phase", "failed")
    expect(row.get_by_role("alert")).to_have_text(UploadSession.objects.get().error)
    assert not Video.objects.exists()


def test_uploads_work_when_the_csrf_cookie_is_httponly_as_in_production(
    page, live_server, login, uploader, settings, clip_540p
):
    """settings.production makes the CSRF cookie HttpOnly: the script must use the token the page gives it."""
    settings.CSRF_COOKIE_HTTPONLY = True
    settings.MEDIA_UPLOAD_CHUNK_BYTES = 512 * 1024
    login(page, live_server, "tuan", "demo12345")
    page.goto(UPLOAD_PAGE)
    assert "csrftoken" not in page.evaluate("document.cookie")  # the script cannot read the cookie
    # Today Wagtail's sidebar happens to draw a logout form with a hidden token field; the upload must not
    # depend on another component's markup (a Wagtail upgrade, a page without the sidebar), so remove it.
    page.evaluate("document.querySelectorAll('input[name=csrfmiddlewaretoken]').forEach((el) => el.remove())")
    page.locator("#media-upload-files").set_input_files(str(clip_540p))
    row = page.locator(".media-upload__item")
    expect(row.locator("[data-link]")).to_be_visible(timeout=30_000)
    expect(row.get_by_role("alert")).to_be_hidden()
    assert sha256(Path(Video.objects.get().original.path)) == sha256(clip_540p)


@pytest.mark.parametrize("width", [1366, 360])
def test_a_finished_upload_follows_its_conversion_on_the_page(page, live_server, login, uploader, clip_540p, width):
    """An editor who stays on the upload page sees the recording's state move on (waiting, converting, ready) in
    its row, as the recordings list does (media/admin/status.js), instead of the state it had when the upload
    ended."""
    page.set_viewport_size({"width": width, "height": 800})
    login(page, live_server, "tuan", "demo12345")
    page.goto(UPLOAD_PAGE)
    page.get_by_label(re.compile("Choose recordings|Chọn bản ghi")).set_input_files(str(clip_540p))
    row = page.locator(".media-upload__item")
    expect(row.locator("[data-link]")).to_be_visible()
    status = row.locator("[data-status]")
    expect(status).to_contain_text(vi("Waiting to be processed"))

    video = Video.objects.get()
    Video.objects.filter(pk=video.pk).update(state=State.PROCESSING, progress=56.0)
    expect(status).to_contain_text(vi("Processing"), timeout=15_000)
    expect(status).to_contain_text("56")
    expect(row.locator("progress")).to_have_count(1)  # the row's own bar; the state gives the percentage
    Video.objects.filter(pk=video.pk).update(state=State.READY, progress=100.0)
    expect(status).to_contain_text(vi("Ready"), timeout=15_000)
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow} px sideways at {width} px"
    serious = [v for v in Axe().run(page).response["violations"] if v["impact"] in {"serious", "critical"}]
    assert [v["id"] for v in serious] == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in serious]
