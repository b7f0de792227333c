"""A unit submitter writes up a good practice in Chromium: a refused file, a draft, "my unit's write-ups",
an edit, and the write-up sent for review.

Elements are found by their names and data attributes rather than their labels, so the test holds before
and after the translations are compiled; the states come from the page's data-status attributes.
"""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest
from playwright.sync_api import Page, expect

from portal.practices.models import GoodPracticePage
from portal.practices.workflow import SubmissionStatus, submission_state

PASSWORD = "demo12345"  # the personas' password in tests/conftest.py
MINE_PATH = "/cach-lam-hay/cua-don-vi/"


@pytest.fixture
def report(tmp_path) -> Path:
    """The unit's report, a real Word file."""
    document = docx.Document()
    document.add_heading("Báo cáo số hóa hồ sơ", level=1)
    document.add_paragraph("Sau sáu tháng, thời gian tra cứu hồ sơ giảm 70%.")
    path = tmp_path / "Báo cáo số hóa.docx"
    document.save(str(path))
    return path


@pytest.fixture
def broken_report(tmp_path, report) -> Path:
    path = tmp_path / "Báo cáo hỏng.docx"
    content = report.read_bytes()
    path.write_bytes(content[: len(content) // 2])
    return path


@pytest.fixture(autouse=True)
def media_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def fill_write_up(page: Page) -> None:
    page.locator("#id_title").fill("Số hóa hồ sơ kiểm sát điều tra")
    page.locator("#id_authors").fill("Trần Văn Minh")
    page.locator("#id_field_of_work").select_option(index=1)
    page.locator("#id_summary").fill("Quét và lập chỉ mục hồ sơ giúp tra cứu nhanh hơn.")
    page.locator("#id_problem").fill("Hồ sơ giấy thất lạc.")
    page.locator("#id_actions").fill("- Quét toàn bộ hồ sơ\n- Lập chỉ mục theo số vụ án")
    page.locator("#id_results").fill("Thời gian tra cứu giảm **70%**.")
    page.locator("#id_how_to_apply").fill("1. Chuẩn bị máy quét\n2. Phân công người phụ trách")


def test_a_submitter_writes_up_saves_edits_and_sends_a_practice_for_review(
    page: Page, live_server, login, minh_submitter, report, broken_report
):
    login(page, live_server, minh_submitter.username, PASSWORD)
    page.goto("/cach-lam-hay/gui/")
    fill_write_up(page)

    # A broken file: the form comes back with the problem listed first and focused, and nothing typed is lost.
    page.locator("#id_new_files").set_input_files([str(report), str(broken_report)])
    page.locator('button[name="action"][value="draft"]').click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Báo cáo hỏng.docx")
    expect(page.locator("#id_title")).to_have_value("Số hóa hồ sơ kiểm sát điều tra")
    expect(page.locator("#id_actions")).to_have_value("- Quét toàn bộ hồ sơ\n- Lập chỉ mục theo số vụ án")
    expect(page.locator(".held-files")).to_contain_text("Báo cáo số hóa hồ sơ")
    assert GoodPracticePage.objects.count() == 0

    # The good file was kept: saving as a draft without choosing it again attaches it.
    page.locator('button[name="action"][value="draft"]').click()
    expect(page).to_have_url(re.compile(re.escape(MINE_PATH) + "$"))
    row = page.locator("tr.submission")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-status", SubmissionStatus.DRAFT)
    expect(row.locator(".submission__title")).to_contain_text("Số hóa hồ sơ kiểm sát điều tra")
    practice = GoodPracticePage.objects.get()
    assert practice.unit_id == minh_submitter.unit_id and not practice.live
    assert "giảm 70%" in practice.attachments.get().text

    # Edit the draft and send it for review.
    row.locator('a[data-action="edit"]').click()
    expect(page.locator("#id_results")).to_have_value("Thời gian tra cứu giảm **70%**.")
    page.locator("#id_results").fill("Thời gian tra cứu giảm **75%** sau một năm.")
    page.locator('button[name="action"][value="submit"]').click()
    expect(page).to_have_url(re.compile(re.escape(MINE_PATH) + "$"))
    row = page.locator("tr.submission")
    expect(row).to_have_attribute("data-status", SubmissionStatus.IN_REVIEW)
    expect(row.locator('a[data-action="edit"]')).to_have_count(0)

    practice.refresh_from_db()
    assert submission_state(practice).status == SubmissionStatus.IN_REVIEW
    assert practice.get_latest_revision_as_object().results == "<p>Thời gian tra cứu giảm <b>75%</b> sau một năm.</p>"

    # The preview shows the write-up as the reviewers will read it.
    row.locator('a[data-action="preview"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Số hóa hồ sơ kiểm sát điều tra")
    expect(page.locator(".preview-banner .status--in_review")).to_be_visible()
