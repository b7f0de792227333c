"""The home page lists the latest content, speaks Vietnamese by default and English on request."""

from __future__ import annotations

import datetime
import json

from django.utils import translation

import pytest

from portal.practices.models import GoodPracticeIndexPage, GoodPracticePage
from portal.trainings.models import TrainingIndexPage, TrainingPage

pytestmark = pytest.mark.django_db


def publish_training(title: str, date: datetime.date, unit=None, topics=()) -> TrainingPage:
    page = TrainingPage(title=title, date=date, unit=unit, summary="Tóm tắt " + title)
    TrainingIndexPage.objects.get().add_child(instance=page)
    page.topics.add(*topics)
    page.save_revision().publish()
    return page


def publish_practice(title: str, date: datetime.date, unit=None, topics=()) -> GoodPracticePage:
    page = GoodPracticePage(title=title, date=date, unit=unit)
    GoodPracticeIndexPage.objects.get().add_child(instance=page)
    page.topics.add(*topics)
    page.save_revision().publish()
    return page


def test_an_empty_portal_explains_itself(client, lan_viewer):
    client.force_login(lan_viewer)
    html = client.get("/").content.decode()
    assert "Chưa có tập huấn nào được xuất bản" in html
    assert "Chưa có cách làm hay nào được xuất bản" in html


def test_the_home_page_lists_the_latest_published_content_newest_first(client, lan_viewer, hanoi):
    publish_training("Tập huấn cũ", datetime.date(2025, 1, 5), hanoi)
    publish_training("Tập huấn mới", datetime.date(2026, 9, 1), hanoi, topics=["Chứng cứ điện tử"])
    draft = TrainingPage(title="Bản nháp chưa xuất bản", live=False)
    TrainingIndexPage.objects.get().add_child(instance=draft)
    publish_practice("Cách làm hay về số hóa", datetime.date(2026, 4, 2), hanoi)
    client.force_login(lan_viewer)
    html = client.get("/").content.decode()
    assert html.index("Tập huấn mới") < html.index("Tập huấn cũ")
    assert "Bản nháp chưa xuất bản" not in html
    assert "Cách làm hay về số hóa" in html
    assert "Chứng cứ điện tử" in html
    assert "1 tháng 9 năm 2026" in html or "01 tháng 9 năm 2026" in html  # Vietnamese date format


def test_navigation_reaches_every_section(client, lan_viewer):
    client.force_login(lan_viewer)
    html = client.get("/").content.decode()
    for label, url in [
        ("Tập huấn", "/tap-huan/"),
        ("Cách làm hay", "/cach-lam-hay/"),
        ("Chủ đề", "/chu-de/"),
        ("Tìm kiếm", "/tim-kiem/"),
    ]:
        assert f'href="{url}"' in html and label in html
        assert client.get(url).status_code == 200


