"""Unit isolation: an unpublished write-up exists only for its unit's submitters, reviewers and administrators.

Every address is tried: the page itself, the portal's preview and edit pages, the attached files, the
section listing and the admin. For anyone else the answer is "not found" (or, for the admin, no way in);
the files answer "not for you" (403), as every document does (portal.documents.access).
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile

from wagtail.documents import get_document_model
from wagtail.models import Collection

import pytest

from portal.practices.models import GoodPracticeIndexPage, GoodPracticePage, PracticeAttachment
from portal.practices.submission import COLLECTION_NAME
from portal.practices.visibility import can_view_practice, visible_practices
from portal.trainings.collection import trainings_collection
from portal.units import roles
from portal.units.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "demo12345"
TITLE = "Phối hợp với cơ quan điều tra rút ngắn thời hạn giải quyết tin báo"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def thu_submitter(hanoi) -> User:
    user = User.objects.create_user(username="thu", password=PASSWORD, unit=hanoi)
    user.groups.add(Group.objects.get(name=roles.SUBMITTER))
    return user


@pytest.fixture
def an_hue_submitter(hue) -> User:
    user = User.objects.create_user(username="an", password=PASSWORD, unit=hue)
    user.groups.add(Group.objects.get(name=roles.SUBMITTER))
    return user


@pytest.fixture
def people(minh_submitter, thu_submitter, an_hue_submitter, lan_viewer, hoa_reviewer, tuan_editor, quang_admin):
    """Who may see Hà Nội's draft, and who may not."""
    return {
        "allowed": [minh_submitter, thu_submitter, hoa_reviewer, quang_admin],
        # another unit's submitter; a Hà Nội viewer who does not submit; a training editor with admin access
        "refused": [an_hue_submitter, lan_viewer, tuan_editor],
    }


def document(name: str, uploaded_by=None, collection=None):
    collection = collection or Collection.get_first_root_node()
    return get_document_model().objects.create(
        title=name,
        file=ContentFile(b"%PDF-1.4 bao cao", name=name),
        collection=collection,
        uploaded_by_user=uploaded_by,
    )


@pytest.fixture
def draft(minh_submitter) -> GoodPracticePage:
    index = GoodPracticeIndexPage.objects.get()
    page = GoodPracticePage(title=TITLE, unit=minh_submitter.unit, owner=minh_submitter, live=False, summary="Tóm tắt.")
    page.attachments = [PracticeAttachment(document=document("bao-cao-ha-noi.pdf", minh_submitter), text="")]  # type: ignore[assignment]
    index.add_child(instance=page)
    page.save_revision(user=minh_submitter)
    return page


def get_as(client, user, url: str):
    client.force_login(user)
    return client.get(url)


@pytest.mark.parametrize("suffix", ["xem-truoc/", "sua/"])
def test_the_portals_preview_and_edit_pages_are_not_found_for_others(client, draft, people, suffix):
    url = f"/cach-lam-hay/{draft.pk}/{suffix}"
    for user in people["refused"]:
        response = get_as(client, user, url)
        assert response.status_code in (403, 404), user
        assert TITLE not in response.content.decode(), user
    for user in people["allowed"]:
        if suffix == "sua/" and user.username in ("hoa", "quang"):
            continue  # reviewers and administrators change write-ups in the admin
        assert get_as(client, user, url).status_code == 200, user


def test_the_preview_answers_not_found_rather_than_forbidden(client, draft, an_hue_submitter, lan_viewer):
    for user in (an_hue_submitter, lan_viewer):
        assert get_as(client, user, f"/cach-lam-hay/{draft.pk}/xem-truoc/").status_code == 404


def test_the_unpublished_page_itself_is_not_found(client, draft, people):
    for user in people["refused"] + people["allowed"]:
        assert get_as(client, user, draft.url).status_code == 404, user


def test_attached_files_follow_the_write_up(client, draft, people, lan_viewer):
    url = draft.attachments.get().document.url
    for user in people["refused"]:
        assert get_as(client, user, url).status_code == 403, user
    for user in people["allowed"]:
        assert get_as(client, user, url).status_code == 200, user
    draft.get_latest_revision().publish()
    assert get_as(client, lan_viewer, url).status_code == 200


def test_a_file_uploaded_for_a_write_up_but_not_yet_attached_stays_with_the_unit(
    client, minh_submitter, thu_submitter, an_hue_submitter, lan_viewer, hoa_reviewer
):
    practices = Collection.get_first_root_node().add_child(name=COLLECTION_NAME)
    url = document("ban-nhap.pdf", minh_submitter, practices).url
    for user in (an_hue_submitter, lan_viewer):
        assert get_as(client, user, url).status_code == 403, user
    for user in (minh_submitter, thu_submitter, hoa_reviewer):
        assert get_as(client, user, url).status_code == 200, user


def test_a_document_no_page_shows_is_left_to_those_who_manage_documents(client, lan_viewer, tuan_editor):
    url = document("giao-trinh-tap-huan.pdf", collection=trainings_collection()).url
    assert get_as(client, lan_viewer, url).status_code == 403
    assert get_as(client, tuan_editor, url).status_code == 200


def test_the_section_listing_shows_only_published_write_ups(client, draft, an_hue_submitter, lan_viewer):
    for user in (an_hue_submitter, lan_viewer):
        assert TITLE not in get_as(client, user, "/cach-lam-hay/").content.decode()


def test_search_finds_an_unpublished_write_up_only_for_those_who_may_open_it(client, draft, people):
    from search.sync import drain

    drain()
    word = TITLE.split()[0]
    for user in people["refused"]:
        assert TITLE not in get_as(client, user, f"/tim-kiem/?q={word}").content.decode(), user
    for user in people["allowed"]:
        assert TITLE in get_as(client, user, f"/tim-kiem/?q={word}").content.decode(), user
    draft.save_revision(user=draft.owner).publish()
    drain()
    for user in people["refused"]:
        assert TITLE in get_as(client, user, f"/tim-kiem/?q={word}").content.decode(), "published: found by all"


@pytest.mark.parametrize("view", ["edit", "view_draft", "preview_on_edit", "history", "workflow_history"])
def test_the_admin_gives_submitters_no_way_to_another_units_draft(
    client, draft, an_hue_submitter, minh_submitter, view
):
    from django.urls import reverse

    url = reverse(f"wagtailadmin_pages:{view}", args=[draft.pk])
    for user in (an_hue_submitter, minh_submitter):
        response = get_as(client, user, url)
        assert response.status_code in (302, 403, 404), (user, response.status_code)
        assert TITLE not in response.content.decode()
        if response.status_code == 302:
            assert "/admin/login/" in response["Location"] or response["Location"].startswith("/dang-nhap/")


def test_reviewers_reach_the_draft_in_the_admin(client, draft, hoa_reviewer):
    from django.urls import reverse

    assert get_as(client, hoa_reviewer, reverse("wagtailadmin_pages:edit", args=[draft.pk])).status_code == 200


def test_visibility_rules(draft, people, hanoi):
    published = GoodPracticePage(title="Kiểm sát trực tiếp nhà tạm giữ theo chuyên đề", unit=hanoi, live=True)
    GoodPracticeIndexPage.objects.get().add_child(instance=published)
    for user in people["allowed"]:
        assert can_view_practice(user, draft)
        assert set(visible_practices(user)) == {draft, published}
    for user in people["refused"]:
        assert not can_view_practice(user, draft)
        assert can_view_practice(user, published)
        assert list(visible_practices(user)) == [published]
