"""Addresses for reading good practices, under /cach-lam-hay/ next to the section's own pages.

Included before Wagtail's catch-all: any other address below /cach-lam-hay/ still reaches the pages.
"""

from __future__ import annotations

from django.urls import path

from portal.practices import feeds, reading

app_name = "practices_reading"

urlpatterns = [
    path("feed/", feeds.practices_feed, name="feed"),
    path("feed/atom/", feeds.practices_atom_feed, name="atom_feed"),
    path("feed/<str:token>/", feeds.personal_feed, name="personal_feed"),
    path("feed/<str:token>/atom/", feeds.personal_atom_feed, name="personal_atom_feed"),
    path("<int:page_id>/huu-ich/", reading.mark_useful, name="mark_useful"),
]
