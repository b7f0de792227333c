"""Public (logged-in) views of media/: every byte of a recording goes through a permission check — once per
viewing for the stream itself: the master playlist is checked here and names its renditions and segments at
signed addresses (media/signing.py) that nginx, or `signed_hls_file` without nginx, checks without the database."""

from __future__ import annotations

import posixpath

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from media import signing
from media.models import Video
from media.permissions import can_manage, can_view
from media.serving import CONTENT_TYPES, send_stored_file


def video_for(request: HttpRequest, key: str) -> Video:
    """The video, if this user may see it; 404 otherwise (never reveal that it exists)."""
    video = get_object_or_404(Video, key=key)
    if not can_view(request.user, video):
        raise Http404
    return video


def signed_prefix_for(request: HttpRequest, video: Video) -> signing.SignedPrefix:
    """The signed /hls/ prefix of the video's outputs, for this request's session (404 without outputs)."""
    session = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    if not video.output_dir or not session or not signing.OUTPUT_DIR_PATTERN.match(video.output_dir):
        raise Http404
    return signing.sign(video.output_dir, session)


@require_safe
def video_file(request: HttpRequest, key: str, path: str) -> HttpResponseBase:
    """A file of a ready video's published outputs: playlists, poster, storyboard (and segments, for old pages).

    A playlist is sent with the URIs it lists made absolute under the signed prefix: the master's renditions and
    audio group, or the audio-only rendition's segments, are then fetched from /hls/ without a database query."""
    video = video_for(request, key)
    clean = posixpath.normpath(path).lstrip("/")
    if not video.output_dir or clean.startswith("..") or clean == ".":
        raise Http404
    if clean.endswith(".m3u8"):
        return signed_playlist(request, video, clean)
    return send_stored_file(request, f"{video.output_dir}/{clean}")


def signed_playlist(request: HttpRequest, video: Video, clean: str) -> HttpResponse:
    signed = signed_prefix_for(request, video)
    try:
        with default_storage.open(f"{video.output_dir}/{clean}", "rb") as handle:
            text = handle.read().decode("utf-8")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    body = signing.rewrite_playlist(text, signed.prefix, posixpath.dirname(clean))
    response = HttpResponse(body, content_type=CONTENT_TYPES[".m3u8"])
    # Bound to this session and expiring: asked again every time (as every playlist is), never kept by a proxy.
    response["Cache-Control"] = "private, no-cache"
    return response


@require_safe
def hls_signature(request: HttpRequest, key: str) -> JsonResponse:
    """A fresh signed prefix for the player, which renews it before the one it plays from expires. Checks
    permission again: a user who lost access is refused here (404) and stops getting segments."""
    video = video_for(request, key)
    signed = signed_prefix_for(request, video)
    response = JsonResponse(
        {"prefix": signed.prefix, "expires": signed.expires, "seconds": signed.seconds_left()},
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_not_required  # the signature is the check: it binds the address to the session cookie
@require_safe
def signed_hls_file(request: HttpRequest, token: str, expires: str, output_dir: str, path: str) -> HttpResponseBase:
    """/hls/<token>/<expires>/<output_dir>/<path> without nginx (SERVE_MEDIA_WITH=django, `make run`): the same
    check as nginx's secure_link, without a database query, then the file. 403 for a missing or wrong signature,
    410 for an expired one (the player asks for a fresh prefix and tries again)."""
    verdict = signing.verify(token, expires, output_dir, request.COOKIES.get(settings.SESSION_COOKIE_NAME, ""))
    if verdict is signing.Verdict.EXPIRED:
        return HttpResponse(status=410)
    if verdict is not signing.Verdict.VALID:
        return HttpResponse(status=403)
    return send_stored_file(request, f"{output_dir}/{path}")


@require_safe
def original_file(request: HttpRequest, key: str) -> HttpResponseBase:
    """The original upload, for editors only (it may be large and unedited)."""
    video = get_object_or_404(Video, key=key)
    if not can_manage(request.user):
        raise Http404
    return send_stored_file(request, video.original.name, download_as=video.original_name or "recording")
