"""Every main page, as every persona: checks that must hold everywhere.

One test per persona builds the site once (tests/browser/main_pages.py), logs in through the form and opens
each of the persona's main pages once, first on a desktop screen (1366 px), then, without reloading, on a
phone (360 px): each check runs at its own width. Problems are collected over all pages and reported together,
so one run shows everything that is wrong.

To add a check, write a function `(page, main_page) -> list of problems` and add it to CHECKS.
To look at the pages, set MAIN_PAGES_SCREENSHOTS to a folder: each page is saved there at each width.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.main_pages import PERSONAS, MainPage, main_pages, no_position_saves
from tests.browser.untranslated import in_vietnamese

PASSWORD = "demo12345"  # the personas' password in tests/conftest.py
DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 360, "height": 740}
SCREENSHOTS = os.environ.get("MAIN_PAGES_SCREENSHOTS")
# axe-core's impacts that fail the test; "minor" and "moderate" findings are not WCAG failures on their own.
FAILING_IMPACTS = {"serious", "critical"}

# axe-core as bundled by axe-playwright-python, put in every page of the visit before the page's own scripts.
AXE_SCRIPT = Axe().axe_script
AXE_OPTIONS = {"resultTypes": ["violations"]}


# --- Checks ------------------------------------------------------------------------------------------------


def renders(page: Page, main_page: MainPage) -> list[str]:
    """The page has its one main heading, and a visible one."""
    headings = page.locator("main h1")
    if headings.count() != 1 or not headings.first.is_visible():
        return [f"{headings.count()} main headings (h1) shown, not one"]
    return []


def accessible(page: Page, main_page: MainPage) -> list[str]:
    """No serious or critical accessibility violation found by axe-core (WCAG 2.1 A and AA, best practices)."""
    results = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    problems = []
    for violation in results["violations"]:
        if violation["impact"] not in FAILING_IMPACTS:
            continue
        for node in violation["nodes"]:
            where = " ".join(str(target) for target in node["target"])
            summary = node.get("failureSummary", "").replace("\n", " ")
            problems.append(f"axe {violation['id']} ({violation['impact']}) at {where}: {summary}")
    return problems


def no_sideways_scroll(page: Page, main_page: MainPage) -> list[str]:
    """Nothing makes the page wider than the screen (a phone would scroll sideways)."""
    widths = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, window.innerWidth,"
        " [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth"
        " && getComputedStyle(e).position !== 'fixed').slice(-3).map(e => e.tagName.toLowerCase()"
        " + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : ''))]"
    )
    scroll_width, inner_width, widest = widths
    if scroll_width > inner_width:
        return [f"{scroll_width} px wide on a {inner_width} px screen (too wide: {', '.join(widest)})"]
    return []


@dataclass(frozen=True)
class Check:
    name: str
    viewport: dict[str, int]
    run: Callable[[Page, MainPage], list[str]]


CHECKS = [
    Check("renders on a desktop", DESKTOP, renders),
    Check("in Vietnamese", DESKTOP, in_vietnamese),
    Check("accessible on a desktop", DESKTOP, accessible),
    Check("no sideways scroll on a phone", PHONE, no_sideways_scroll),
    Check("renders on a phone", PHONE, renders),
    Check("accessible on a phone", PHONE, accessible),
]


# --- The visit ---------------------------------------------------------------------------------------------


@pytest.fixture
def signed_in(page: Page, live_server, login, quiet) -> Iterator[Callable[[Any], Page]]:
    page.context.route("**/vi-tri/", no_position_saves)
    page.context.add_init_script(script=AXE_SCRIPT)

    def sign_in(user: Any) -> Page:
        page.set_viewport_size(DESKTOP)
        login(page, live_server, user.username, PASSWORD)
        return page

    yield sign_in
    quiet.finish()
    assert quiet.errors == [], f"script errors: {quiet.errors}"


def screenshot(page: Page, main_page: MainPage, persona: str) -> None:
    if SCREENSHOTS:
        name = re.sub(r"\W+", "-", f"{persona}-{main_page.name}-{page.viewport_size['width']}")  # type: ignore[index]
        page.screenshot(path=Path(SCREENSHOTS) / f"{name}.png", full_page=True)


def visit(page: Page, main_page: MainPage, persona: str) -> list[str]:
    """Open `main_page` and run every check at its width; the problems found, each naming the page."""
    page.set_viewport_size(DESKTOP)
    response = page.goto(main_page.path)
    if response is None or response.status != 200:
        return [f"{main_page.name} ({main_page.path}): answered {response.status if response else 'nothing'}"]
    expect(page.locator(main_page.ready).first).to_be_visible()
    screenshot(page, main_page, persona)
    problems = []
    for check in sorted(CHECKS, key=lambda check: check.viewport != DESKTOP):
        if page.viewport_size != check.viewport:
            page.set_viewport_size(check.viewport)
            screenshot(page, main_page, persona)
        problems += [
            f"{main_page.name} ({main_page.path}), {check.name}: {found}" for found in check.run(page, main_page)
        ]
    return problems


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_main_page_passes_every_check(persona, request, main_site, signed_in):
    user = request.getfixturevalue(persona)
    page = signed_in(user)
    problems = []
    for main_page in main_pages(main_site, user):
        problems += visit(page, main_page, persona)

    assert not problems, f"{len(problems)} problems as {persona}:\n" + "\n".join(problems)
