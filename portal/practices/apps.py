from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticesConfig(AppConfig):
    name = "portal.practices"
    label = "practices"
    verbose_name = _("Good practices")

    def ready(self) -> None:
        from portal.practices import document_policy

        document_policy.register()
