"""Admin screens of search: the acronym list, under Settings."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from search.models import Acronym


class AcronymViewSet(SnippetViewSet):
    model = Acronym
    icon = "search"
    menu_label = _("Acronyms")
    add_to_settings_menu = True
    # Searched in the database on the folded copies too, so "cqdt" and "kiem sat" find their rows.
    search_fields = ["short", "expansion", "short_key", "expansion_key"]
    search_backend_name = None
    list_display = ["short", "expansion", "active"]
    list_filter = ["active"]
    ordering = ["short_key"]
    form_fields = ["short", "expansion", "active"]


register_snippet(AcronymViewSet)
