"""Public addresses of search: the page and the JSON API (included at the site's root by portal/urls.py).

The page keeps its historical name "search" (menus and templates reverse it), so these patterns carry no
namespace.
"""

from __future__ import annotations

from django.urls import path

from search import api, views

urlpatterns = [
    path("tim-kiem/", views.search, name="search"),
    path("api/v1/search/", api.search, name="search_api"),
    path("api/v1/search/complete/", api.suggestions, name="search_complete"),
]
