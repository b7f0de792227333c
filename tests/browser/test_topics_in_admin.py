"""Topics whose names hold commas survive the page editor: a unit ticks them on the portal's form and the
reviewer approves and publishes the write-up unchanged, an editor publishes a training unchanged, and an
editor adds a new topic with a comma.

Wagtail's tag field joined the topics with commas and split them again on commas, so "Đào tạo, bồi dưỡng
cán bộ" came back as "Đào tạo,", "bồi", "dưỡng", "cán", "bộ" the first time anyone saved the page.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from portal.home.models import Topic
from portal.practices.models import GoodPracticePage
from portal.trainings.models import TrainingPage
from tests.practices.pages import add_training

PASSWORD = "demo12345"  # the personas' password in tests/conftest.py
TRAINING_TOPIC = "Đào tạo, bồi dưỡng cán bộ"
CUSTODY_TOPIC = "Kiểm sát tạm giữ, tạm giam"
QUOTED_TOPIC = "Án “tín dụng đen”, cho vay nặng lãi"
PLAIN_TOPIC = "Chuyển đổi số"


def topic_names(page: GoodPracticePage | TrainingPage) -> list[str]:
    return sorted(topic.name for topic in type(page).objects.get(pk=page.pk).topics.all())


def expect_public_topics(page: Page, url: str, names: list[str]) -> None:
    page.goto(url)
    tags = page.locator("main ul.tags").first.locator("li")
    expect(tags).to_have_count(len(names))
    assert sorted(text.strip() for text in tags.all_inner_texts()) == sorted(names)


def test_a_write_up_ticked_by_its_unit_and_approved_unchanged_keeps_its_topics(
    page: Page, live_server, login, minh_submitter, hoa_reviewer
):
    names = [CUSTODY_TOPIC, PLAIN_TOPIC, QUOTED_TOPIC]
    for name in [*names, TRAINING_TOPIC]:
        Topic.objects.create(name=name)
    topics_before = Topic.objects.count()

    # The unit writes it up on the portal's form, ticking the topics.
    login(page, live_server, minh_submitter.username, PASSWORD)
    page.goto("/cach-lam-hay/gui/")
    page.locator("#id_title").fill("Kiểm sát nhà tạm giữ bằng sổ điện tử")
    page.locator("#id_field_of_work").select_option(index=1)
    page.locator("#id_summary").fill("Sổ điện tử giúp theo dõi thời hạn tạm giữ.")
    page.locator("#id_problem").fill("Sổ giấy dễ sót hạn.")
    page.locator("#id_actions").fill("Lập sổ điện tử dùng chung.")
    page.locator("#id_results").fill("Không còn trường hợp quá hạn.")
    page.locator("#id_how_to_apply").fill("Dùng bảng tính có sẵn.")
    for name in names:
        page.get_by_label(name, exact=True).check()
    page.locator('button[name="action"][value="submit"]').click()
    expect(page.locator("tr.submission")).to_have_count(1)
    practice = GoodPracticePage.objects.get()
    assert topic_names(practice) == sorted(names)

    # The reviewer opens it in the admin and approves and publishes it without touching anything.
    page.context.clear_cookies()
    login(page, live_server, hoa_reviewer.username, PASSWORD)
    page.goto(f"/admin/pages/{practice.pk}/edit/")
    page.locator("[data-w-dropdown-target='toggle']").last.click()
    page.get_by_role("button", name=re.compile("Phê duyệt và xuất bản|Approve and publish")).click()
    expect(page.locator(".messages")).to_be_visible()

    practice.refresh_from_db()
    assert practice.live
    assert topic_names(practice) == sorted(names)
    assert Topic.objects.count() == topics_before
    expect_public_topics(page, practice.url, names)


def test_an_editor_publishes_a_training_unchanged_and_its_topics_stay_whole(
    page: Page, live_server, login, tuan_editor
):
    names = [TRAINING_TOPIC, PLAIN_TOPIC]
    training = add_training("Bồi dưỡng nghiệp vụ kiểm sát viên 2026", topics=names)
    topics_before = Topic.objects.count()

    login(page, live_server, tuan_editor.username, PASSWORD)
    page.goto(f"/admin/pages/{training.pk}/edit/")
    page.locator("[data-w-dropdown-target='toggle']").last.click()
    page.get_by_role("button", name=re.compile("^(Xuất bản|Publish)$")).click()
    expect(page.locator(".messages")).to_be_visible()

    assert topic_names(training) == sorted(names)
    assert Topic.objects.count() == topics_before
    expect_public_topics(page, training.url, names)


def test_an_editor_adds_a_new_topic_with_a_comma_and_an_existing_one_in_other_letters(
    page: Page, live_server, login, tuan_editor
):
    training = add_training("Phòng, chống tội phạm sử dụng công nghệ cao", topics=[TRAINING_TOPIC])
    Topic.objects.create(name=PLAIN_TOPIC)
    new_topic = "Phòng, chống tội phạm “công nghệ cao”"

    login(page, live_server, tuan_editor.username, PASSWORD)
    page.goto(f"/admin/pages/{training.pk}/edit/")
    expect(page.get_by_label(TRAINING_TOPIC, exact=True)).to_be_checked()
    page.locator("#id_topics-new").fill(f"{new_topic}\nchuyển đổi số")
    page.locator("[data-w-dropdown-target='toggle']").last.click()
    page.get_by_role("button", name=re.compile("^(Xuất bản|Publish)$")).click()
    expect(page.locator(".messages")).to_be_visible()

    assert topic_names(training) == sorted([TRAINING_TOPIC, PLAIN_TOPIC, new_topic])
    assert Topic.objects.count() == 3  # "chuyển đổi số" is the existing "Chuyển đổi số"
    page.goto(f"/admin/pages/{training.pk}/edit/")
    expect(page.get_by_label(new_topic, exact=True)).to_be_checked()
    expect(page.locator("#id_topics-new")).to_have_value("")
    expect_public_topics(page, training.url, [TRAINING_TOPIC, PLAIN_TOPIC, new_topic])
