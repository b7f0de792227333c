"""Notifications in the portal, under /thong-bao/."""

from __future__ import annotations

from django.urls import path

from portal.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:notification_id>/", views.open_notification, name="open"),
    path("da-doc-het/", views.mark_all_read, name="mark_all_read"),
]
