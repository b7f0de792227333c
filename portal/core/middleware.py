"""Request handling of the portal as a whole: who may enter, and in which language.

Every page and every file of the portal needs a logged-in user.

Django's LoginRequiredMiddleware does the work; this subclass only knows which of the views we did
not write (Wagtail's admin login, password reset) must stay open, since they cannot carry Django's
``login_not_required`` decorator themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import check_for_language

OPEN_URL_NAMES = frozenset(
    {
        "wagtailadmin_login",
        "wagtailadmin_password_reset",
        "wagtailadmin_password_reset_done",
        "wagtailadmin_password_reset_confirm",
        "wagtailadmin_password_reset_complete",
        # what the admin login page itself loads: its translations and its icons
        "wagtailadmin_javascript_catalog",
        "wagtailadmin_sprite",
        "set_language",
        "javascript-catalog",
    }
)


class PortalLoginRequiredMiddleware(LoginRequiredMiddleware):
    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponseBase | None:
        # Open views are let through before Django's check reads request.user: that costs the session's and the
        # user's queries, which the signed HLS segments (media.views.signed_hls_file) must not make.
        if not getattr(view_func, "login_required", True):
            return None
        match = request.resolver_match
        if match is not None and match.url_name in OPEN_URL_NAMES:
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class VietnameseFirstLocaleMiddleware(LocaleMiddleware):
    """Vietnamese unless the user chose another language with the switcher.

    Django's LocaleMiddleware would follow the browser's Accept-Language, and many office computers
    run an English browser: the portal must still speak Vietnamese to them.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        available = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in available and check_for_language(chosen) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class NoStoredErrorsMiddleware:
    """An error is never kept by a browser or a proxy: every 4xx/5xx answer gets ``Cache-Control: no-store``.

    Views that send files set long cache headers (a segment is "immutable" for a year) before they know whether
    the file can be sent, and a refusal or a missing file must not be kept in its place: the 403 of someone
    given access a minute later, or the 404 of a recording still being published, would otherwise be served
    again from the browser's cache. First in MIDDLEWARE, so it has the last word on every answer.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.status_code >= 400:
            response["Cache-Control"] = "no-store"
            for header in ("Expires", "ETag", "Last-Modified"):
                if header in response:
                    del response[header]
        return response
