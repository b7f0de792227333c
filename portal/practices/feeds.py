"""Feeds (RSS and Atom) of newly published good practices, for the sector's intranet feed readers.

Logged-in staff read /cach-lam-hay/feed/. Feed readers cannot log in, so each user also has a personal
address carrying a signed token: it names the user and a fingerprint of their password hash, so it stops
working when the user is deactivated or changes their password (the way to revoke a leaked address).
Only that address is open without a session (Django's ``login_not_required``, which the portal's
login-required middleware honours); what it serves is the same list every member of staff can read.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.decorators import login_not_required
from django.contrib.syndication.views import Feed
from django.core import signing
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.translation import gettext as _

from portal.practices.models import GoodPracticeIndexPage, GoodPracticePage

FEED_SIZE = 30
SIGNING_SALT = "portal.practices.feeds.personal"


def password_fingerprint(user: AbstractBaseUser) -> str:
    return salted_hmac(SIGNING_SALT, user.password, algorithm="sha256").hexdigest()[:16]


def feed_token(user: AbstractBaseUser) -> str:
    return signing.dumps([user.pk, password_fingerprint(user)], salt=SIGNING_SALT)


def user_for_feed_token(token: str) -> AbstractBaseUser | None:
    """The active user a personal feed token was made for, or None for a forged, stale or foreign token."""
    try:
        user_id, fingerprint = signing.loads(token, salt=SIGNING_SALT)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not constant_time_compare(str(fingerprint), password_fingerprint(user)):
        return None
    return user


def personal_feed_url(request: HttpRequest) -> str:
    """The logged-in user's own feed address, to paste into a feed reader."""
    if not request.user.is_authenticated:
        return ""
    path = reverse("practices_reading:personal_feed", args=[feed_token(request.user)])
    return request.build_absolute_uri(path)


def published_practices() -> QuerySet[GoodPracticePage]:
    return (
        GoodPracticePage.objects.live()
        .public()
        .select_related("unit", "field_of_work")
        .order_by("-first_published_at", "-pk")
    )


class NewPracticesFeed(Feed):
    """The newest published write-ups. One instance per request: it keeps the request to build links."""

    def __init__(self, request: HttpRequest, feed_type: type[SyndicationFeed] = Rss201rev2Feed) -> None:
        super().__init__()
        self.request = request
        self.feed_type = feed_type

    def title(self) -> str:
        return _("New good practices — %(site)s") % {"site": settings.WAGTAIL_SITE_NAME}

    def description(self) -> str:
        return _("Good practices newly published for the whole sector.")

    def link(self) -> str:
        index = GoodPracticeIndexPage.objects.live().first()
        return self.request.build_absolute_uri((index.get_url(self.request) if index else None) or "/")

    def items(self) -> QuerySet[GoodPracticePage]:
        return published_practices()[:FEED_SIZE]

    def item_title(self, item: GoodPracticePage) -> str:
        return item.title

    def item_description(self, item: GoodPracticePage) -> str:
        return item.summary

    def item_link(self, item: GoodPracticePage) -> str:
        return self.request.build_absolute_uri(item.get_url(self.request) or "/")

    def item_author_name(self, item: GoodPracticePage) -> str | None:
        return item.unit.name if item.unit else None

    def item_categories(self, item: GoodPracticePage) -> list[str]:
        return [item.field_of_work.name] if item.field_of_work else []

    def item_pubdate(self, item: GoodPracticePage) -> datetime.datetime | None:
        return item.first_published_at

    def item_updateddate(self, item: GoodPracticePage) -> datetime.datetime | None:
        return item.last_published_at


def practices_feed(request: HttpRequest) -> HttpResponse:
    return NewPracticesFeed(request)(request)


def practices_atom_feed(request: HttpRequest) -> HttpResponse:
    return NewPracticesFeed(request, Atom1Feed)(request)


def _personal(request: HttpRequest, token: str, feed_type: type[SyndicationFeed]) -> HttpResponse:
    if user_for_feed_token(token) is None:
        raise Http404("Unknown feed address")
    return NewPracticesFeed(request, feed_type)(request)


@login_not_required
def personal_feed(request: HttpRequest, token: str) -> HttpResponse:
    return _personal(request, token, Rss201rev2Feed)


@login_not_required
def personal_atom_feed(request: HttpRequest, token: str) -> HttpResponse:
    return _personal(request, token, Atom1Feed)
