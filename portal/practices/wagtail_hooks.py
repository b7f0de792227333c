"""Admin screens of the good-practices app."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from portal.practices.models import FieldOfWork
from portal.practices.visibility import can_download_document


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


@hooks.register("before_serve_document")
def keep_unpublished_practice_files_private(document: Any, request: HttpRequest) -> HttpResponse | None:
    """A file of an unpublished write-up exists only for those who may see the write-up (404 for others)."""
    if can_download_document(request.user, document) is False:
        raise Http404
    return None
