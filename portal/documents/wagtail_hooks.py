"""Wagtail hooks of the portal's documents: the download rule, and no document links in rich text."""

from __future__ import annotations

from typing import Any

from wagtail import hooks

from portal.documents.access import check_download

hooks.register("before_serve_document", check_download)


# After wagtail.documents has added it (hooks of the same order run in INSTALLED_APPS order).
@hooks.register("register_rich_text_features", order=100)
def no_document_links_in_rich_text(features: Any) -> None:
    """A page shows documents in its own lists, which the download rule reads (portal.documents.access); a
    link in rich text would reach viewers who are then refused, so the editor does not offer one."""
    if "document-link" in features.default_features:
        features.default_features.remove("document-link")
