"""The units admin: a snippet viewset with search and filters, and users edited with their unit."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

import django_filters

from portal.units.models import Unit, UnitKind


class UnitFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=UnitKind.choices)
    parent = django_filters.ModelChoiceFilter(label=_("parent unit"), queryset=Unit.objects.all())
    active = django_filters.BooleanFilter(label=_("active"))

    class Meta:
        model = Unit
        fields = ["kind", "parent", "active"]


class UnitViewSet(SnippetViewSet):
    model = Unit
    icon = "group"
    menu_label = _("Units")
    menu_order = 150
    add_to_admin_menu = True
    search_fields = ["name", "short_name", "code"]
    search_backend_name = None  # plain database lookups: no separate index to keep in step
    filterset_class = UnitFilterSet
    list_display = [
        "name",
        Column("short_name", label=_("short name")),
        Column("code", label=_("code")),
        Column("get_kind_display", label=_("kind")),
        Column("parent", label=_("parent unit")),
        BooleanColumn("active", label=_("active")),
    ]
    list_per_page = 50
    ordering = ["sort_order", "name"]
    panels = [
        FieldPanel("name"),
        FieldPanel("short_name"),
        FieldPanel("code"),
        FieldPanel("kind"),
        FieldPanel("parent"),
        FieldPanel("sort_order"),
        FieldPanel("active"),
    ]


register_snippet(UnitViewSet)
