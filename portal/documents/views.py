"""Sending a document's file: Wagtail's view, or an X-Accel-Redirect when nginx sends the bytes.

Wagtail's view streams the file through Django (or redirects to the storage with
WAGTAILDOCS_SERVE_METHOD = "redirect"). With SERVE_MEDIA_WITH = "x-accel", as for recordings, the portal
checks and nginx sends the file from its internal location — the same checks, run before either.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control

from wagtail.documents import get_document_model
from wagtail.documents.models import document_served
from wagtail.documents.views import serve as wagtail_serve

from portal.documents.access import checks_before_serving


def serve(request: HttpRequest, document_id: str, document_filename: str) -> HttpResponseBase:
    if settings.SERVE_MEDIA_WITH != "x-accel" or settings.WAGTAILDOCS_SERVE_METHOD == "redirect":
        response = wagtail_serve.serve(request, document_id, document_filename)
        if 200 <= response.status_code < 300:
            # As below: asked again each time, so a training unpublished or restricted stops being served at
            # once (Wagtail's view sends Last-Modified only, which lets a browser reuse its copy).
            patch_cache_control(response, private=True, no_cache=True)
        return response
    model = get_document_model()
    document = get_object_or_404(model, id=document_id)
    if document.filename != document_filename:
        raise Http404
    instead = checks_before_serving(document, request)
    if instead is not None:
        return instead
    document_served.send(sender=model, instance=document, request=request)
    response = HttpResponse()
    # Percent-encoded, as media.serving does: nginx decodes it before looking the file up.
    response["X-Accel-Redirect"] = settings.SERVE_MEDIA_ACCEL_PREFIX + quote(document.file.name, safe="/")
    response["Content-Type"] = document.content_type
    response["Content-Disposition"] = document.content_disposition
    # What Wagtail's view sends with a document: no script runs in it, and the type is not guessed.
    response["Content-Security-Policy"] = "default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    # Asked again each time, so a training unpublished or restricted stops being served at once.
    response["Cache-Control"] = "private, no-cache"
    return response
