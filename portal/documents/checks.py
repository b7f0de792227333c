"""A system check: every document link goes through the portal's serving view, where the access rule runs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

# None lets Wagtail pick "serve_view" or "redirect" by the storage: both pass through the view.
SERVE_METHODS = (None, "serve_view", "redirect")


def documents_go_through_the_portal(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    method = getattr(settings, "WAGTAILDOCS_SERVE_METHOD", None)
    if method in SERVE_METHODS:
        return []
    return [
        checks.Error(
            f"WAGTAILDOCS_SERVE_METHOD is {method!r}: documents would be linked without the portal's permission check.",
            hint="Use 'serve_view' (the portal sends the file, through nginx with SERVE_MEDIA_WITH=x-accel) or "
            "'redirect' (a short-lived storage address, given only after the check).",
            id="portal_documents.E001",
        )
    ]
