"""The unit's pages for good practices, under the section's own address (/cach-lam-hay/...).

Included in portal/urls.py before Wagtail's catch-all; /cach-lam-hay/ itself stays the Wagtail section page.
"""

from __future__ import annotations

from django.urls import path

from portal.practices import views

app_name = "practices"

urlpatterns = [
    path("gui/", views.submit, name="submit"),
    path("cua-don-vi/", views.mine, name="mine"),
    path("<int:page_id>/sua/", views.edit, name="edit"),
    path("<int:page_id>/xem-truoc/", views.preview, name="preview"),
]
