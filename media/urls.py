from __future__ import annotations

from django.urls import include, path

from media import views

app_name = "media"

urlpatterns = [
    # The upload and player routes come first: the catch-all file route below would swallow them.
    path("", include("media.upload_urls")),
    path("", include("media.player_urls")),
    path("v/<uuid:key>/goc/", views.original_file, name="original"),
    path("v/<uuid:key>/<path:path>", views.video_file, name="file"),
]
