from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from wagtail.users.apps import WagtailUsersAppConfig


class UnitsConfig(AppConfig):
    name = "portal.units"
    label = "units"
    verbose_name = _("Units and users")


class PortalUsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's user admin, with the forms that ask for the user's unit."""

    user_viewset = "portal.units.users_admin.PortalUserViewSet"
