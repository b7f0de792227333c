"""The Content-Security-Policy in Chromium: the portal's pages and Wagtail's admin work under it with no violation.

Each persona gets one browser context. Every page it opens records the `securitypolicyviolation` events it sees
(an init script writes them on `window`, read before leaving the page) and the console's CSP messages; the
test then expects none, and the header on every page. It plays the recording (hls.js: MediaSource from blob:
URLs, a blob: worker), types in the search box for suggestions, opens the submission form, and in the admin the
dashboard, a training's edit screen (the rich text editor typed in, its link tool's page chooser, the inline
panels and date pickers Wagtail sets up with inline scripts), the upload screen with a file uploaded, the
caption editor and the slides screen.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation

from wagtail.documents.models import Document
from wagtail.models import Site

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from media.models import Transcript
from portal.trainings.models import Attachment
from portal.trainings.slides import build_deck
from tests.browser.main_pages import no_position_saves
from tests.media.samples import lecture
from tests.practices.documents import has_vietnamese_font, slides_pdf_bytes

PASSWORD = "demo12345"  # the personas' password in tests/conftest.py
HEADER = "content-security-policy"

COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.__cspViolations.push(
        `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} (${event.sourceFile}:${event.lineNumber})`
    );
});
"""


def vi(message: str) -> str:
    with translation.override("vi"):
        return translation.gettext(message)


