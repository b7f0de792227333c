"""The player's own endpoints, inside the media: namespace (see media/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from media import player_views

urlpatterns: list[URLPattern] = [
    path("v/<uuid:key>/vi-tri/", player_views.position, name="position"),
]
