"""The portal on a phone (360 by 740 px): the header's menu folds behind a button, the search filters fold behind
another, and a training's player is in the first screen. That no page scrolls sideways, for every persona, is
checked over every main page in test_main_pages.py.
"""

from __future__ import annotations

import re

from django.utils import translation

import pytest
from playwright.sync_api import Page, expect

from tests.browser.main_pages import SEARCH_QUERY, no_position_saves

PASSWORD = "demo12345"  # the personas' password in tests/conftest.py
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 800}


def vi(message: str) -> str:
    with translation.override("vi"):
        return translation.gettext(message)


@pytest.fixture
def phone(page: Page, live_server, login, main_site, lan_viewer, quiet) -> Page:
    """Lan, signed in on a phone, on the small site of main_pages.py (a training, write-ups, notifications)."""
    page.context.route("**/vi-tri/", no_position_saves)
    page.set_viewport_size(PHONE)
    login(page, live_server, lan_viewer.username, PASSWORD)
    yield page
    quiet.finish()
    assert quiet.errors == []


def test_the_menu_folds_behind_a_button_on_a_phone_and_shows_whole_on_a_desktop(phone):
    page = phone
    page.goto("/")
    header = page.locator(".site-header")
    menu = page.get_by_role("navigation", name=vi("Main menu"))
    button = page.get_by_role("button", name=vi("Menu"))
    notifications = page.get_by_role("link", name=vi("Notifications"))

    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_have_attribute("aria-controls", "site-menu")
    expect(menu).to_be_hidden()
    expect(notifications).to_be_hidden()
    height = header.bounding_box()["height"]
    assert height <= 100, f"the header takes {height:.0f} px of a 740 px screen"

    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("link", name=vi("Trainings"))).to_be_visible()
    expect(page.locator(".user-menu summary")).to_be_visible()
    summary_lines = page.locator(".user-menu summary").evaluate(
        "el => Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight))"
    )
    assert summary_lines <= 2, f"the user's name and unit take {summary_lines} lines"

    page.keyboard.press("Tab")  # into the menu, then Escape closes it and gives the focus back
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(button).to_be_focused()
    expect(button).to_have_attribute("aria-expanded", "false")

    button.click()
    menu.get_by_role("link", name=vi("Trainings")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(vi("Trainings"))
    expect(menu).to_be_hidden()  # a new page starts with the menu folded

    # On a desktop the same page shows the whole menu in the header's first row, and no menu button.
    page.set_viewport_size(DESKTOP)
    expect(button).to_be_hidden()
    expect(menu.get_by_role("link")).to_have_count(5)
    for link in menu.get_by_role("link").all():
        expect(link).to_be_visible()
    expect(notifications).to_be_visible()
    brand, first_link = page.locator(".brand").bounding_box(), menu.get_by_role("link").first.bounding_box()
    assert brand and first_link and first_link["y"] < brand["y"] + brand["height"]


def test_on_a_phone_the_search_filters_fold_behind_a_button_above_the_results(phone):
    page = phone
    page.goto(f"/tim-kiem/?q={SEARCH_QUERY}")
    facets = page.get_by_role("complementary", name=vi("Narrow the results"))
    button = page.get_by_role("button", name=vi("Filters"))
    first_hit = page.locator(".search-hit").first

    expect(facets).to_be_hidden()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(first_hit).to_be_visible()
    top = first_hit.bounding_box()["y"]
    assert top < PHONE["height"], f"the first result starts {top:.0f} px down, below the first screen"

    button.click()
    expect(facets).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    facets.get_by_role("link", name=vi("Good practices")).first.click()
    expect(page).to_have_url(re.compile(r"[?&]type="))
    expect(page.get_by_role("button", name=vi("Filters"))).to_contain_text(vi("in use"))


def test_on_a_phone_the_player_is_in_the_first_screen_of_a_training(phone, main_site):
    page = phone
    page.goto(main_site.training.url)
    player = page.locator("[data-player]")
    expect(player).to_have_attribute("data-state", "ready")
    screen = page.locator("[data-stage]").bounding_box()
    controls = page.locator("[data-controls]").bounding_box()
    assert screen["y"] >= 0
    bottom = controls["y"] + controls["height"]
    assert bottom <= PHONE["height"], (
        f"the player's controls end {bottom:.0f} px down, below a {PHONE['height']} px screen"
    )


def test_on_a_phone_every_player_control_is_on_the_screen(phone, main_site):
    page = phone
    page.goto(main_site.training.url)
    expect(page.locator("[data-player]")).to_have_attribute("data-state", "ready")
    expect(page.locator("[data-quality]")).to_be_visible()  # the widest label: "Tự động (360p)"
    outside = page.evaluate(
        """() => [...document.querySelectorAll('[data-controls] button')]
            .filter(button => button.offsetParent !== null)
            .map(button => [button.getAttribute('aria-label') || button.textContent.trim(),
                            button.getBoundingClientRect()])
            .filter(([, box]) => box.left < 0 || box.right > window.innerWidth)
            .map(([name, box]) => `${name}: ${Math.round(box.left)} to ${Math.round(box.right)} px`)"""
    )
    assert outside == [], f"controls cut off at the screen's edge ({PHONE['width']} px): {outside}"
    page.get_by_role("button", name=vi("Full screen")).click()  # reachable, so it can be pressed