class Watcher:
    """One persona's context: what each page it opened reported, and the CSP header each page came with."""

    def __init__(self, context: BrowserContext) -> None:
        self.context = context
        self.page = context.new_page()
        self.violations: list[str] = []
        self.headers: dict[str, str | None] = {}
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.violations.append(f"{self.page.url}: page error: {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.violations.append(f"{self.page.url}: console: {message.text}")

    def open(self, path: str) -> Page:
        self.collect()
        response = self.page.goto(path)
        assert response is not None and response.ok, path
        self.headers[path] = response.headers.get(HEADER)
        return self.page

    def collect(self) -> None:
        """Keep what the current page reported (call before it is left)."""
        if self.page.url.startswith("http"):
            found = self.page.evaluate("window.__cspViolations || []")
            self.violations.extend(f"{self.page.url}: {violation}" for violation in found)

    def finish(self) -> None:
        self.collect()
        self.page.goto("about:blank")
        self.page.wait_for_timeout(300)  # requests in flight end before the test's data is flushed
        assert self.violations == [], "\n".join(self.violations)
        missing = [path for path, header in self.headers.items() if not header]
        assert missing == [], f"no Content-Security-Policy header on {missing}"
        for header in self.headers.values():
            assert header is not None
            script_src = re.search(r"script-src ([^;]*)", header)
            assert script_src and "'unsafe-inline'" not in script_src.group(1)
            assert "'unsafe-eval'" not in header


@pytest.fixture
def watcher(browser: Browser, live_server, login) -> Iterator[Any]:
    """A function giving a logged-in Watcher per username, each in a context of its own; checked at the end."""
    watchers: list[Watcher] = []

    def open_as(username: str) -> Watcher:
        context = browser.new_context(locale="vi-VN", base_url=live_server.url)
        context.set_default_timeout(10_000)
        context.add_init_script(COLLECT_VIOLATIONS)
        context.route("**/vi-tri/", no_position_saves)
        watching = Watcher(context)
        login(watching.page, live_server, username, PASSWORD)
        watchers.append(watching)
        return watching

    yield open_as
    try:
        for watching in watchers:
            watching.finish()
    finally:
        for watching in watchers:
            watching.context.close()


def test_the_portal_and_the_admin_work_under_the_policy_with_no_violation(
    watcher, main_site, hanoi, minh_submitter, tuan_editor, settings, tmp_path
):
    # --- A submitter on the portal's own pages ---------------------------------------------------------
    minh = watcher(minh_submitter.username)
    page = minh.open("/")
    page.get_by_role("combobox", name=vi("Search trainings and good practices")).first.press_sequentially(
        "ky nang", delay=40
    )
    expect(page.get_by_role("listbox", name=vi("Suggestions")).get_by_role("option").first).to_be_visible()

    page = minh.open(main_site.training.url)
    expect(page.locator('[data-player][data-state="ready"]')).to_be_visible()
    page.locator("[data-video]").evaluate("video => { video.muted = true; video.currentTime = 0; }")
    page.locator("[data-big-play]").click()
    page.wait_for_function("() => document.querySelector('[data-video]').currentTime > 0.3")
    assert page.locator("[data-video]").evaluate("video => video.src").startswith("blob:")  # MediaSource

    page = minh.open(reverse("search") + "?q=k%E1%BB%B9+n%C4%83ng")
    expect(page.locator(".search-hit").first).to_be_visible()
    page = minh.open(reverse("practices:submit"))
    expect(page.locator("form input[name=title]")).to_be_visible()

    # --- An editor in the admin ---------------------------------------------------------------------------
    if not tuan_editor.has_perm("media.add_video"):
        tuan_editor.user_permissions.add(Permission.objects.get(content_type__app_label="media", codename="add_video"))
    settings.MEDIA_WORK_DIR = tmp_path / "work"
    if has_vietnamese_font():
        document = Document.objects.create(
            title="Bài giảng",
            file=ContentFile(slides_pdf_bytes([["Mở đầu"], ["Niêm phong"]]), name="bai-giang.pdf"),
            collection_id=1,
        )
        Attachment.objects.create(page=main_site.training, document=document, title="Slide", sort_order=0)
        build_deck(document)
    tuan = watcher(tuan_editor.username)
    page = tuan.open("/")  # with Wagtail's user bar
    expect(page.locator("wagtail-userbar")).to_be_attached()
    page = tuan.open("/admin/")
    expect(page.locator("main")).to_be_visible()

    page = tuan.open(f"/admin/pages/{main_site.training.pk}/edit/")
    editor = page.locator(".public-DraftEditor-content").first
    editor.click()
    editor.press("End")
    editor.press_sequentially(" Xem thêm", delay=20)
    expect(editor).to_contain_text("Xem thêm")
    editor.press("Shift+Home")
    page.locator(".Draftail-ToolbarButton[name=LINK]").first.click()
    chooser = page.get_by_role("dialog").filter(has=page.locator(".chooser")).first
    expect(chooser.get_by_role("link", name=Site.objects.get(is_default_site=True).root_page.title)).to_be_visible()
    chooser.get_by_role("button", name=vi("Close")).click()
    # A new speaker: Wagtail copies the inline panel's form template in and runs its chooser's set-up script.
    speakers = page.locator("#id_speakers-FORMS")
    before = speakers.locator("[data-inline-panel-child]").count()
    page.locator("#id_speakers-ADD").click()
    expect(speakers.locator("[data-inline-panel-child]")).to_have_count(before + 1)
    speakers.locator("[data-inline-panel-child]").last.locator("[data-chooser-action-choose]").click()
    expect(page.get_by_role("dialog").filter(has_text=str(hanoi)).first).to_be_visible()

    page = tuan.open("/admin/media/upload/")
    clip = lecture(tmp_path / "nho.mp4", size="320x180", seconds=1)
    page.locator("#media-upload-files").set_input_files(str(clip))
    expect(page.locator(".media-upload__item [data-link]")).to_be_visible(timeout=30_000)

    video = main_site.training.parts.get().video
    transcript = Transcript.objects.filter(video=video).first()
    assert transcript is not None
    page = tuan.open(f"/admin/media/videos/{video.pk}/captions/{transcript.pk}/edit/")
    expect(page.locator("[data-list] [data-row]").first).to_be_visible()

    page = tuan.open(reverse("training_slides", args=[main_site.training.pk]))
    expect(page.locator("main")).to_be_visible()
    if has_vietnamese_font():
        thumbnail = page.locator("img").filter(has_not=page.locator("svg")).last
        expect(thumbnail).to_be_visible()
