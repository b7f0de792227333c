"""Public views of trainings beyond the pages themselves: the thumbnails of slide pages."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe

from wagtail import hooks

from media.serving import send_stored_file
from portal.trainings.models import Slide
from portal.trainings.visibility import may_see_document


@require_safe
def slide_thumbnail(request: HttpRequest, document_id: int, number: int) -> HttpResponseBase:
    """A slide page's thumbnail, for whoever may see a training showing the PDF (or edit one)."""
    slide = (
        Slide.objects.filter(deck__document_id=document_id, number=number)
        .exclude(thumbnail="")
        .select_related("deck__document")
        .first()
    )
    if slide is None or not may_see_document(request.user, slide.deck.document):
        raise Http404
    # The checks Wagtail makes before it sends the document itself (its collection's privacy, ours) apply to
    # a picture of its pages too.
    for check in hooks.get_hooks("before_serve_document"):
        if check(slide.deck.document, request) is not None:
            raise Http404
    return send_stored_file(request, slide.thumbnail)
