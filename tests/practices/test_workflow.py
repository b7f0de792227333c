"""The review of a good practice, end to end: submit, changes requested, resubmit, approve; rejection.

Reviewers act through Wagtail's own workflow-action view in the admin, as they do in the browser; the
unit's side goes through portal.practices.workflow, the API the portal's submission form calls.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils.translation import gettext, override

from wagtail.models import TaskState, WorkflowState

import pytest

from portal.notifications.models import Kind, Notification
from portal.practices.models import GoodPracticeIndexPage, GoodPracticePage
from portal.practices.review import PracticeRejection, PracticeReviewTask
from portal.practices.workflow import (
    SubmissionClosed,
    SubmissionStatus,
    can_edit,
    can_submit,
    submission_state,
    submission_states,
    submit_for_review,
)
from portal.units import roles
from portal.units.models import User

PASSWORD = "demo12345"

pytestmark = pytest.mark.django_db


@pytest.fixture
def thu_submitter(hanoi) -> User:
    """Vũ Thị Thu, the second submitter of Hà Nội: she hears of every step of her unit's write-ups."""
    user = User.objects.create_user(username="thu", password=PASSWORD, unit=hanoi, email="thu@vks.test")
    user.groups.add(Group.objects.get(name=roles.SUBMITTER))
    return user


@pytest.fixture
def an_hue_submitter(hue) -> User:
    user = User.objects.create_user(username="an", password=PASSWORD, unit=hue, email="an@vks.test")
    user.groups.add(Group.objects.get(name=roles.SUBMITTER))
    return user


def write_up(unit, owner, title: str = "Số hóa hồ sơ kiểm sát án hình sự") -> GoodPracticePage:
    """A draft the way the portal's form leaves it: the page row and a first revision."""
    index = GoodPracticeIndexPage.objects.get()
    page = GoodPracticePage(
        title=title, unit=unit, owner=owner, live=False, summary="Tóm tắt.", problem="<p>Hồ sơ giấy.</p>"
    )
    index.add_child(instance=page)
    page.save_revision(user=owner)
    return page


def current_task_state(page: GoodPracticePage) -> TaskState:
    return WorkflowState.objects.for_instance(page).active().get().current_task_state


def act(client, reviewer, page: GoodPracticePage, action: str, comment: str | None = None):
    """A reviewer's click in the admin: Wagtail's workflow-action view, as its modal posts it."""
    client.force_login(reviewer)
    task_state = current_task_state(page)
    url = reverse("wagtailadmin_pages:workflow_action", args=[page.pk, action, task_state.pk])
    data = {} if comment is None else {"comment": comment}
    return client.post(url, data)


def notified(user, kind: Kind) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=kind))


def mails_to(user) -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if user.email in message.to]


def test_the_review_workflow_uses_the_practice_review_task_for_reviewers():
    index = GoodPracticeIndexPage.objects.get()
    workflow = index.get_workflow()
    tasks = [task.specific for task in workflow.tasks]
    assert len(tasks) == 1
    assert isinstance(tasks[0], PracticeReviewTask)
    assert list(tasks[0].groups.values_list("name", flat=True)) == [roles.REVIEWER]
    reviewers = Group.objects.get(name=roles.REVIEWER)
    assert reviewers.page_permissions.filter(page=index, permission__codename="publish_page").exists()


