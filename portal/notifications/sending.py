"""Create notifications and send their e-mails once the change that caused them is committed.

E-mails go after commit so that a rolled-back review sends nothing, and a mail server that is down
never undoes a reviewer's decision: a failed e-mail is logged, the notification in the portal stays.
Each e-mail is written in its recipient's language (their admin profile's choice; Vietnamese otherwise).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from portal.notifications.models import Kind, Notification

logger = logging.getLogger(__name__)


def notify(
    recipients: Iterable[Any],
    kind: Kind,
    *,
    page: Any,
    title: str,
    url: str,
    message: str = "",
    actor: Any = None,
) -> list[Notification]:
    """One notification per distinct recipient, and after commit one e-mail each.

    Nobody is told of their own move: the submitter knows they sent the write-up, the reviewer that they
    approved it."""
    unique = {user.pk: user for user in recipients if user is not None and user.is_active}
    if actor is not None:
        unique.pop(actor.pk, None)
    rows = Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind=kind,
                page=page,
                title=title[:255],
                message=message,
                actor=actor,
                url=url[:500],
            )
            for user in unique.values()
        ]
    )
    ids = [row.pk for row in rows]
    if ids:
        transaction.on_commit(lambda: send_emails(ids))
    return rows


def language_of(user: Any) -> str:
    """The language a user reads the portal in: their chosen one if set, else the site's (Vietnamese)."""
    try:
        chosen = user.wagtail_userprofile.preferred_language
    except ObjectDoesNotExist:
        chosen = ""
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def absolute_url(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + url


def render_email(notification: Notification) -> EmailMessage:
    with translation.override(language_of(notification.recipient)):
        context = {
            "notification": notification,
            "link": absolute_url(notification.url),
            "recipient": notification.recipient,
            "SITE_NAME": settings.WAGTAIL_SITE_NAME,
        }
        subject = " ".join(render_to_string("notifications/email_subject.txt", context).split())
        body = render_to_string("notifications/email.txt", context).strip() + "\n"
    return EmailMessage(subject=subject, body=body, to=[notification.recipient.email])


def send_emails(notification_ids: list[int]) -> int:
    """Send the e-mail of each notification whose recipient has an address; returns how many were sent."""
    notifications = Notification.objects.filter(pk__in=notification_ids).select_related("recipient")
    sent = 0
    try:
        with get_connection() as connection:
            for notification in notifications:
                if not notification.recipient.email:
                    continue
                message = render_email(notification)
                message.connection = connection
                try:
                    message.send()
                    sent += 1
                except Exception:
                    logger.exception("Could not send notification %s to %s", notification.pk, notification.recipient)
    except Exception:
        logger.exception("Could not reach the mail server: notification e-mails not sent")
    return sent
