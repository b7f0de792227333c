"""Units are shown by their names, as people call them, not by codes such as "Vụ 7": in the header of the
demo's users and in the search page's unit filter (units from the sample tree the demo imports)."""

from __future__ import annotations

import re

from django.utils import translation

from playwright.sync_api import Page, expect

from portal.home.demo import DEMO_PASSWORD, seed_units, seed_users
from portal.units.models import Unit
from search.sync import drain
from tests.practices.pages import add_practice

APPEALS = "Vụ Thực hành quyền công tố và kiểm sát xét xử phúc thẩm án hình sự"
CODE = re.compile(r"\b(Vụ|Cục) \d+\b")


def vi(message: str) -> str:
    with translation.override("vi"):
        return translation.gettext(message)


def test_the_header_and_the_unit_filter_name_units(page: Page, live_server, login):
    seed_units()
    seed_users()
    add_practice("Kiểm sát xét xử phúc thẩm án ma túy", unit=Unit.objects.get(code="VKSNDTC-V7"))
    add_practice("Đào tạo kiểm sát viên trẻ về kỹ năng ma túy", unit=Unit.objects.get(code="VKSNDTC-V14"))
    drain()

    login(page, live_server, "editor", DEMO_PASSWORD)  # a member of the personnel department (Vụ 14)
    expect(page.locator(".user-menu__unit").first).to_have_text("· Vụ Tổ chức cán bộ")

    page.goto("/tim-kiem/?q=ma+tuy")
    facets = page.get_by_role("complementary", name=vi("Narrow the results"))
    units = facets.locator("section.search-facet", has=page.locator("#facet-unit"))
    expect(units).to_contain_text(APPEALS)
    expect(units).to_contain_text("Vụ Tổ chức cán bộ")
    assert not CODE.search(units.inner_text())
    units.get_by_role("link", name=re.compile(re.escape(APPEALS))).click()
    expect(page.locator(".search-hit")).to_have_count(1)
    expect(page.locator(".search-hit").first).to_contain_text("Kiểm sát xét xử phúc thẩm án ma túy")
