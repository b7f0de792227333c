"""The admin screens editors, reviewers and administrators work in read as Vietnamese.

Wagtail's own Vietnamese catalogue covers about a fifth of its admin; locale-wagtail/ and our templates fill
the gaps on the screens our users touch. Each persona opens their main admin screens once and every screen is
read for English (tests/browser/untranslated.py: a catalogue string left untranslated, or a tell-tale word such
as "Name", "True" or "Root") and for column heads that start in lower case. Problems are reported together.
A few words are checked by name as well, because they are Vietnamese already but the wrong Vietnamese.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.urls import reverse

import pytest
from playwright.sync_api import Page, expect

from media.models import Video
from media.states import State
from portal.home.models import Topic
from portal.practices.models import FieldOfWork, GoodPracticeIndexPage
from portal.trainings.models import TrainingIndexPage
from tests.browser.untranslated import english_on
from tests.practices.pages import add_practice, add_training

PASSWORD = "demo12345"  # the personas' password in tests/conftest.py

LOWER_CASE_HEADS = """() => [...document.querySelectorAll("main th, main [role=columnheader]")]
    .filter(el => el.checkVisibility())
    .map(el => el.innerText.trim())
    .filter(text => text && text[0] !== text[0].toUpperCase())"""


@pytest.fixture
def admin_site(db) -> dict[str, Any]:
    """A training showing a recording still waiting for conversion, a published write-up, a topic."""
    topic = Topic.objects.create(name="Kỹ năng xét hỏi")
    video = Video.objects.create(
        title="Buổi sáng", original="videos/a/original/a.mp4", duration=30.0, state=State.QUEUED
    )
    training = add_training("Kỹ năng xét hỏi bị can", topics=[topic], parts=[video])
    practice = add_practice("Kinh nghiệm kiểm sát tạm giam", topics=[topic])
    return {"topic": topic, "video": video, "training": training, "practice": practice}


def admin_screens(site: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """(name, path) of the admin screens each persona works in."""
    trainings = TrainingIndexPage.objects.get()
    practices = GoodPracticeIndexPage.objects.get()
    editing = [
        ("dashboard", "/admin/"),
        ("trainings", f"/admin/pages/{trainings.pk}/"),
        ("a training in the editor", f"/admin/pages/{site['training'].pk}/edit/"),
        ("recordings", reverse("media_videos:index")),
        ("conversion queue", reverse("media_videos:queue")),
        ("upload", reverse("media_upload")),
        ("images", "/admin/images/"),
        ("documents", "/admin/documents/"),
    ]
    reviewing = [
        ("dashboard", "/admin/"),
        ("good practices", f"/admin/pages/{practices.pk}/"),
        ("a write-up in the editor", f"/admin/pages/{site['practice'].pk}/edit/"),
    ]
    administering = [
        ("page tree", "/admin/pages/"),
        ("units", "/admin/snippets/units/unit/"),
        ("topics", "/admin/snippets/home/topic/"),
        ("a topic", f"/admin/snippets/home/topic/edit/{site['topic'].pk}/"),
        ("fields of work", "/admin/snippets/practices/fieldofwork/"),
        ("acronyms", "/admin/snippets/search/acronym/"),
        ("users", "/admin/users/"),
        ("roles", "/admin/groups/"),
        ("collections", "/admin/collections/"),
    ]
    return {"tuan_editor": editing, "hoa_reviewer": reviewing, "quang_admin": reviewing + editing[1:] + administering}


def problems_on(page: Page, name: str, path: str) -> list[str]:
    response = page.goto(path)
    if response is None or response.status != 200:
        return [f"{name} ({path}): answered {response.status if response else 'nothing'}"]
    page.wait_for_load_state("networkidle")
    found = [f"{name} ({path}): English {text!r}" for text in english_on(page)]
    found += [f"{name} ({path}): lower-case column head {text!r}" for text in page.evaluate(LOWER_CASE_HEADS)]
    return found


@pytest.mark.parametrize("persona", ["tuan_editor", "hoa_reviewer", "quang_admin"])
def test_the_main_admin_screens_of_each_role_have_no_english(
    persona: str, request, page: Page, live_server, login: Callable[..., None], admin_site, quiet
):
    user = request.getfixturevalue(persona)
    login(page, live_server, user.username, PASSWORD)
    problems = []
    for name, path in admin_screens(admin_site)[persona]:
        problems += problems_on(page, name, path)

    quiet.finish()
    assert not problems, f"{len(problems)} problems as {persona}:\n" + "\n".join(problems)


def test_a_training_in_the_editor_adds_one_part_and_shows_its_status_as_published(
    page: Page, live_server, login, tuan_editor, admin_site, quiet
):
    login(page, live_server, tuan_editor.username, PASSWORD)
    page.goto(f"/admin/pages/{TrainingIndexPage.objects.get().pk}/")
    page.get_by_role("link", name=admin_site["training"].title).first.click()

    expect(page.get_by_role("button", name="Thêm phần ghi hình", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Thêm chương", exact=True)).to_be_visible()
    expect(page.get_by_text("Đã xuất bản", exact=True).first).to_be_visible()
    expect(page.get_by_text("Đang xuất bản", exact=True)).to_have_count(0)
    quiet.finish()  # the editor tells the server it has left the page: let that finish before the flush


def test_the_conversion_queue_names_each_queue_by_what_it_does(page: Page, live_server, login, tuan_editor, admin_site):
    login(page, live_server, tuan_editor.username, PASSWORD)
    page.goto(reverse("media_videos:queue"))

    workers = page.locator("main section").first
    expect(workers).to_contain_text("Việc chung")
    expect(workers).to_contain_text("Chuyển đổi video")
    expect(workers).not_to_contain_text("default")
    expect(page.get_by_role("columnheader")).to_have_text(["Tiêu đề", "Trạng thái", "Thời lượng", "Số lần thử"])


def test_the_fields_of_work_list_heads_their_names_and_says_which_are_in_use(
    page: Page, live_server, login, quang_admin
):
    FieldOfWork.objects.update(active=True)
    FieldOfWork.objects.filter(pk=FieldOfWork.objects.last().pk).update(active=False)  # type: ignore[union-attr]
    login(page, live_server, quang_admin.username, PASSWORD)
    page.goto("/admin/snippets/practices/fieldofwork/")

    heads = page.get_by_role("columnheader")
    expect(heads.filter(has_text="Tên")).to_have_count(1)
    expect(heads.filter(has_text="Tên đơn vị")).to_have_count(0)
    cells = page.locator("main tbody td")
    expect(cells.filter(has_text=re.compile(r"^\s*Có\s*$"))).to_have_count(FieldOfWork.objects.count() - 1)
    expect(cells.filter(has_text=re.compile(r"^\s*Không\s*$"))).to_have_count(1)
    expect(page.locator("main table")).not_to_contain_text("True")
