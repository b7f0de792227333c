"""Public (logged-in) views of media/: every byte of a recording goes through a permission check."""

from __future__ import annotations

import posixpath

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from media.models import Video
from media.permissions import can_manage, can_view
from media.serving import send_stored_file


def video_for(request: HttpRequest, key: str) -> Video:
    """The video, if this user may see it; 404 otherwise (never reveal that it exists)."""
    video = get_object_or_404(Video, key=key)
    if not can_view(request.user, video):
        raise Http404
    return video


@require_safe
def video_file(request: HttpRequest, key: str, path: str) -> HttpResponseBase:
    """A file of a ready video's published outputs: playlists, segments, poster, storyboard."""
    video = video_for(request, key)
    clean = posixpath.normpath(path).lstrip("/")
    if not video.output_dir or clean.startswith("..") or clean == ".":
        raise Http404
    return send_stored_file(request, f"{video.output_dir}/{clean}")


@require_safe
def original_file(request: HttpRequest, key: str) -> HttpResponseBase:
    """The original upload, for editors only (it may be large and unedited)."""
    video = get_object_or_404(Video, key=key)
    if not can_manage(request.user):
        raise Http404
    return send_stored_file(request, video.original.name, download_as=video.original_name or "recording")
