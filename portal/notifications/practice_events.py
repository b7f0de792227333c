"""Tell the people concerned each time a good practice moves in its review.

Wagtail's workflow signals carry the moves: task_submitted (a first submission, and every resubmission
after changes), workflow_rejected (Wagtail's "reject" = changes requested), workflow_approved (published);
a reviewer closing a write-up sends practices.review.practice_rejected. The submitting unit's submitters
and whoever submitted hear of every move; reviewers hear of submissions. Nobody hears of their own move
(sending.notify leaves the actor out). Once a reviewer has decided, the reviewers' "waiting for your review"
notifications of that write-up are marked read: there is nothing left for them to do, and the
notifications page shows each write-up's state as it is now.

Wagtail's own workflow e-mails are switched off (disconnected here): they link into the admin, which
submitters cannot open, and the reviewers would get each submission twice.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from wagtail.models import TaskState, WorkflowState
from wagtail.signals import task_submitted, workflow_approved, workflow_rejected, workflow_submitted

from portal.notifications.models import Kind, Notification
from portal.notifications.sending import notify
from portal.practices.models import GoodPracticePage
from portal.practices.review import PracticeReviewTask, practice_rejected
from portal.units import roles

logger = logging.getLogger(__name__)

WAGTAIL_EMAIL_HANDLERS = [
    (task_submitted, TaskState, "group_approval_task_submitted_email_notification"),
    (workflow_submitted, WorkflowState, "workflow_state_submitted_email_notification"),
    (workflow_rejected, WorkflowState, "workflow_state_rejected_email_notification"),
    (workflow_approved, WorkflowState, "workflow_state_approved_email_notification"),
]


def connect() -> None:
    for signal, sender, dispatch_uid in WAGTAIL_EMAIL_HANDLERS:
        signal.disconnect(sender=sender, dispatch_uid=dispatch_uid)
    task_submitted.connect(on_task_submitted, dispatch_uid="portal_practice_submitted")
    workflow_rejected.connect(on_changes_requested, sender=WorkflowState, dispatch_uid="portal_practice_changes")
    workflow_approved.connect(on_approved, sender=WorkflowState, dispatch_uid="portal_practice_approved")
    practice_rejected.connect(on_rejected, dispatch_uid="portal_practice_rejected")


def _practice_of(workflow_state: WorkflowState) -> GoodPracticePage | None:
    page = workflow_state.content_object
    specific = getattr(page, "specific", None)
    return specific if isinstance(specific, GoodPracticePage) else None


def unit_recipients(page: GoodPracticePage, *extra: Any) -> list[Any]:
    """The submitters of the write-up's unit, and whoever else took part on the unit's side."""
    users = list(
        get_user_model().objects.filter(unit_id=page.unit_id, groups__name=roles.SUBMITTER, is_active=True).distinct()
        if page.unit_id is not None
        else []
    )
    return users + [user for user in extra if user is not None]


def _url_or(name: str, fallback: str, **kwargs: Any) -> str:
    """A portal page by URL name, or the fallback where that page does not exist (yet)."""
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return fallback


def _page_url(page: GoodPracticePage) -> str:
    return page.get_url() or "/"


def mine_url(page: GoodPracticePage) -> str:
    return _url_or("practices:mine", _page_url(page))


def edit_url(page: GoodPracticePage) -> str:
    return _url_or("practices:edit", mine_url(page), page_id=page.pk)


def review_url(page: GoodPracticePage) -> str:
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def on_task_submitted(sender: Any, instance: TaskState, user: Any = None, **kwargs: Any) -> None:
    task = instance.task.specific
    if not isinstance(task, PracticeReviewTask):
        return
    workflow_state = instance.workflow_state
    page = _practice_of(workflow_state)
    if page is None:
        return
    title = page.get_latest_revision_as_object().title
    notify(
        unit_recipients(page, workflow_state.requested_by, user),
        Kind.SUBMITTED,
        page=page,
        title=title,
        url=mine_url(page),
        actor=user,
    )
    reviewers = get_user_model().objects.filter(groups__in=task.groups.all(), is_active=True).distinct()
    notify(reviewers, Kind.TO_REVIEW, page=page, title=title, url=review_url(page), actor=user)


def review_decided(page: GoodPracticePage) -> None:
    """The reviewers' requests to review this write-up are settled: mark them read."""
    Notification.objects.filter(page_id=page.pk, kind=Kind.TO_REVIEW).unread().update(read_at=timezone.now())


def on_changes_requested(sender: Any, instance: WorkflowState, user: Any = None, **kwargs: Any) -> None:
    page = _practice_of(instance)
    if page is None:
        return
    review_decided(page)
    task_state = instance.current_task_state
    notify(
        unit_recipients(page, instance.requested_by),
        Kind.CHANGES_REQUESTED,
        page=page,
        title=page.get_latest_revision_as_object().title,
        url=edit_url(page),
        message=task_state.comment if task_state is not None else "",
        actor=user,
    )


def on_approved(sender: Any, instance: WorkflowState, user: Any = None, **kwargs: Any) -> None:
    page = _practice_of(instance)
    if page is None:
        return
    review_decided(page)
    page.refresh_from_db()
    task_state = instance.current_task_state
    notify(
        unit_recipients(page, instance.requested_by),
        Kind.APPROVED,
        page=page,
        title=page.title,
        url=_page_url(page),
        message=task_state.comment if task_state is not None else "",
        actor=user,
    )


def on_rejected(sender: Any, page_id: int, user: Any = None, reason: str = "", **kwargs: Any) -> None:
    page = GoodPracticePage.objects.filter(pk=page_id).first()
    if page is None:
        return
    review_decided(page)
    workflow_state = WorkflowState.objects.for_instance(page).order_by("-created_at", "-id").first()
    notify(
        unit_recipients(page, workflow_state.requested_by if workflow_state else None),
        Kind.REJECTED,
        page=page,
        title=page.get_latest_revision_as_object().title,
        url=mine_url(page),
        message=reason,
        actor=user,
    )
