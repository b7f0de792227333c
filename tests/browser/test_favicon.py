"""The portal has an icon for its tabs and bookmarks: linked from every page, and at /favicon.ico, where browsers
and tools look for it whatever the page says. Nothing on a page load answers 404 or logs an error."""

from __future__ import annotations

from playwright.sync_api import ConsoleMessage, Page, Response

PASSWORD = "demo12345"  # the personas' password in tests/conftest.py


def watch(page: Page) -> list[str]:
    """Every failed response and console error of the page from now on."""
    problems: list[str] = []

    def on_response(response: Response) -> None:
        if response.status >= 400:
            problems.append(f"{response.status} {response.url}")

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console: {message.text}")

    page.on("response", on_response)
    page.on("console", on_console)
    return problems


def fetch_status(page: Page, url: str) -> tuple[int, str]:
    """Status and content type of url fetched by the page, following redirects as a browser does."""
    result = page.evaluate(
        "async url => { const r = await fetch(url); return [r.status, r.headers.get('content-type') || ''] }", url
    )
    return int(result[0]), str(result[1])


def test_every_page_links_an_icon_that_loads_and_favicon_ico_answers(page: Page, live_server, login, lan_viewer):
    problems = watch(page)
    page.goto("/dang-nhap/")
    login(page, live_server, lan_viewer.username, PASSWORD)
    page.goto("/")
    page.wait_for_load_state("networkidle")

    icons = page.locator('link[rel="icon"]')
    assert icons.count() >= 1
    for index in range(icons.count()):
        href = icons.nth(index).get_attribute("href") or ""
        status, content_type = fetch_status(page, href)
        assert (status, content_type.split(";")[0].startswith("image/")) == (200, True), href

    status, content_type = fetch_status(page, "/favicon.ico")
    assert status == 200
    assert content_type.startswith("image/")
    assert problems == []


def test_favicon_ico_answers_before_logging_in(page: Page, live_server):
    response = page.goto("/favicon.ico")
    assert response is not None
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/")
    assert "/dang-nhap/" not in page.url


def test_favicon_ico_answers_a_head_request_as_tools_send_it(client):
    # Monitoring tools and some browsers ask with HEAD first; a 405 there reads as a missing icon.
    response = client.head("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("favicon.ico")
