"""The player's own endpoints, inside the media: namespace (see media/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from media import caption_views, player_views, views

urlpatterns: list[URLPattern] = [
    path("v/<uuid:key>/vi-tri/", player_views.position, name="position"),
    path("v/<uuid:key>/dia-chi-phat/", views.hls_signature, name="hls_signature"),
    path("v/<uuid:key>/phu-de.vtt", caption_views.captions, name="captions"),
    path("v/<uuid:key>/loi-thoai.txt", caption_views.transcript_text, name="transcript_text"),
    path("v/<uuid:key>/loi-thoai.json", caption_views.transcript_json, name="transcript_json"),
]
