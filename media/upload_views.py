"""Views of the resumable upload: the JSON endpoints (protocol in media/upload.py) and the admin page.

The endpoints are called by the admin page's script with the CSRF token in ``X-CSRFToken``; they answer
JSON, errors included (``{"error": <message for the editor>, "code": <for code>, "offset"?}``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db.models import F
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic import TemplateView

from wagtail.admin.auth import permission_required
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from media import upload
from media.models import UploadSession, Video
from media.upload import UploadRefused

UPLOAD_PERMISSION = "media.add_video"
# Stands for a session key in the URL templates the page hands to its script.
KEY_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def video_admin_url(video: Video) -> str:
    """The recording's page in the admin (media.admin.VideoViewSet's edit view)."""
    return reverse("media_videos:edit", args=[video.pk])


def describe_video(video: Video) -> dict[str, Any]:
    return {
        "id": video.pk,
        "title": video.title,
        "state": video.state,
        "state_label": str(_("Saving the original to storage"))
        if upload.is_being_stored(video)
        else str(video.get_state_display()),
        "error": video.error,
        "admin_url": video_admin_url(video),
    }


def describe(session: UploadSession) -> dict[str, Any]:
    return {
        "key": str(session.key),
        "filename": session.filename,
        "title": session.title,
        "size": session.size_bytes,
        "offset": session.offset,
        "checked": session.checked,
        "complete": session.complete,
        "error": session.error,
        "url": reverse("media:upload_session", kwargs={"key": session.key}),
        "complete_url": reverse("media:upload_complete", kwargs={"key": session.key}),
        "video": describe_video(session.video) if session.video else None,
    }


def _answer(data: dict[str, Any], *, status: int = 200, offset: int | None = None) -> JsonResponse:
    response = JsonResponse(data, status=status)
    if offset is not None:
        response["Upload-Offset"] = str(offset)
    response["Cache-Control"] = "no-store"
    return response


def _refused(refused: UploadRefused) -> JsonResponse:
    data: dict[str, Any] = {"error": refused.message, "code": refused.code}
    if refused.offset is not None:
        data["offset"] = refused.offset
    response = _answer(data, status=refused.status, offset=refused.offset)
    if refused.status == upload.CHECKSUM_STATUS:
        response.reason_phrase = "Checksum Mismatch"
    return response


def uploader_required(view: View) -> View:
    """Logged in (else to the login page) and allowed to add recordings (else 403, in JSON)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.has_perm(UPLOAD_PERMISSION):
            return _answer({"error": _("You are not allowed to upload recordings."), "code": "forbidden"}, status=403)
        try:
            return view(request, *args, **kwargs)
        except UploadRefused as refused:
            return _refused(refused)

    return wrapped  # type: ignore[return-value]


def _session_for(request: HttpRequest, key: str) -> UploadSession:
    """The session, if it is this user's; 404 otherwise (never reveal that it exists)."""
    return get_object_or_404(UploadSession.objects.select_related("video"), key=key, user=request.user)


def _json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        payload = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict):
        raise UploadRefused(400, "invalid", _("The upload request is not valid."))
    return payload


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise UploadRefused(400, "invalid", _("The upload request is not valid."))
    try:
        return int(value)
    except ValueError:
        raise UploadRefused(400, "invalid", _("The upload request is not valid.")) from None


def _text(payload: dict[str, Any], name: str) -> str:
    value = payload.get(name) or ""
    return value if isinstance(value, str) else ""


def _read_chunk(request: HttpRequest) -> bytes:
    """The request's body, read from the stream (Django's DATA_UPLOAD_MAX_MEMORY_SIZE is for forms)."""
    length_header = request.headers.get("Content-Length")
    if length_header is None:
        raise UploadRefused(411, "length_required", _("The upload request is not valid."))
    length = _int(length_header)
    if length > upload.MAX_CHUNK_BYTES:
        raise UploadRefused(413, "chunk_too_large", _("The upload request is not valid."))
    pieces = []
    remaining = length
    while remaining > 0:
        piece = request.read(min(remaining, 1024 * 1024))
        if not piece:
            break
        pieces.append(piece)
        remaining -= len(piece)
    data = b"".join(pieces)
    if len(data) != length:
        raise UploadRefused(400, "short_body", _("The upload request is not valid."))
    return data


@never_cache
@require_POST
@uploader_required
def create_session(request: HttpRequest) -> HttpResponseBase:
    payload = _json_body(request)
    session, created = upload.start_session(
        request.user,
        filename=_text(payload, "filename"),
        size=_int(payload.get("size")),
        title=_text(payload, "title"),
        fingerprint=_text(payload, "fingerprint"),
        sha256=_text(payload, "sha256"),
    )
    response = _answer(describe(session), status=201 if created else 200, offset=session.offset)
    response["Location"] = reverse("media:upload_session", kwargs={"key": session.key})
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "PATCH", "DELETE"])
@uploader_required
def session_detail(request: HttpRequest, key: str) -> HttpResponseBase:
    session = _session_for(request, key)
    if request.method == "DELETE":
        upload.cancel(session)
        return HttpResponse(status=204)
    if request.method == "PATCH":
        offset = _int(request.headers.get("Upload-Offset"))
        data = _read_chunk(request)
        session = upload.append_chunk(
            session, offset=offset, data=data, checksum_header=request.headers.get("Upload-Checksum", "")
        )
    return _answer(describe(session), offset=session.offset)


@never_cache
@require_POST
@uploader_required
def complete_session(request: HttpRequest, key: str) -> HttpResponseBase:
    session = _session_for(request, key)
    payload = _json_body(request)
    upload.complete(session, title=_text(payload, "title"))
    session.refresh_from_db()
    return _answer(describe(session), offset=session.offset)


@method_decorator(permission_required(UPLOAD_PERMISSION), name="dispatch")
class UploadPageView(WagtailAdminTemplateMixin, TemplateView):
    """The admin screen where editors pick recordings and watch them upload."""

    template_name = "media/upload.html"
    header_icon = "upload"

    def get_page_title(self) -> str:
        return _("Upload recordings")

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        limit = upload.max_upload_bytes()
        context["max_size_label"] = filesizeformat(limit)
        # Every byte there but not turned into a recording (a completion cut short) is not "unfinished"
        # for the editor: choosing the file again completes it.
        unfinished = upload.open_sessions(self.request.user).filter(offset__lt=F("size_bytes"))
        context["unfinished"] = unfinished.order_by("-updated_at")[:20]
        context["upload_config"] = {
            "createUrl": reverse("media:upload_create"),
            "sessionUrl": reverse("media:upload_session", kwargs={"key": KEY_PLACEHOLDER}),
            "completeUrl": reverse("media:upload_complete", kwargs={"key": KEY_PLACEHOLDER}),
            "keyPlaceholder": KEY_PLACEHOLDER,
            "chunkSize": upload.chunk_bytes(),
            # The token itself, for the script: in production the cookie is HttpOnly (unreadable to it).
            "csrfToken": get_token(self.request),
            "csrfCookieName": settings.CSRF_COOKIE_NAME,
            "storagePrefix": f"media-upload:{self.request.user.pk}:",
        }
        return context
