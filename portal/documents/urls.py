"""Wagtail's document addresses, served by portal.documents.views (Document.url reverses "wagtaildocs_serve")."""

from __future__ import annotations

from django.urls import path, re_path

from wagtail.documents.views import serve as wagtail_serve

from portal.documents import views

urlpatterns = [
    re_path(r"^(\d+)/(.*)$", views.serve, name="wagtaildocs_serve"),
    path(
        "authenticate_with_password/<int:restriction_id>/",
        wagtail_serve.authenticate_with_password,
        name="wagtaildocs_authenticate_with_password",
    ),
]
