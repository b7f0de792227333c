"""The player's own texts can be read: the clock and the "continuing from where you stopped" notice meet WCAG AA
contrast (checked by axe-core, which must have measured them, not skipped them), and the notice sits below the
picture, where captions are never drawn over it."""

from __future__ import annotations

from django.utils import translation

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.main_pages import RESUME_AT, no_position_saves

PASSWORD = "demo12345"  # the personas' password in tests/conftest.py


def vi(message: str) -> str:
    with translation.override("vi"):
        return translation.gettext(message)


# axe-core's colour-contrast rule over the player: for each selector, whether the element passed, failed
# ("violations") or could not be decided ("incomplete", e.g. text over the moving picture).
CONTRAST_OF = """async (selectors) => {
    const kinds = ["passes", "violations", "incomplete"];
    const results = await axe.run("[data-player]", {runOnly: ["color-contrast"], elementRef: true, resultTypes: kinds});
    const verdict = element => kinds.find(kind =>
        results[kind].some(rule => rule.nodes.some(node => node.element === element)));
    return Object.fromEntries(selectors.map(s => [s, verdict(document.querySelector(s)) || "not checked"]));
}"""
TEXTS = ["[data-current]", "[data-duration]", "[data-resume-text]"]


def test_the_clock_and_the_resume_notice_are_readable_and_captions_stay_off_the_notice(
    page: Page, live_server, login, main_site, lan_viewer, quiet
):
    page.context.route("**/vi-tri/", no_position_saves)
    page.set_viewport_size({"width": 1366, "height": 800})
    login(page, live_server, lan_viewer.username, PASSWORD)
    page.goto(main_site.training.url)
    expect(page.locator("[data-player]")).to_have_attribute("data-state", "ready")

    notice = page.locator("[data-resume]")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(vi("Continuing from where you stopped last time:") + f" 0:0{RESUME_AT:.0f}")
    assert "đồng chí" in notice.inner_text() and "bạn" not in notice.inner_text()

    page.evaluate(Axe().axe_script)
    assert page.evaluate(CONTRAST_OF, TEXTS) == dict.fromkeys(TEXTS, "passes")
    page.locator('[data-menu-button="speed"]').click()
    speeds = '[data-menu="speed"] [role="menuitemradio"]'
    expect(page.locator(speeds).first).to_be_visible()
    assert page.evaluate(CONTRAST_OF, [speeds]) == {speeds: "passes"}
    page.keyboard.press("Escape")

    expect(page.get_by_role("button", name=vi("Captions"))).to_have_attribute("aria-pressed", "true")
    picture = page.locator("[data-video]").bounding_box()
    box = notice.bounding_box()
    assert picture and box
    assert box["y"] >= picture["y"] + picture["height"] - 1, "the notice is over the picture, where captions are drawn"

    quiet.finish()
    assert quiet.errors == []
