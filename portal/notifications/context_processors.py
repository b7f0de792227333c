from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from portal.notifications.models import Notification


def notifications(request: HttpRequest) -> dict[str, Callable[[], int]]:
    """The header's unread count. A callable, so the query runs only on pages that show it."""
    user: Any = getattr(request, "user", None)

    def unread_notification_count() -> int:
        if user is None or not user.is_authenticated:
            return 0
        return Notification.objects.filter(recipient_id=user.pk).unread().count()

    return {"unread_notification_count": unread_notification_count}
