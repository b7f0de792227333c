"""What the portal tells a user: a write-up was submitted, sent back, published or rejected.

Each notification is also sent by e-mail; the row is what the header's unread count and the
notifications page read. The sentence is built when it is shown, in the reader's language; only the
reviewer's own words (a comment, a reason) are stored as text.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted for review")
    TO_REVIEW = "to_review", _("Waiting for review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved and published")
    REJECTED = "rejected", _("Rejected")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("event"), max_length=32, choices=Kind.choices)
    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The write-up's title when it happened: still readable if the page is renamed or deleted.
    title = models.CharField(_("title"), max_length=255)
    message = models.TextField(_("message"), blank=True, help_text=_("The reviewer's comment or reason."))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.headline

    @property
    def headline(self) -> str:
        """One sentence saying what happened, in the active language."""
        return self.sentence(self.kind)

    def sentence(self, kind: str) -> str:
        """The sentence of a kind of event about this notification's write-up."""
        templates = {
            Kind.SUBMITTED: gettext('"%(title)s" was sent to the reviewers.'),
            Kind.TO_REVIEW: gettext('A good practice is waiting for your review: "%(title)s".'),
            Kind.CHANGES_REQUESTED: gettext('The reviewers asked for changes to "%(title)s".'),
            Kind.APPROVED: gettext('"%(title)s" was approved and published.'),
            Kind.REJECTED: gettext('"%(title)s" was rejected.'),
        }
        template = templates.get(Kind(kind)) if kind in Kind.values else None
        return (template or "%(title)s") % {"title": self.title}

    @property
    def is_unread(self) -> bool:
        return self.read_at is None
