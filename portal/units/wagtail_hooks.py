"""The units admin: a snippet viewset with search and filters, and users edited with their unit."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import ProtectedError
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import DeleteView, SnippetViewSet

import django_filters

from portal.units.models import Unit, UnitKind


class UnitFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=UnitKind.choices)
    parent = django_filters.ModelChoiceFilter(label=_("parent unit"), queryset=Unit.objects.all())
    active = django_filters.BooleanFilter(label=_("active"))

    class Meta:
        model = Unit
        fields = ["kind", "parent", "active"]


class UnitDeleteView(DeleteView):
    """A unit that still has staff, sub-units or content cannot be deleted (the database protects them): say so
    in plain words and keep it, instead of a server error. Marking it inactive is what an administrator wants."""

    def form_valid(self, form) -> HttpResponse:
        try:
            return super().form_valid(form)
        except ProtectedError as error:
            kinds = sorted({str(item._meta.verbose_name_plural) for item in error.protected_objects})
            messages.error(
                self.request,
                _(
                    "“%(unit)s” was not deleted: %(what)s still belong to it. Move them to another unit first, or "
                    "untick “active” to keep the unit out of new choices."
                )
                % {"unit": self.object, "what": ", ".join(kinds)},
            )
            return HttpResponseRedirect(self.get_success_url())


class UnitViewSet(SnippetViewSet):
    model = Unit
    delete_view_class = UnitDeleteView
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
