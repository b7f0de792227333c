"""The review of good practices: the workflow task reviewers act on, and the record of a closed write-up.

Wagtail's own group approval gives "approve" and "request changes" (its "reject", which sends the page back
for changes and lets it be resubmitted). Reviewers here also need to close a write-up for good, with a
reason: Wagtail has no such outcome, so the task adds a "close" action that cancels the workflow and
records a PracticeRejection. That row is what marks the write-up as rejected: a cancelled workflow alone
can also mean an administrator stopped it, which is not a decision the unit must be told about.

These models are imported by portal.practices.models so that Django finds them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db import models, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wagtail.models import GroupApprovalTask, TaskState

APPROVE = "approve"
REQUEST_CHANGES = "reject"  # Wagtail's name for "back to the author, who may resubmit"
CLOSE = "close"

# Sent after a reviewer closed a write-up (page_id, user, reason). Wagtail only sends workflow_cancelled,
# which an administrator stopping a workflow sends too.
practice_rejected = Signal()


class ReviewCommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment for the unit"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )


class RequiredReviewCommentForm(ReviewCommentForm):
    comment = forms.CharField(
        label=_("What the unit should change"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=True,
        error_messages={"required": _("Tell the unit what to change.")},
    )


class CloseReasonForm(ReviewCommentForm):
    comment = forms.CharField(
        label=_("Reason for rejecting"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=True,
        error_messages={"required": _("Give the unit the reason for rejecting the write-up.")},
    )


class PracticeReviewTask(GroupApprovalTask):
    """Review of a good practice by the Reviewer group: approve, request changes, or reject for good."""

    class Meta:
        verbose_name = _("good practice review")
        verbose_name_plural = _("good practice reviews")

    def get_actions(self, obj: Any, user: Any) -> list[tuple[str, Any, bool]]:
        if not (user.is_superuser or self._user_in_groups(user)):
            return []
        return [
            (REQUEST_CHANGES, _("Request changes"), True),
            # Wagtail's own labels: its editor adds "and Publish" to them on the last task.
            (APPROVE, _("Approve"), False),
            (APPROVE, _("Approve with comment"), True),
            (CLOSE, _("Reject (close the write-up)"), True),
        ]

    def start(self, workflow_state: Any, user: Any = None) -> TaskState:
        # The portal refuses to resubmit a rejected write-up; a reviewer or administrator who sends it to
        # review again from the admin reopens it.
        PracticeRejection.objects.filter(page_id=int(workflow_state.object_id)).delete()
        return super().start(workflow_state, user=user)

    def get_form_for_action(self, action: str) -> type[forms.Form]:
        if action == REQUEST_CHANGES:
            return RequiredReviewCommentForm
        if action == CLOSE:
            return CloseReasonForm
        return ReviewCommentForm

    @transaction.atomic
    def on_action(self, task_state: TaskState, user: Any, action_name: str, **kwargs: Any) -> None:
        if action_name == CLOSE:
            close_review(task_state, user, kwargs.get("comment", ""))
        else:
            super().on_action(task_state, user, action_name, **kwargs)

    @classmethod
    def get_description(cls) -> str:
        return str(
            _(
                "Reviewers approve and publish good practices, send them back to the unit for changes, "
                "or reject them with a reason."
            )
        )


def close_review(task_state: TaskState, user: Any, reason: str) -> None:
    """Reject the write-up for good: the task is marked rejected with the reason, the workflow is
    cancelled (so the page is not sent back for changes) and a PracticeRejection records the decision."""
    workflow_state = task_state.workflow_state
    task_state.reject(user=user, update=False, comment=reason)
    workflow_state.cancel(user=user)
    PracticeRejection.objects.update_or_create(
        page_id=int(workflow_state.object_id),
        defaults={"reason": reason, "rejected_by": user, "rejected_at": timezone.now()},
    )
    practice_rejected.send(sender=PracticeRejection, page_id=int(workflow_state.object_id), user=user, reason=reason)


class PracticeRejection(models.Model):
    """A write-up a reviewer rejected: closed, never published, not resubmittable as it is."""

    page = models.OneToOneField(
        "practices.GoodPracticePage", on_delete=models.CASCADE, related_name="rejection", verbose_name=_("write-up")
    )
    reason = models.TextField(_("reason"))
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rejected by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rejected_at = models.DateTimeField(_("rejected at"), default=timezone.now)

    class Meta:
        verbose_name = _("rejected write-up")
        verbose_name_plural = _("rejected write-ups")

    def __str__(self) -> str:
        return str(self.page)
