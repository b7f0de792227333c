"""The user's notifications: the list, opening one (which marks it read), and marking all read.

The list shows each write-up's state as it is now (read from its review, as "my unit's write-ups" does), not
as it was when the notification was made: a reviewer's "waiting for your review" of a write-up since
published says so.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.core.listing import paginate
from portal.notifications.models import Kind, Notification, NotificationQuerySet
from portal.practices.models import GoodPracticePage
from portal.practices.workflow import SubmissionStatus, submission_states


def _notifications_for(request: HttpRequest) -> NotificationQuerySet:
    return Notification.objects.filter(recipient_id=request.user.pk)


def with_states_now(notifications: list[Notification]) -> list[Notification]:
    """Give each notification its write-up's state now (`state_now`, None once the write-up is deleted) and
    the sentence to show (`shown_headline`): a request to review what is no longer in review reads as the
    submission it was."""
    pages = GoodPracticePage.objects.filter(pk__in={n.page_id for n in notifications if n.page_id is not None})
    states = submission_states(pages)
    for notification in notifications:
        state = states.get(notification.page_id) if notification.page_id is not None else None
        notification.state_now = state  # type: ignore[attr-defined]
        settled = notification.kind == Kind.TO_REVIEW and (state is None or state.status != SubmissionStatus.IN_REVIEW)
        notification.shown_headline = (  # type: ignore[attr-defined]
            notification.sentence(Kind.SUBMITTED) if settled else notification.headline
        )
    return notifications


def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = _notifications_for(request).select_related("actor")
    page_obj = paginate(request, notifications)
    page_obj.object_list = with_states_now(list(page_obj.object_list))
    return render(
        request,
        "notifications/notification_list.html",
        {"notifications": page_obj, "unread_count": notifications.unread().count()},
    )


def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = get_object_or_404(_notifications_for(request), pk=notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return redirect("notifications:list")


@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = _notifications_for(request).unread().update(read_at=timezone.now())
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:list")
