"""The admin report of searches that found nothing (Reports → Searches without results).

Editors read it to find missing content, a missing acronym or a topic named differently from how staff
think of it. Most searched first; filtered by when the query was last searched; exported as CSV or XLSX by
Wagtail's ReportView. Seen by whoever has `search.view_zeroresultquery` (granted to editor roles) and by
superusers.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from wagtail.admin.auth import permission_denied
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import DateColumn, NumberColumn, TitleColumn
from wagtail.admin.views.reports import ReportView

from django_filters import DateFromToRangeFilter

from search.models import ZeroResultQuery
from search.text import tokens

PERMISSION = "search.view_zeroresultquery"


def may_view_report(user: Any) -> bool:
    return bool(user.is_active and user.has_perm(PERMISSION))


def _search_page_url(row: ZeroResultQuery) -> str:
    """The public search for the query, so an editor can see what staff saw."""
    return f"{reverse('search')}?{urlencode({'q': row.query})}"


class ZeroResultQueryFilterSet(WagtailFilterSet):
    last_searched = DateFromToRangeFilter(label=_("Last searched"), widget=DateRangePickerWidget)

    class Meta:
        model = ZeroResultQuery
        fields: list[str] = []


class ZeroResultReportView(ReportView):
    page_title = _("Searches without results")
    header_icon = "search"
    model = ZeroResultQuery
    is_searchable = True
    filterset_class = ZeroResultQueryFilterSet
    default_ordering = "-count"
    index_url_name = "search_zero_results"
    index_results_url_name = "search_zero_results_results"
    columns = [
        TitleColumn("query", label=_("Query"), get_url=_search_page_url, sort_key="query"),
        NumberColumn("count", label=_("Times searched"), sort_key="count"),
        DateColumn("last_searched", label=_("Last searched"), sort_key="last_searched"),
        DateColumn("first_searched", label=_("First searched"), sort_key="first_searched"),
    ]
    list_export = ["query", "count", "last_searched", "first_searched"]
    export_headings = {
        "query": _("Query"),
        "count": _("Times searched"),
        "last_searched": _("Last searched"),
        "first_searched": _("First searched"),
    }

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not may_view_report(request.user):
            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self) -> QuerySet[ZeroResultQuery]:
        return ZeroResultQuery.objects.all()

    def order_queryset(self, queryset: QuerySet[ZeroResultQuery]) -> QuerySet[ZeroResultQuery]:
        # Ties (same count) newest first, so the report reads the same page after page.
        ordered = super().order_queryset(queryset)
        return ordered.order_by(*ordered.query.order_by, "-last_searched", "pk")

    def search_queryset(self, queryset: QuerySet[ZeroResultQuery]) -> QuerySet[ZeroResultQuery]:
        # On the folded key too, so "dao tao" finds "đào tạo" whichever way it was typed.
        if not self.is_searching:
            return queryset
        folded = " ".join(tokens(self.search_query))
        match = Q(query__icontains=self.search_query)
        if folded:
            match |= Q(key__contains=folded)
        return queryset.filter(match)
