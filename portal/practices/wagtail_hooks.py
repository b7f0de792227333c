"""Admin screens of the good-practices app."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from wagtail.admin.ui.tables import BooleanColumn
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from portal.practices.models import FieldOfWork


class FieldOfWorkViewSet(SnippetViewSet):
    model = FieldOfWork
    icon = "tag"
    menu_label = _("Fields of work")
    add_to_settings_menu = True
    search_fields = ["name"]
    search_backend_name = None
    list_display = [
        "name",
        "sort_order",
        BooleanColumn("active", label=FieldOfWork._meta.get_field("active").verbose_name),
    ]
    ordering = ["sort_order", "name"]


register_snippet(FieldOfWorkViewSet)
