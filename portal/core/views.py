"""Views of the portal's plumbing: health, protected media files, the favicon's old address."""

from __future__ import annotations

import hmac
import mimetypes
import posixpath
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from portal.core.health import run_checks

IMAGE_MEDIA_PREFIXES = ("images/", "original_images/")


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Status for anybody (a load balancer asks without logging in); the checks behind it — free disk, each
    worker's heartbeat, the search engine — only for staff or a monitor holding HEALTHZ_TOKEN."""
    healthy, checks = run_checks()
    # Degraded: users are served, with less (search answered by the database while its engine is away).
    degraded = any(isinstance(check, dict) and check.get("degraded") for check in checks.values())
    body: dict[str, object] = {"status": "ok" if healthy else "unhealthy", "degraded": degraded}
    if _may_see_health_details(request):
        body["checks"] = checks
    return JsonResponse(body, status=200 if healthy else 503)


def _may_see_health_details(request: HttpRequest) -> bool:
    user = request.user
    if user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser):
        return True
    expected = settings.HEALTHZ_TOKEN
    if not expected:
        return False
    # In the Authorization header only: a token in the address would be written to every access log.
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())


@login_not_required
@require_safe
def favicon(request: HttpRequest) -> HttpResponseBase:
    """Browsers and tools ask for /favicon.ico whatever the page links to: send them to the static file."""
    return redirect(static("favicon.ico"))


@require_GET
def serve_media(request: HttpRequest, path: str) -> HttpResponseBase:
    """Send an uploaded file to a logged-in user (the login middleware has checked that).

    Only image files are sent from here. Documents, recordings and attachments live under other
    folders of MEDIA_ROOT and are served by their own views, which check the user may see the page
    they belong to: this view must never become a way around those checks.
    """
    path = posixpath.normpath(path).lstrip("/")
    if not path.startswith(IMAGE_MEDIA_PREFIXES):
        raise Http404
    if settings.SERVE_MEDIA_WITH == "x-accel":
        # nginx fetches the file from MEDIA_ROOT or the bucket and answers 404 itself when there is none: asking
        # the storage first would cost a request to the bucket for every picture of every page.
        response = HttpResponse()
        response["X-Accel-Redirect"] = settings.SERVE_MEDIA_ACCEL_PREFIX + quote(path, safe="/")
        content_type, _ = mimetypes.guess_type(posixpath.basename(path))
        response["Content-Type"] = content_type or "application/octet-stream"
        return response
    # Through the storage, which is the local MEDIA_ROOT or a bucket (S3).
    try:
        exists = default_storage.exists(path)
    except Exception as exc:  # SuspiciousFileOperation on "../"
        raise Http404 from exc
    if not exists:
        raise Http404
    file_response = FileResponse(default_storage.open(path, "rb"), filename=posixpath.basename(path))
    file_response["Cache-Control"] = "private, max-age=3600"
    return file_response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's own page for a refused form is in English and speaks of cookies and referers: say in plain
    Vietnamese what happened and what to do."""
    return render(request, "403_csrf.html", status=403)
