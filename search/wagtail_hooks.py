"""Admin screens of search: the acronym list, under Settings, and the report of searches without results,
under Reports."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from search.models import Acronym
from search.reports import ZeroResultReportView, may_view_report


class AcronymViewSet(SnippetViewSet):
    model = Acronym
    icon = "search"
    menu_label = _("Acronyms")
    add_to_settings_menu = True
    # Searched in the database on the folded copies too, so "cqdt" and "kiem sat" find their rows.
    search_fields = ["short", "expansion", "short_key", "expansion_key"]
    search_backend_name = None
    list_display = ["short", "expansion", BooleanColumn("active", label=Acronym._meta.get_field("active").verbose_name)]
    list_filter = ["active"]
    ordering = ["short_key"]
    form_fields = ["short", "expansion", "active"]


register_snippet(AcronymViewSet)


class ZeroResultReportMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return may_view_report(request.user)


@hooks.register("register_admin_urls")
def register_zero_result_report_urls() -> list[URLPattern]:
    return [
        path("reports/searches-without-results/", ZeroResultReportView.as_view(), name="search_zero_results"),
        path(
            "reports/searches-without-results/results/",
            ZeroResultReportView.as_view(results_only=True),
            name="search_zero_results_results",
        ),
    ]


@hooks.register("register_reports_menu_item")
def register_zero_result_report_menu_item() -> MenuItem:
    return ZeroResultReportMenuItem(
        _("Searches without results"),
        reverse("search_zero_results"),
        name="searches-without-results",
        icon_name="search",
        order=1350,
    )


@hooks.register("register_permissions")
def register_zero_result_report_permission() -> QuerySet[Any]:
    """Offered in the admin's group editor, so administrators can give the report to more roles."""
    return Permission.objects.filter(content_type__app_label="search", codename="view_zeroresultquery")
