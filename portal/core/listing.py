"""Pagination shared by every listing page."""

from __future__ import annotations

from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PER_PAGE = 12


def paginate(request: HttpRequest, queryset: QuerySet | list, per_page: int = PER_PAGE) -> PaginatorPage:
    """The requested page of the listing; a missing, malformed or too large number gives the nearest page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
