"""An administrator who tries to delete a unit that still has staff is told, in Vietnamese, why it stays."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from portal.units.models import Unit

PASSWORD = "demo12345"  # the personas' password in tests/conftest.py


def test_deleting_a_unit_with_staff_keeps_it_and_says_why(
    page: Page, live_server, login, quang_admin, lan_viewer, hanoi
):
    login(page, live_server, quang_admin.username, PASSWORD)
    for width in (1366, 360):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"/admin/snippets/units/unit/delete/{hanoi.pk}/")
        page.get_by_role("button", name="Có, xóa").click()

        message = page.locator(".messages")
        expect(message).to_contain_text("chưa bị xóa")
        expect(message).to_contain_text("người dùng")
        assert Unit.objects.filter(pk=hanoi.pk).exists()
        overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{overflow} px sideways at {width} px"
        page.wait_for_timeout(1000)  # Wagtail's messages fade in: read their colours once they have
        serious = [v for v in Axe().run(page).response["violations"] if v["impact"] in {"serious", "critical"}]
        assert [v["id"] for v in serious] == [], [
            (v["id"], [(n["target"], n.get("failureSummary", "")[:200]) for n in v["nodes"]]) for v in serious
        ]
