"""In the page editor, a Vietnamese title gives a readable ASCII slug as the editor types it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from portal.trainings.models import TrainingIndexPage


def test_the_slug_follows_a_vietnamese_title_in_the_page_editor(page, live_server, login, tuan_editor):
    login(page, live_server, "tuan", "demo12345")
    index = TrainingIndexPage.objects.get()
    page.goto(f"{live_server.url}/admin/pages/add/trainings/trainingpage/{index.pk}/")
    page.locator("#id_title").fill("Đấu tranh phòng, chống tội phạm sử dụng công nghệ cao")
    page.locator("#id_title").blur()
    page.get_by_role("tab", name=re.compile("Quảng bá|Promote")).click()
    expect(page.locator("#id_slug")).to_have_value("dau-tranh-phong-chong-toi-pham-su-dung-cong-nghe-cao")
