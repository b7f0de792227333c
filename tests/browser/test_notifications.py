"""Notifications in Chromium: a submitter is not told of their own submission; a reviewer who approves a
write-up in the admin comes back to a notification that shows the write-up as it is now, not "waiting".

Cards are found by their data attributes (data-kind, data-status), so the test reads the states the page
shows whatever the language; the Vietnamese labels are checked where the reader sees them.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from portal.practices.models import GoodPracticePage
from portal.practices.workflow import SubmissionStatus, submission_state

PASSWORD = "demo12345"  # the personas' password in tests/conftest.py
TITLE = "Số hóa hồ sơ kiểm sát điều tra"


@pytest.fixture(autouse=True)
def media_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def submit_a_write_up(page: Page) -> None:
    page.goto("/cach-lam-hay/gui/")
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_authors").fill("Trần Văn Minh")
    page.locator("#id_field_of_work").select_option(index=1)
    page.locator("#id_summary").fill("Quét và lập chỉ mục hồ sơ giúp tra cứu nhanh hơn.")
    page.locator("#id_problem").fill("Hồ sơ giấy thất lạc.")
    page.locator("#id_actions").fill("Quét toàn bộ hồ sơ.")
    page.locator("#id_results").fill("Thời gian tra cứu giảm 70%.")
    page.locator("#id_how_to_apply").fill("Chuẩn bị máy quét.")
    page.locator('button[name="action"][value="submit"]').click()
    expect(page.locator("tr.submission")).to_have_attribute("data-status", SubmissionStatus.IN_REVIEW)


def open_notifications(page: Page) -> None:
    """From the portal's home page, through the header's link."""
    page.goto("/")
    page.locator("a.notifications-link").first.click()
    expect(page).to_have_url(re.compile(r"/thong-bao/$"))


def test_the_submitter_is_not_told_of_their_own_submission(page: Page, live_server, login, minh_submitter):
    login(page, live_server, minh_submitter.username, PASSWORD)
    submit_a_write_up(page)
    expect(page.locator(".notifications-link__count")).to_have_count(0)
    open_notifications(page)
    expect(page.locator("li.notification")).to_have_count(0)
    expect(page.get_by_text(TITLE)).to_have_count(0)


def test_a_reviewer_sees_the_write_up_published_after_approving_it_in_the_admin(
    browser: Browser, page: Page, live_server, login, minh_submitter, hoa_reviewer
):
    login(page, live_server, minh_submitter.username, PASSWORD)
    submit_a_write_up(page)

    reviewer = browser.new_context(locale="vi-VN", base_url=live_server.url).new_page()
    login(reviewer, live_server, hoa_reviewer.username, PASSWORD)
    expect(reviewer.locator(".notifications-link .notifications-link__count")).to_have_text("1")
    open_notifications(reviewer)
    card = reviewer.locator('li.notification[data-kind="to_review"]')
    expect(card).to_have_count(1)
    expect(card.locator(".notification__state")).to_have_attribute("data-status", SubmissionStatus.IN_REVIEW)
    expect(card.locator(".card__kind")).to_have_text("Đang chờ duyệt · mới")

    # The notification leads into the admin's edit screen, where the reviewer approves and publishes.
    card.locator(".card__title a").click()
    expect(reviewer).to_have_url(re.compile(r"/admin/pages/\d+/edit/$"))
    reviewer.locator("footer .dropdown-toggle, footer [data-w-dropdown-target='toggle']").first.click()
    reviewer.locator('button[data-workflow-action-name="approve"]:not([data-workflow-action-modal-url])').click()
    expect(reviewer.locator(".messages")).to_contain_text(TITLE)
    practice = GoodPracticePage.objects.get()
    assert submission_state(practice).status == SubmissionStatus.PUBLISHED

    open_notifications(reviewer)
    card = reviewer.locator('li.notification[data-kind="to_review"]')
    expect(card.locator(".notification__state")).to_have_attribute("data-status", SubmissionStatus.PUBLISHED)
    expect(card.locator(".card__kind")).to_have_text("Đã đăng")
    expect(card.locator(".card__title")).to_contain_text("đã được gửi")
    expect(card).not_to_contain_text("chờ")
    expect(reviewer.locator(".notifications-link__count")).to_have_count(0)
    reviewer.context.close()