def test_the_whole_flow_from_submission_to_publication_notifies_each_step(
    client, django_capture_on_commit_callbacks, minh_submitter, thu_submitter, hoa_reviewer, an_hue_submitter
):
    page = write_up(minh_submitter.unit, minh_submitter)
    assert submission_state(page).status == SubmissionStatus.DRAFT
    assert can_edit(minh_submitter, page) and can_submit(minh_submitter, page)

    # 1. The unit submits: its other submitters and the reviewers hear of it, by e-mail and in the portal;
    # the one who sent it is not told what they just did.
    with django_capture_on_commit_callbacks(execute=True):
        submit_for_review(page, minh_submitter)
    state = submission_state(page)
    assert state.status == SubmissionStatus.IN_REVIEW
    assert state.by == minh_submitter
    assert not can_edit(minh_submitter, page)
    assert can_edit(hoa_reviewer, page)
    [note] = notified(thu_submitter, Kind.SUBMITTED)
    assert note.url == reverse("practices:mine")
    assert len(mails_to(thu_submitter)) == 1
    assert not Notification.objects.filter(recipient=minh_submitter).exists()
    assert mails_to(minh_submitter) == []
    [to_review] = notified(hoa_reviewer, Kind.TO_REVIEW)
    assert to_review.url == reverse("wagtailadmin_pages:edit", args=[page.pk])
    [reviewer_mail] = mails_to(hoa_reviewer)
    assert "http://testserver" + to_review.url in reviewer_mail.body
    assert not Notification.objects.filter(recipient=an_hue_submitter).exists()
    assert mails_to(an_hue_submitter) == []

    # 2. The reviewer asks for changes; without saying which, nothing happens.
    act(client, hoa_reviewer, page, "reject", "")
    assert submission_state(page).status == SubmissionStatus.IN_REVIEW
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = act(client, hoa_reviewer, page, "reject", "Bổ sung số liệu năm 2024.")
    assert response.status_code == 302
    state = submission_state(page)
    assert state.status == SubmissionStatus.CHANGES_REQUESTED
    assert state.comment == "Bổ sung số liệu năm 2024."
    assert state.by == hoa_reviewer
    assert can_edit(minh_submitter, page) and can_edit(thu_submitter, page)
    assert not can_edit(an_hue_submitter, page)
    for submitter in (minh_submitter, thu_submitter):
        [note] = notified(submitter, Kind.CHANGES_REQUESTED)
        assert note.message == "Bổ sung số liệu năm 2024."
        assert note.url == reverse("practices:edit", kwargs={"page_id": page.pk})
        [message] = mails_to(submitter)
        assert "Bổ sung số liệu năm 2024." in message.body
        assert "http://testserver" + note.url in message.body
    assert notified(hoa_reviewer, Kind.CHANGES_REQUESTED) == []

    # 3. The unit edits and sends it again: back in review, the reviewers are told again.
    edited = page.get_latest_revision_as_object()
    edited.title = "Số hóa hồ sơ kiểm sát án hình sự (bổ sung số liệu 2024)"
    edited.save_revision(user=thu_submitter)
    with django_capture_on_commit_callbacks(execute=True):
        submit_for_review(page, thu_submitter)
    assert submission_state(page).status == SubmissionStatus.IN_REVIEW
    assert WorkflowState.objects.for_instance(page).count() == 1  # the same review, resumed
    assert len(notified(hoa_reviewer, Kind.TO_REVIEW)) == 2
    assert len(notified(thu_submitter, Kind.SUBMITTED)) == 1  # Minh's, not her own
    assert len(notified(minh_submitter, Kind.SUBMITTED)) == 1  # Thu's
    # The first request to review was settled when changes were asked for; the new one waits.
    assert Notification.objects.filter(recipient=hoa_reviewer, kind=Kind.TO_REVIEW).unread().count() == 1

    # 4. Approved: published with the edited text, everyone on the unit's side is told where to read it.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        act(client, hoa_reviewer, page, "approve", "Rất hữu ích cho các đơn vị.")
    page.refresh_from_db()
    assert page.live
    assert page.title == "Số hóa hồ sơ kiểm sát án hình sự (bổ sung số liệu 2024)"
    state = submission_state(page)
    assert state.status == SubmissionStatus.PUBLISHED
    assert state.comment == "Rất hữu ích cho các đơn vị."
    assert state.by == hoa_reviewer
    assert not can_edit(minh_submitter, page)
    for submitter in (minh_submitter, thu_submitter):
        [note] = notified(submitter, Kind.APPROVED)
        assert note.url == page.url
        assert len(mails_to(submitter)) == 1
    assert not Notification.objects.filter(recipient=hoa_reviewer, kind=Kind.TO_REVIEW).unread().exists()
    client.force_login(an_hue_submitter)
    assert client.get(page.url).status_code == 200


def test_a_rejected_write_up_is_closed_with_its_reason_and_cannot_be_sent_again(
    client, django_capture_on_commit_callbacks, minh_submitter, hoa_reviewer
):
    page = write_up(minh_submitter.unit, minh_submitter)
    submit_for_review(page, minh_submitter)

    act(client, hoa_reviewer, page, "close", "")
    assert submission_state(page).status == SubmissionStatus.IN_REVIEW  # a reason is required

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        act(client, hoa_reviewer, page, "close", "Trùng với cách làm đã công bố năm 2023.")
    page.refresh_from_db()
    assert not page.live
    assert not WorkflowState.objects.for_instance(page).active().exists()
    state = submission_state(page)
    assert state.status == SubmissionStatus.REJECTED
    assert state.comment == "Trùng với cách làm đã công bố năm 2023."
    assert state.by == hoa_reviewer
    assert PracticeRejection.objects.get(page=page).rejected_by == hoa_reviewer
    assert not can_edit(minh_submitter, page)
    assert not can_submit(minh_submitter, page)
    with pytest.raises(SubmissionClosed):
        submit_for_review(page, minh_submitter)
    [note] = notified(minh_submitter, Kind.REJECTED)
    assert note.message == "Trùng với cách làm đã công bố năm 2023."
    assert note.url == reverse("practices:mine")
    [message] = mails_to(minh_submitter)
    assert "Trùng với cách làm đã công bố năm 2023." in message.body


def test_submitters_get_no_wagtail_e_mail_pointing_into_the_admin(
    client, django_capture_on_commit_callbacks, minh_submitter, hoa_reviewer
):
    page = write_up(minh_submitter.unit, minh_submitter)
    with django_capture_on_commit_callbacks(execute=True):
        submit_for_review(page, minh_submitter)
        act(client, hoa_reviewer, page, "reject", "Sửa phần kết quả.")
        submit_for_review(page, minh_submitter)
        act(client, hoa_reviewer, page, "approve", "")
    to_minh = mails_to(minh_submitter)
    assert len(to_minh) == 2  # changes requested, published (not his own submissions)
    assert all("/admin/" not in message.body for message in to_minh)
    assert len(mails_to(hoa_reviewer)) == 2  # each submission once, not once more from Wagtail


