"""Public views of trainings beyond the pages themselves: the thumbnails of slide pages."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe

from media.serving import send_stored_file
from portal.documents.access import checks_before_serving
from portal.trainings.models import Slide


@require_safe
def slide_thumbnail(request: HttpRequest, document_id: int, number: int) -> HttpResponseBase:
    """A slide page's thumbnail, for whoever may download the PDF."""
    slide = (
        Slide.objects.filter(deck__document_id=document_id, number=number)
        .exclude(thumbnail="")
        .select_related("deck__document")
        .first()
    )
    if slide is None:
        raise Http404
    # A picture of a document's page is the document's: the checks Wagtail makes before it sends the file
    # (its collection's privacy, and the portal's rule, portal.documents.access, which refuses with 403).
    if checks_before_serving(slide.deck.document, request) is not None:
        raise Http404  # a password form has no place in a picture
    return send_stored_file(request, slide.thumbnail)
