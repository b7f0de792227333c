"""/hls/<token>/<expires>/<output_dir>/<file>: signed renditions and segments (media/signing.py). Included at the
site's root by portal/urls.py; behind nginx, deploy/nginx/hls.conf answers these addresses and Django never sees
them."""

from __future__ import annotations

from django.urls import URLPattern, re_path

from media import signing, views

urlpatterns: list[URLPattern] = [
    re_path(signing.ADDRESS.pattern.replace("^/", "^", 1), views.signed_hls_file, name="hls_file"),
]
