"""A unit submitter attaches a Word file built to exhaust the server (10 MB holding 95 MB of XML) along with
their real report: the form answers at once with a Vietnamese message naming the file, everything typed is
still there and the real report is kept; saving again attaches it. (Before, the web process read the file
whole: about a gigabyte and many seconds, then accepted it.) The memory it costs is measured in
tests/practices/test_hostile_documents.py, in a process of its own."""

from __future__ import annotations

import re
import time
from pathlib import Path

import docx
import pytest
from playwright.sync_api import Page, expect

from portal.practices.models import GoodPracticePage
from tests.practices.documents import make_docx_of_repeated_runs

PASSWORD = "demo12345"  # the personas' password in tests/conftest.py
ANSWERS_WITHIN_SECONDS = 8  # checking a refused file never parses it; generous for a busy test machine


@pytest.fixture(autouse=True)
def media_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def report(tmp_path) -> Path:
    document = docx.Document()
    document.add_heading("Báo cáo số hóa hồ sơ", level=1)
    document.add_paragraph("Sau sáu tháng, thời gian tra cứu hồ sơ giảm 70%.")
    path = tmp_path / "Báo cáo số hóa.docx"
    document.save(str(path))
    return path


def test_a_word_file_too_big_to_read_is_refused_at_once_and_everything_else_is_kept(
    page: Page, live_server, login, minh_submitter, report, tmp_path
):
    hostile = make_docx_of_repeated_runs(tmp_path / "Tổng hợp số liệu.docx", unpacked_mb=95)
    login(page, live_server, minh_submitter.username, PASSWORD)
    page.goto("/cach-lam-hay/gui/")
    page.locator("#id_title").fill("Số hóa hồ sơ kiểm sát điều tra")
    page.locator("#id_summary").fill("Quét và lập chỉ mục hồ sơ giúp tra cứu nhanh hơn.")
    page.locator("#id_actions").fill("- Quét toàn bộ hồ sơ\n- Lập chỉ mục theo số vụ án")
    page.locator("#id_new_files").set_input_files([str(report), str(hostile)])

    started = time.monotonic()
    page.locator('button[name="action"][value="draft"]').click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused(timeout=60_000)
    answered_in = time.monotonic() - started

    expect(summary).to_contain_text("Tổng hợp số liệu.docx")
    expect(summary).to_contain_text(re.compile(r"giải nén chứa tới 9\d,\d\sMB"))
    expect(summary).to_contain_text("tối đa 50,0\u00a0MB")
    assert answered_in < ANSWERS_WITHIN_SECONDS, f"the form took {answered_in:.1f} s to answer"

    expect(page.locator("#id_title")).to_have_value("Số hóa hồ sơ kiểm sát điều tra")
    expect(page.locator("#id_summary")).to_have_value("Quét và lập chỉ mục hồ sơ giúp tra cứu nhanh hơn.")
    expect(page.locator("#id_actions")).to_have_value("- Quét toàn bộ hồ sơ\n- Lập chỉ mục theo số vụ án")
    expect(page.locator(".held-files")).to_contain_text("Báo cáo số hóa hồ sơ")
    expect(page.locator(".held-files")).not_to_contain_text("Tổng hợp số liệu")
    assert GoodPracticePage.objects.count() == 0

    # Saving again, without choosing any file, attaches the real report and only it.
    page.locator('button[name="action"][value="draft"]').click()
    expect(page).to_have_url(re.compile(r"/cach-lam-hay/cua-don-vi/$"))
    practice = GoodPracticePage.objects.get()
    assert [attachment.text for attachment in practice.attachments.all()] == [
        "Báo cáo số hóa hồ sơ\n\nSau sáu tháng, thời gian tra cứu hồ sơ giảm 70%."
    ]
