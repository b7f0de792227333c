from __future__ import annotations

from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "portal.documents"
    label = "portal_documents"  # "documents" reads as Wagtail's own app (wagtaildocs)

    def ready(self) -> None:
        from django.core import checks

        from portal.documents.checks import documents_go_through_the_portal

        checks.register(documents_go_through_the_portal)
