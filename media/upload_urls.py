"""Endpoints of the resumable upload (the protocol is described in media/upload.py), under /media/."""

from __future__ import annotations

from django.urls import URLPattern, path

from media import upload_views

urlpatterns: list[URLPattern] = [
    path("tai-len/", upload_views.create_session, name="upload_create"),
    path("tai-len/<uuid:key>/", upload_views.session_detail, name="upload_session"),
    path("tai-len/<uuid:key>/xong/", upload_views.complete_session, name="upload_complete"),
]