def test_e_mails_are_written_in_the_recipients_language(
    client, django_capture_on_commit_callbacks, minh_submitter, thu_submitter, hoa_reviewer
):
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(hoa_reviewer)
    profile.preferred_language = "en"
    profile.save()
    page = write_up(minh_submitter.unit, minh_submitter)
    with override("vi"), django_capture_on_commit_callbacks(execute=True):
        submit_for_review(page, minh_submitter)
    [to_hoa] = mails_to(hoa_reviewer)
    [to_thu] = mails_to(thu_submitter)
    with override("en"):
        english = gettext('A good practice is waiting for your review: "%(title)s".') % {"title": page.title}
    with override("vi"):
        vietnamese = gettext('"%(title)s" was sent to the reviewers.') % {"title": page.title}
    assert english in to_hoa.body
    assert vietnamese in to_thu.body


def test_nothing_is_sent_when_the_submission_is_rolled_back(django_capture_on_commit_callbacks, minh_submitter):
    from django.db import transaction

    page = write_up(minh_submitter.unit, minh_submitter)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                submit_for_review(page, minh_submitter)
                raise RuntimeError("the form failed afterwards")
        except RuntimeError:
            pass
    assert callbacks == []
    assert mail.outbox == []
    assert submission_state(page).status == SubmissionStatus.DRAFT


def test_submitting_twice_does_not_start_a_second_review(minh_submitter):
    page = write_up(minh_submitter.unit, minh_submitter)
    submit_for_review(page, minh_submitter)
    submit_for_review(page, minh_submitter)
    assert WorkflowState.objects.for_instance(page).count() == 1
    assert TaskState.objects.filter(workflow_state__object_id=str(page.pk)).count() == 1


def test_the_states_of_a_list_come_in_a_few_queries(
    client, django_assert_max_num_queries, minh_submitter, hoa_reviewer
):
    pages = [write_up(minh_submitter.unit, minh_submitter, f"Cách làm {n}") for n in range(5)]
    for page in pages[1:]:
        submit_for_review(page, minh_submitter)
    act(client, hoa_reviewer, pages[2], "reject", "Thêm số liệu.")
    act(client, hoa_reviewer, pages[3], "approve")
    act(client, hoa_reviewer, pages[4], "close", "Không phù hợp.")
    fresh = list(GoodPracticePage.objects.filter(pk__in=[page.pk for page in pages]).order_by("pk"))
    with django_assert_max_num_queries(5):
        states = submission_states(fresh)
    assert [states[page.pk].status for page in fresh] == [
        SubmissionStatus.DRAFT,
        SubmissionStatus.IN_REVIEW,
        SubmissionStatus.CHANGES_REQUESTED,
        SubmissionStatus.PUBLISHED,
        SubmissionStatus.REJECTED,
    ]
    assert states[pages[2].pk].comment == "Thêm số liệu."
    assert states[pages[4].pk].comment == "Không phù hợp."


def test_the_reviewers_dashboard_lists_what_awaits_their_review_with_our_actions(client, minh_submitter, hoa_reviewer):
    page = write_up(minh_submitter.unit, minh_submitter, "Kiểm sát trực tiếp nhà tạm giữ theo chuyên đề")
    submit_for_review(page, minh_submitter)
    client.force_login(hoa_reviewer)
    html = client.get("/admin/").content.decode()
    assert "Kiểm sát trực tiếp nhà tạm giữ theo chuyên đề" in html
    task_state = current_task_state(page)
    for action in ("approve", "reject", "close"):
        assert reverse("wagtailadmin_pages:workflow_action", args=[page.pk, action, task_state.pk]) in html or (
            reverse("wagtailadmin_pages:collect_workflow_action_data", args=[page.pk, action, task_state.pk]) in html
        )


def test_someone_outside_the_reviewer_group_cannot_act_on_the_review(client, minh_submitter, tuan_editor):
    page = write_up(minh_submitter.unit, minh_submitter)
    submit_for_review(page, minh_submitter)
    act(client, tuan_editor, page, "approve")
    page.refresh_from_db()
    assert not page.live
    assert submission_state(page).status == SubmissionStatus.IN_REVIEW


def test_a_reviewer_may_reopen_a_rejected_write_up_from_the_admin(client, minh_submitter, hoa_reviewer):
    page = write_up(minh_submitter.unit, minh_submitter)
    submit_for_review(page, minh_submitter)
    act(client, hoa_reviewer, page, "close", "Chưa đủ căn cứ.")
    page.get_workflow().start(page, hoa_reviewer)  # the admin's "submit to workflow", by a reviewer
    assert submission_state(page).status == SubmissionStatus.IN_REVIEW
    act(client, hoa_reviewer, page, "approve")
    page.refresh_from_db()
    assert page.live
    assert submission_state(page).status == SubmissionStatus.PUBLISHED
