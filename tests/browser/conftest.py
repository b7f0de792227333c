"""Browser tests: the portal on pytest-django's live server, driven by Debian's Chromium via Playwright.

Playwright's own browser download does not work on our machines, so the tests drive /usr/bin/chromium.
Without it they skip, except on CI (CI=true), where browser tests must run and a missing Chromium fails.

Every test here is marked ``browser`` (deselect with ``-m "not browser"``) and runs as a transactional
test with serialized rollback: the live server answers from its own thread, so it cannot see data
inside a test's transaction, and a transactional test ends by flushing the database, which would wipe
what the data migrations built (the roles' groups, the home page and its sections, the Site).
Serialized rollback restores that state before each test, whatever ran before, instead of this file
re-creating by hand a copy of the migrations that would drift from them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.db import connections

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
CHROMIUM_MISSING = "Debian's chromium is not installed: apt-get install chromium"
LOCALE = "vi-VN"
# Generous for a loaded CI machine, short enough that a broken page fails fast instead of hanging.
TIMEOUT_MS = 10_000
LOGIN_PATH = "/dang-nhap/"
HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Hooks in a conftest see the whole session's items, so only mark the ones under this folder.
    # tryfirst: pytest-django sorts transactional tests after the others in its own tryfirst hook, which
    # runs after this one (conftests register later); a browser test not yet marked when it sorts would
    # run among the plain tests and leave them the empty database its flush leaves behind.
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


def chromium_or_skip() -> Path:
    """Debian's Chromium; skip the test without it, or fail it on CI, where browser tests must run."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM_MISSING} (CI=true: browser tests must run on CI)", pytrace=False)
    pytest.skip(CHROMIUM_MISSING)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session (per xdist worker)."""
    executable = chromium_or_skip()
    own_connections = {alias: connections[alias] for alias in connections}
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an asyncio loop running in this thread; Django would refuse ORM calls.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            # With a loop running, asgiref hands this thread a second set of connections; keep its own,
            # which carry the test database's serialized contents and are the live server's in-memory DB.
            for alias, connection in own_connections.items():
                connections[alias] = connection
            browser = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
            expect.set_options(timeout=TIMEOUT_MS)
            yield browser
            browser.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A fresh context (cookies, storage) and page per test, in Vietnamese, addressed relative to the server."""
    context = browser.new_context(locale=LOCALE, base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def login(page: Page, live_server: LiveServer, username: str, password: str) -> None:
    """Log in through the real login form, as a person would, and wait to be taken away from it."""
    page.goto(f"{live_server.url}{LOGIN_PATH}")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    # Enter submits the login form itself; the header's language switcher has submit buttons too.
    page.locator("input[name=password]").press("Enter")
    expect(page).not_to_have_url(re.compile(re.escape(LOGIN_PATH)))


@pytest.fixture(name="login")
def login_fixture() -> Callable[[Page, LiveServer, str, str], None]:
    """The ``login`` helper, as a fixture: with --import-mode=importlib, conftest modules cannot be imported."""
    return login


class QuietBeforeFlush:
    """Lets a player page go quiet before the test's data is flushed.

    The live server shares the test's in-memory database connection: a request still running when the data
    is flushed (a segment, a transcript, the position the player saves as the page goes away) breaks the
    flush with a locked table or a foreign key seen half-deleted. Call `start()` before the page loads and
    `finish()` at teardown: it stops position saves, leaves the page and waits for what is in flight."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.in_flight: set[Any] = set()
        self.errors: list[str] = []

    def start(self) -> None:
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", lambda request: self.in_flight.add(request))
        self.page.on("requestfinished", lambda request: self.in_flight.discard(request))
        self.page.on("requestfailed", lambda request: self.in_flight.discard(request))

    def finish(self) -> None:
        self.page.route("**/vi-tri/", lambda route: route.abort())
        self.page.goto("about:blank")
        for _ in range(300):  # up to 30 s: a loaded machine answers slowly
            if not self.in_flight:
                break
            self.page.wait_for_timeout(100)
        self.page.wait_for_timeout(300)  # the server finishes its side after the browser has the last byte


@pytest.fixture
def quiet(page: Page) -> QuietBeforeFlush:
    """A QuietBeforeFlush on the test's page, already listening."""
    helper = QuietBeforeFlush(page)
    helper.start()
    return helper


@pytest.fixture(scope="session")
def main_site_media(tmp_path_factory) -> dict[str, Any]:
    """Where `main_site` keeps its transcoded clip for the session (per xdist worker)."""
    return {"root": tmp_path_factory.mktemp("main-pages-media")}


@pytest.fixture
def main_site(main_site_media, settings, request, hanoi) -> Any:
    """The small site of tests/browser/main_pages.py, built for every persona, with MEDIA_ROOT pointed at its
    recording: something on each main page."""
    from tests.browser.main_pages import PERSONAS, build_site, transcode_once

    users = [request.getfixturevalue(name) for name in PERSONAS]
    site = build_site(transcode_once(main_site_media), users, hanoi)
    settings.MEDIA_ROOT = site.media_root
    return site
