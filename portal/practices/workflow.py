"""Where a write-up stands in its review, and the few moves the portal makes on it.

The portal never keeps its own copy of the state: it reads Wagtail's workflow (WorkflowState, TaskState)
and the PracticeRejection a reviewer leaves when closing a write-up. That way a decision taken in the
admin and what the unit sees in the portal cannot disagree.

The submission form saves a revision of the page with the unit's text, then calls submit_for_review();
Wagtail's workflow does the rest (approval publishes that revision).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from wagtail.models import Page, TaskState, WorkflowState

from portal.practices.review import PracticeRejection
from portal.practices.visibility import is_submitter_for, sees_all_practices

if TYPE_CHECKING:
    from portal.practices.models import GoodPracticePage


class SubmissionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")


# States in which the unit may still change the write-up and (re)submit it.
EDITABLE_STATUSES = frozenset({SubmissionStatus.DRAFT, SubmissionStatus.CHANGES_REQUESTED})


@dataclass(frozen=True)
class SubmissionState:
    status: SubmissionStatus
    comment: str  # the reviewer's comment (changes requested, approval) or reason (rejected)
    by: Any  # the user behind the latest step (reviewer, or submitter while in review), or None
    at: datetime | None

    @property
    def label(self) -> str:
        return str(self.status.label)

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class SubmissionClosed(PermissionDenied):
    """The write-up was rejected by a reviewer: it cannot be submitted again as it is."""


def _page_content_type() -> ContentType:
    return ContentType.objects.get_for_model(Page)


def submission_state(page: GoodPracticePage) -> SubmissionState:
    return submission_states([page])[page.pk]


def submission_states(pages: Iterable[GoodPracticePage]) -> dict[int, SubmissionState]:
    """The state of each page, in four queries whatever the number of pages (for lists)."""
    pages = list(pages)
    ids = [str(page.pk) for page in pages]
    if not ids:
        return {}
    base = _page_content_type()
    active: dict[str, WorkflowState] = {}
    for workflow_state in (
        WorkflowState.objects.filter(base_content_type=base, object_id__in=ids)
        .active()
        .select_related("requested_by", "current_task_state", "current_task_state__finished_by")
        .order_by("created_at", "id")
    ):
        active[workflow_state.object_id] = workflow_state
    rejections = {
        str(rejection.page_id): rejection
        for rejection in PracticeRejection.objects.filter(page_id__in=[page.pk for page in pages]).select_related(
            "rejected_by"
        )
    }
    approvals: dict[str, TaskState] = {}
    live_ids = [str(page.pk) for page in pages if page.live]
    if live_ids:
        for task_state in (
            TaskState.objects.filter(
                workflow_state__base_content_type=base,
                workflow_state__object_id__in=live_ids,
                status=TaskState.STATUS_APPROVED,
            )
            .select_related("workflow_state", "finished_by")
            .order_by("finished_at", "id")
        ):
            approvals[task_state.workflow_state.object_id] = task_state
    return {
        page.pk: _state_of(page, active.get(str(page.pk)), rejections.get(str(page.pk)), approvals) for page in pages
    }


def _state_of(
    page: GoodPracticePage,
    workflow_state: WorkflowState | None,
    rejection: PracticeRejection | None,
    approvals: dict[str, TaskState],
) -> SubmissionState:
    if workflow_state is not None:
        task_state = workflow_state.current_task_state
        if workflow_state.status == WorkflowState.STATUS_NEEDS_CHANGES and task_state is not None:
            return SubmissionState(
                SubmissionStatus.CHANGES_REQUESTED, task_state.comment, task_state.finished_by, task_state.finished_at
            )
        started = task_state.started_at if task_state is not None else workflow_state.created_at
        return SubmissionState(SubmissionStatus.IN_REVIEW, "", workflow_state.requested_by, started)
    if rejection is not None:
        return SubmissionState(
            SubmissionStatus.REJECTED, rejection.reason, rejection.rejected_by, rejection.rejected_at
        )
    if page.live:
        approval = approvals.get(str(page.pk))
        if approval is not None:
            return SubmissionState(
                SubmissionStatus.PUBLISHED, approval.comment, approval.finished_by, page.last_published_at
            )
        return SubmissionState(SubmissionStatus.PUBLISHED, "", None, page.last_published_at)
    return SubmissionState(SubmissionStatus.DRAFT, "", None, page.latest_revision_created_at)


@transaction.atomic
def submit_for_review(page: GoodPracticePage, user: Any) -> None:
    """Send the write-up to the reviewers: start the review workflow, or resume it after changes were
    requested. Call it after saving the revision with the unit's text: the review is of the latest revision.
    Submitting a write-up already in review does nothing; a rejected one raises SubmissionClosed."""
    if PracticeRejection.objects.filter(page_id=page.pk).exists():
        raise SubmissionClosed(_("This write-up was rejected and cannot be submitted again."))
    workflow_state = page.current_workflow_state
    if workflow_state is not None:
        if workflow_state.status == WorkflowState.STATUS_NEEDS_CHANGES:
            workflow_state.resume(user=user)
        return
    workflow = page.get_workflow()
    if workflow is None:
        raise ImproperlyConfigured("No review workflow applies to the good practices section.")
    if page.latest_revision_id is None:
        page.save_revision(user=user)
    workflow.start(page, user)


def can_edit(user: Any, page: GoodPracticePage) -> bool:
    """Reviewers and administrators always; the unit's submitters while the write-up is a draft or was
    sent back for changes (not while reviewers read it, nor once published or rejected)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if sees_all_practices(user):
        return True
    return is_submitter_for(user, page.unit_id) and submission_state(page).editable


def can_submit(user: Any, page: GoodPracticePage) -> bool:
    """Who may send the write-up to review: the unit's submitters (and administrators) while it is editable."""
    if not getattr(user, "is_authenticated", False):
        return False
    if not (is_submitter_for(user, page.unit_id) or sees_all_practices(user)):
        return False
    return submission_state(page).editable
