from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    name = "portal.home"
    label = "home"
    verbose_name = _("Home and topics")

    def ready(self) -> None:
        from portal.home import topic_field

        topic_field.register()
