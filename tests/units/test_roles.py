"""Each role, created by migration, can do its job and no more."""

from __future__ import annotations

from django.contrib.auth.models import Group

from wagtail.documents.models import Document
from wagtail.models import Collection
from wagtail.permission_policies.collections import CollectionOwnershipPermissionPolicy

import pytest

from portal.home.models import HomePage
from portal.practices.models import GoodPracticeIndexPage
from portal.trainings.models import TrainingIndexPage
from portal.units import roles

pytestmark = pytest.mark.django_db

documents_policy = CollectionOwnershipPermissionPolicy(
    Document, auth_model=Document, owner_field_name="uploaded_by_user"
)


def can(user, page, action: str) -> bool:
    perms = page.permissions_for_user(user)
    return {
        "add": perms.can_add_subpage,
        "edit": perms.can_edit,
        "publish": perms.can_publish,
        "publish_subpage": perms.can_publish_subpage,
    }[action]()


def test_the_migration_creates_exactly_the_portal_roles():
    assert set(Group.objects.values_list("name", flat=True)) == set(roles.ROLES)


def test_viewers_and_submitters_never_enter_the_admin(client, lan_viewer, minh_submitter):
    for user in (lan_viewer, minh_submitter):
        assert not user.has_perm("wagtailadmin.access_admin")
        client.force_login(user)
        assert client.get("/admin/").status_code != 200
        followed = client.get("/admin/", follow=True)  # ends on a page that says why, never in a loop
        assert followed.status_code == 200
        assert len(followed.redirect_chain) <= 2
        assert "Đồng chí không có quyền truy cập trang quản trị" in followed.content.decode()
        assert client.get("/").status_code == 200


def test_reviewers_publish_good_practices_but_not_trainings(hoa_reviewer):
    practices = GoodPracticeIndexPage.objects.get()
    trainings = TrainingIndexPage.objects.get()
    assert hoa_reviewer.has_perm("wagtailadmin.access_admin")
    assert can(hoa_reviewer, practices, "publish_subpage")
    assert not can(hoa_reviewer, trainings, "edit")
    assert not can(hoa_reviewer, trainings, "add")


def test_training_editors_create_and_publish_trainings_only(tuan_editor):
    practices = GoodPracticeIndexPage.objects.get()
    trainings = TrainingIndexPage.objects.get()
    assert can(tuan_editor, trainings, "add")
    assert can(tuan_editor, trainings, "publish_subpage")
    assert not can(tuan_editor, practices, "add")
    assert not can(tuan_editor, practices, "edit")
    assert documents_policy.user_has_permission(tuan_editor, "add")
    assert not tuan_editor.has_perm("units.change_unit")


def test_administrators_manage_units_users_and_the_whole_site(client, quang_admin):
    home = HomePage.objects.get()
    assert can(quang_admin, home, "edit") and can(quang_admin, home, "add")
    assert can(quang_admin, TrainingIndexPage.objects.get(), "publish_subpage")
    assert can(quang_admin, GoodPracticeIndexPage.objects.get(), "publish_subpage")
    assert quang_admin.has_perm("units.change_unit")
    assert not quang_admin.is_superuser
    client.force_login(quang_admin)
    assert client.get("/admin/snippets/units/unit/").status_code == 200
    assert client.get("/admin/users/").status_code == 200
    assert documents_policy.user_has_permission_for_instance(
        quang_admin, "change", Document(collection=Collection.get_first_root_node())
    )


def test_only_administrators_see_the_units_admin(client, tuan_editor, hoa_reviewer):
    for user in (tuan_editor, hoa_reviewer):
        client.force_login(user)
        assert client.get("/admin/snippets/units/unit/").status_code in (302, 403)


def test_good_practices_go_through_the_reviewers_workflow_and_trainings_do_not():
    from wagtail.models import GroupApprovalTask

    practices = GoodPracticeIndexPage.objects.get()
    workflow = practices.get_workflow()
    assert workflow is not None and workflow.active
    tasks = [task.specific for task in workflow.tasks]
    assert len(tasks) == 1 and isinstance(tasks[0], GroupApprovalTask)
    assert list(tasks[0].groups.values_list("name", flat=True)) == [roles.REVIEWER]
    assert TrainingIndexPage.objects.get().get_workflow() is None
    assert HomePage.objects.get().get_workflow() is None


@pytest.mark.parametrize("persona", ["tuan_editor", "hoa_reviewer", "quang_admin"])
def test_the_sections_cannot_be_deleted_unpublished_or_moved_by_staff(client, persona, request):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    for section in (TrainingIndexPage.objects.get(), GoodPracticeIndexPage.objects.get()):
        client.post(f"/admin/pages/{section.pk}/delete/")
        client.post(f"/admin/pages/{section.pk}/unpublish/")
        client.post(f"/admin/pages/{section.pk}/move/{HomePage.objects.get().pk}/confirm/")
        section.refresh_from_db()
        assert section.live
        assert section.get_parent().specific_class is HomePage
    home = HomePage.objects.get()
    client.post(f"/admin/pages/{home.pk}/unpublish/")
    home.refresh_from_db()
    assert home.live


def test_the_bulk_actions_spare_the_sections_too(client, quang_admin):
    client.force_login(quang_admin)
    home = HomePage.objects.get()
    trainings = TrainingIndexPage.objects.get()
    client.post(f"/admin/bulk/wagtailcore/page/delete/?next=/admin/pages/{home.pk}/&id={trainings.pk}")
    assert TrainingIndexPage.objects.filter(pk=trainings.pk, live=True).exists()


def test_an_editor_can_still_delete_a_training_of_their_own(client, tuan_editor):
    from portal.trainings.models import TrainingPage

    index = TrainingIndexPage.objects.get()
    page = TrainingPage(title="Bản ghi nhầm", owner=tuan_editor)
    index.add_child(instance=page)
    page.save_revision(user=tuan_editor).publish()
    client.force_login(tuan_editor)
    client.post(f"/admin/pages/{page.pk}/delete/")
    assert not TrainingPage.objects.filter(pk=page.pk).exists()
