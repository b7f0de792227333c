"""The search page. For now it searches page titles and text through Wagtail's database search;
the search issue replaces the engine behind it with Vietnamese-aware search."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from wagtail.models import Page

from portal.core.listing import paginate

MAX_QUERY_LENGTH = 200


def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    results = None
    if query:
        pages = Page.objects.live().public().specific().search(query)
        results = paginate(request, list(pages))
    return render(request, "search/search.html", {"query": query, "results": results})
