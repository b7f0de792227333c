"""A colleague's first visit: the login page, the home page in Vietnamese, and the keyboard path to search.

Assertions use the Vietnamese labels a user reads, so a missing or stale translation fails here.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect

PASSWORD = "demo12345"  # the personas' password in tests/conftest.py
# Skip link, brand, then the five menu items: 15 presses leave room for a few more header controls.
MAX_TABS = 15


def main_menu(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Trình đơn chính")


def focus_ring(locator: Locator) -> tuple[str, float]:
    """The focused element's computed outline: its style and its width in pixels."""
    style, width = locator.evaluate(
        "el => { const s = getComputedStyle(el); return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    return style, width


def has_focus(locator: Locator) -> bool:
    return locator.evaluate("el => el === document.activeElement")


def test_an_anonymous_visitor_is_sent_to_the_login_page_in_vietnamese(page: Page):
    page.goto("/")

    url = urlsplit(page.url)
    assert url.path == "/dang-nhap/"
    assert parse_qs(url.query) == {"next": ["/"]}
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập")
    expect(main_menu(page)).to_have_count(0)


def test_a_viewer_who_logs_in_lands_on_the_home_page_in_vietnamese(page, live_server, login, lan_viewer):
    login(page, live_server, lan_viewer.username, PASSWORD)

    assert urlsplit(page.url).path == "/"
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(main_menu(page).get_by_role("link")).to_have_text(
        ["Trang chủ", "Tập huấn", "Cách làm hay", "Chủ đề", "Tìm kiếm"]
    )
    expect(main_menu(page).get_by_role("link", name="Trang chủ")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cổng tập huấn và cách làm hay ngành Kiểm sát")
    expect(page.get_by_role("search").get_by_role("button", name="Tìm kiếm")).to_be_visible()
    trainings = page.get_by_role("region", name="Tập huấn mới")
    practices = page.get_by_role("region", name="Cách làm hay mới")
    expect(trainings).to_contain_text("Chưa có tập huấn nào được xuất bản.")
    expect(practices).to_contain_text("Chưa có cách làm hay nào được xuất bản.")


def test_a_keyboard_user_meets_the_skip_link_first_then_reaches_search_in_the_main_menu(
    page, live_server, login, lan_viewer
):
    login(page, live_server, lan_viewer.username, PASSWORD)
    page.goto("/")
    skip_link = page.get_by_role("link", name="Chuyển đến nội dung chính")
    search_link = main_menu(page).get_by_role("link", name="Tìm kiếm", exact=True)
    expect(skip_link).not_to_be_in_viewport()

    page.keyboard.press("Tab")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    style, width = focus_ring(skip_link)
    assert style != "none" and width > 0, f"skip link has no visible focus ring: {style} {width}px"

    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if has_focus(search_link):
            break
    else:
        pytest.fail(f"{MAX_TABS} presses of Tab did not reach the main menu's search link")
    style, width = focus_ring(search_link)
    assert style != "none" and width > 0, f"search link has no visible focus ring: {style} {width}px"

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/tim-kiem/$"))


def test_a_wrong_password_shows_a_vietnamese_error_and_keeps_the_user_name(page, lan_viewer):
    page.goto("/dang-nhap/")
    page.get_by_label("Tên đăng nhập", exact=True).fill(lan_viewer.username)
    page.get_by_label("Mật khẩu", exact=True).fill("sai-mat-khau")
    page.get_by_role("button", name="Đăng nhập", exact=True).click()

    expect(page.get_by_role("alert")).to_contain_text("Tên đăng nhập hoặc mật khẩu không đúng.")
    assert urlsplit(page.url).path == "/dang-nhap/"
    expect(page.get_by_label("Tên đăng nhập", exact=True)).to_have_value(lan_viewer.username)
    expect(page.get_by_label("Mật khẩu", exact=True)).to_have_value("")
