"""The user's notifications: the list, opening one (which marks it read), and marking all read."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.core.listing import paginate
from portal.notifications.models import Notification, NotificationQuerySet


def _notifications_for(request: HttpRequest) -> NotificationQuerySet:
    return Notification.objects.filter(recipient_id=request.user.pk)


def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = _notifications_for(request).select_related("actor")
    return render(
        request,
        "notifications/notification_list.html",
        {"notifications": paginate(request, notifications), "unread_count": notifications.unread().count()},
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