def test_an_english_browser_still_gets_vietnamese(client, lan_viewer):
    client.force_login(lan_viewer)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="vi">' in html and "Tập huấn mới" in html
    client.logout()
    assert '<html lang="vi"' in client.get("/dang-nhap/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()


def test_the_site_switches_to_english_and_back(client, lan_viewer):
    client.force_login(lan_viewer)
    assert "Tập huấn mới" in client.get("/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Latest trainings" in html
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    assert '<html lang="vi">' in client.get("/").content.decode()


def test_the_admin_speaks_vietnamese_by_default(client, quang_admin):
    client.force_login(quang_admin)
    html = client.get("/admin/").content.decode()
    assert '<html lang="vi"' in html
    assert "Bảng điều khiển" in html  # Wagtail's own catalogue lacks or mistranslates these
    editor = client.get(f"/admin/pages/add/trainings/trainingpage/{TrainingIndexPage.objects.get().pk}/")
    editor_html = editor.content.decode()
    assert "Lưu nháp" in editor_html
    assert "Save draft" not in editor_html


def test_the_admin_login_page_is_vietnamese(client):
    html = client.get("/admin/login/").content.decode()
    assert "Đăng nhập" in html and "Quên mật khẩu?" in html
    assert "Mật khẩu" in html and ">Password" not in html


def test_topic_pages_list_everything_tagged_with_the_topic(client, lan_viewer):
    publish_training("Tập huấn chứng cứ", datetime.date(2026, 5, 1), topics=["Chứng cứ điện tử"])
    publish_practice("Thu giữ điện thoại đúng quy trình", datetime.date(2026, 6, 1), topics=["Chứng cứ điện tử"])
    publish_practice("Không liên quan", datetime.date(2026, 6, 2), topics=["Thi hành án dân sự"])
    client.force_login(lan_viewer)
    topics_html = client.get("/chu-de/").content.decode()
    assert "Chứng cứ điện tử" in topics_html and "Thi hành án dân sự" in topics_html
    html = client.get("/chu-de/chung-cu-dien-tu/").content.decode()
    assert "Tập huấn chứng cứ" in html and "Thu giữ điện thoại đúng quy trình" in html
    assert "Không liên quan" not in html
    assert client.get("/chu-de/khong-co/").status_code == 404


def test_a_page_restricted_to_a_group_is_listed_for_that_group_and_nobody_else(client, lan_viewer, minh_submitter):
    from django.contrib.auth.models import Group

    from wagtail.models import PageViewRestriction

    inner = Group.objects.create(name="Tổ chuyên đề ma túy")
    secret = publish_training("Tập huấn chuyên đề nội bộ", datetime.date(2026, 7, 1), topics=["Tội phạm ma túy"])
    shown = publish_training("Tập huấn công khai", datetime.date(2026, 6, 1), topics=["Tội phạm ma túy"])
    restriction = PageViewRestriction.objects.create(page=secret, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(inner)
    lan_viewer.groups.add(inner)

    secret.topics.add("Chuyên đề nội bộ")  # a topic only the restricted page carries
    secret.save_revision().publish()

    for user, sees in [(lan_viewer, True), (minh_submitter, False)]:
        client.force_login(user)
        for address in ["/chu-de/toi-pham-ma-tuy/", "/tap-huan/", "/"]:
            html = client.get(address).content.decode()
            assert shown.title in html, (user, address)
            assert (secret.title in html) is sees, (user, address)
        assert ("Chuyên đề nội bộ" in client.get("/chu-de/").content.decode()) is sees
        assert (client.get(secret.url).status_code == 200) is sees  # others are sent to log in as someone else


def test_listings_cost_the_same_queries_however_many_pages_are_restricted(client, lan_viewer):
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wagtail.models import PageViewRestriction

    def restrict(count: int) -> None:
        for _ in range(count):
            number = PageViewRestriction.objects.count()
            page = publish_training(f"Tập huấn riêng {number}", datetime.date(2026, 1, 1))
            restriction = PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.GROUPS)
            restriction.groups.add(Group.objects.create(name=f"Nhóm {number}"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured)

    client.force_login(lan_viewer)
    restrict(1)
    client.get("/")  # warm: sessions, site root
    few = queries()
    restrict(10)
    assert queries() == few


def test_section_listings_paginate_without_errors(client, lan_viewer):
    for day in range(1, 15):
        publish_training(f"Buổi tập huấn số {day}", datetime.date(2026, 1, day))
    client.force_login(lan_viewer)
    first = client.get("/tap-huan/").content.decode()
    assert "Buổi tập huấn số 14" in first and "Buổi tập huấn số 1<" not in first
    assert "Buổi tập huấn số 1<" in client.get("/tap-huan/?page=2").content.decode()
    assert client.get("/tap-huan/?page=abc").status_code == 200
    assert client.get("/tap-huan/?page=999").status_code == 200


def test_user_facing_strings_have_vietnamese_translations():
    with translation.override("vi"):
        assert translation.gettext("Latest trainings") == "Tập huấn mới"
        assert translation.gettext("Log in") == "Đăng nhập"


def empty_inline_panels(*names: str) -> dict[str, str]:
    """The management fields Wagtail's inline panels expect, for panels left empty."""
    fields = {}
    for name in names:
        fields |= {
            f"{name}-TOTAL_FORMS": "0",
            f"{name}-INITIAL_FORMS": "0",
            f"{name}-MIN_NUM_FORMS": "0",
            f"{name}-MAX_NUM_FORMS": "1000",
        }
    return fields


def test_editors_type_dates_day_first_in_the_admin(client, tuan_editor, hanoi):
    client.force_login(tuan_editor)
    index = TrainingIndexPage.objects.get()
    response = client.post(
        f"/admin/pages/add/trainings/trainingpage/{index.pk}/",
        {
            "title": "Tập huấn kỹ năng viết cáo trạng",
            "slug": "tap-huan-ky-nang-viet-cao-trang",  # the editor's browser fills it in (see tests/browser)
            "date": "05/09/2026",
            "unit": hanoi.pk,
            "topics-new": "Kỹ năng viết",  # a new topic, typed on a line of its own
            "summary": "",
            "description": json.dumps({"blocks": [], "entityMap": {}}),
            **empty_inline_panels("speakers", "parts", "chapters", "attachments", "related_trainings"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = TrainingPage.objects.get(title="Tập huấn kỹ năng viết cáo trạng")
    assert page.date == datetime.date(2026, 9, 5)
    edit_html = client.get(f"/admin/pages/{page.pk}/edit/").content.decode()
    assert 'value="05/09/2026"' in edit_html
    assert "Đánh dấu các chủ đề của trang." in edit_html
    assert [topic.name for topic in page.topics.all()] == ["Kỹ năng viết"]


def test_the_training_list_filters_by_topic_unit_and_year(client, lan_viewer, hanoi, hue):
    publish_training("Tập huấn Hà Nội 2025", datetime.date(2025, 3, 1), hanoi, topics=["Chứng cứ điện tử"])
    publish_training("Tập huấn Huế 2026", datetime.date(2026, 3, 1), hue, topics=["Thi hành án dân sự"])
    publish_training("Tập huấn Hà Nội 2026", datetime.date(2026, 4, 1), hanoi, topics=["Thi hành án dân sự"])
    client.force_login(lan_viewer)

    def titles(query: str) -> set[str]:
        html = client.get("/tap-huan/" + query).content.decode()
        return {
            title for title in ("Tập huấn Hà Nội 2025", "Tập huấn Huế 2026", "Tập huấn Hà Nội 2026") if title in html
        }

    assert titles("") == {"Tập huấn Hà Nội 2025", "Tập huấn Huế 2026", "Tập huấn Hà Nội 2026"}
    assert titles("?don-vi=HN") == {"Tập huấn Hà Nội 2025", "Tập huấn Hà Nội 2026"}
    assert titles("?nam=2026") == {"Tập huấn Huế 2026", "Tập huấn Hà Nội 2026"}
    assert titles("?chu-de=thi-hanh-an-dan-su&don-vi=HN") == {"Tập huấn Hà Nội 2026"}
    assert "Không có mục nào khớp" in client.get("/tap-huan/?nam=1999").content.decode()


def test_trainings_of_a_series_are_listed_and_grouped(client, lan_viewer):
    from portal.trainings.models import TrainingSeriesPage

    series = TrainingSeriesPage(title="Khóa bồi dưỡng kiểm sát viên trung cấp", date=datetime.date(2026, 5, 1))
    TrainingIndexPage.objects.get().add_child(instance=series)
    series.save_revision().publish()
    for day, title in [(2, "Buổi 1: Kỹ năng xét hỏi"), (3, "Buổi 2: Kỹ năng tranh luận")]:
        session = TrainingPage(title=title, date=datetime.date(2026, 5, day))
        series.add_child(instance=session)
        session.save_revision().publish()
    client.force_login(lan_viewer)
    listing = client.get("/tap-huan/").content.decode()
    assert "Buổi 1: Kỹ năng xét hỏi" in listing and "Buổi 2: Kỹ năng tranh luận" in listing
    series_html = client.get(series.url).content.decode()
    assert series_html.index("Buổi 1") < series_html.index("Buổi 2")
