"""The "Slides" screen of a training in the admin: the pages of each PDF it shows (thumbnail and text), their
state while they are made, and, optionally, the time each page is shown in the recording ("Part 2, 12:34").

A tied page is found by search at that time and opens the player there; an untied one opens the PDF at the
page. Times are saved a screenful (SLIDES_PER_SCREEN pages of one PDF) at a time, so a deck of any length
stays within Django's limit on the number of fields in a request. A wrong time is refused with a message
naming the page, and every time typed on the screen is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.documents.models import Document

from media.timecode import format_timecode, parse_timecode
from portal.trainings.models import SlideDeck, SlideTiming, TrainingPage
from portal.trainings.slides import pdf_attachments, request_slides, slides_changed, slides_of, thumbnail_url

SLIDES_PER_SCREEN = 100  # two fields a page: well under DATA_UPLOAD_MAX_NUMBER_FIELDS


@dataclass
class SlideRow:
    number: int
    text: str
    thumbnail_url: str
    part: str  # as typed or stored: "1", "2"...
    time: str  # as typed or stored: "12:34", "" when not tied
    error: str = ""


@dataclass
class DeckView:
    document: Document
    title: str
    deck: SlideDeck | None
    rows: list[SlideRow] = field(default_factory=list)
    screen: Any = None  # a Paginator page when the deck is ready
    selected: bool = False
    has_text: bool = True  # False for a scanned PDF: pages shown, nothing for search to find
    unsaved: bool = False


def slides_url(page: TrainingPage | int) -> str:
    return reverse("training_slides", args=[page if isinstance(page, int) else page.pk])


def slides_menu_item(page: Any, priority: int = 25) -> PageMenuItem:
    return PageMenuItem(
        _("Slides"), url=slides_url(page.pk), icon_name="doc-full-inverse", priority=priority, page=page
    )


def _training(request: HttpRequest, page_id: int) -> TrainingPage:
    page = get_object_or_404(TrainingPage, pk=page_id)
    if not page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    return page


def slides_view(request: HttpRequest, page_id: int) -> HttpResponse:
    page = _training(request, page_id)
    parts = page.ordered_parts()
    attachments = pdf_attachments(page)
    chosen = _int(request.POST.get("document") if request.method == "POST" else request.GET.get("document"))
    errors = False
    if request.method == "POST":
        attachment = next((a for a in attachments if a.document_id == chosen), None)
        if attachment is None:
            messages.error(request, _("This PDF is no longer attached to the training."))
            return redirect(slides_url(page))
        if request.POST.get("action") == "retry":
            request_slides(attachment.document, force=True)
            messages.success(
                request, _("The pages of “%(title)s” are being made again.") % {"title": _title(attachment)}
            )
            return redirect(_screen_url(page, chosen, request.POST.get("screen")))
        errors = not _save_times(request, page, attachment.document, parts)
        if not errors:
            return redirect(_screen_url(page, chosen, request.POST.get("screen")))
    decks = []
    for attachment in attachments:
        deck = request_slides(attachment.document)  # a PDF not made yet (or replaced) is queued now
        view = DeckView(document=attachment.document, title=_title(attachment), deck=deck)
        view.selected = attachment.document_id == chosen
        if deck is not None and deck.state == SlideDeck.State.READY:
            slides = slides_of(page, attachment.document)
            view.has_text = any(slide.text for slide in slides)
            screen_number = request.POST.get("screen") if view.selected else request.GET.get("screen")
            screen = Paginator(slides, SLIDES_PER_SCREEN).get_page(screen_number if view.selected else 1)
            view.screen = screen
            typed = request.POST if (errors and view.selected) else None
            view.rows = [_row(slide, attachment.document, typed) for slide in screen.object_list]
            if typed is not None:
                _mark_errors(view.rows, parts)
                view.unsaved = True  # what was typed is on the screen, not saved
        decks.append(view)
    title = _("Slides")
    return TemplateResponse(
        request,
        "trainings/admin/slides.html",
        {
            "page": page,
            "decks": decks,
            "parts": [(number, str(part)) for number, part in enumerate(parts, start=1)],
            "header_icon": "doc-full-inverse",
            "page_title": title,
            "header_title": f"{title}: {page.title}",
            "breadcrumbs_items": [
                {"url": reverse("wagtailadmin_pages:edit", args=[page.pk]), "label": page.title},
                {"url": "", "label": title},
            ],
        },
        status=400 if errors else 200,
    )


def _title(attachment: Any) -> str:
    return attachment.title or attachment.document.title


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _screen_url(page: TrainingPage, document_id: int | None, screen: Any) -> str:
    query = urlencode({"document": document_id or "", "screen": _int(screen) or 1})
    return f"{slides_url(page)}?{query}#deck-{document_id}"


def _row(slide: Any, document: Document, typed: Any) -> SlideRow:
    if typed is not None:
        part = typed.get(f"part-{slide.number}", "1")
        time = typed.get(f"time-{slide.number}", "")
    else:
        part = str(slide.part or 1)
        time = format_timecode(slide.start) if slide.start is not None else ""
    thumbnail = thumbnail_url(document.pk, slide.number, slide.thumbnail)
    return SlideRow(number=slide.number, text=slide.text, thumbnail_url=thumbnail, part=part, time=time)


def _check(part_text: str, time_text: str, parts: list[Any]) -> tuple[int, float | None, str]:
    """(part, seconds or None for "not tied", error message or "")."""
    time_text = time_text.strip()
    if not time_text:
        return 1, None, ""
    if not parts:
        return 1, None, _("The training has no recording yet: a slide cannot be tied to a time.")
    part = _int(part_text) or 1
    if not 1 <= part <= len(parts):
        return part, None, _("Choose one of the training's recording parts.")
    try:
        seconds = float(parse_timecode(time_text))
    except ValueError:
        return (
            part,
            None,
            _("“%(value)s” is not a time: write minutes:seconds, e.g. 12:34, or 1:02:03.") % {"value": time_text},
        )
    duration = parts[part - 1].video.duration
    if duration and seconds > duration:
        return (
            part,
            None,
            _("Part %(part)s lasts only %(length)s.") % {"part": part, "length": format_timecode(duration)},
        )
    return part, seconds, ""


def _mark_errors(rows: list[SlideRow], parts: list[Any]) -> None:
    for row in rows:
        row.error = _check(row.part, row.time, parts)[2]


def _save_times(request: HttpRequest, page: TrainingPage, document: Document, parts: list[Any]) -> bool:
    """Save the times of the pages on the posted screen; False (and nothing saved) when one is wrong."""
    numbers = [int(key[5:]) for key in request.POST if key.startswith("time-") and key[5:].isdigit()]
    checked = {n: _check(request.POST.get(f"part-{n}", "1"), request.POST.get(f"time-{n}", ""), parts) for n in numbers}
    wrong = sorted(n for n, (_part, _seconds, error) in checked.items() if error)
    if wrong:
        messages.error(
            request,
            _("Nothing was saved: the time of page %(pages)s is not right. Correct it and save again.")
            % {"pages": ", ".join(str(n) for n in wrong[:10])},
        )
        return False
    existing = {t.number: t for t in SlideTiming.objects.filter(page=page, document=document, number__in=numbers)}
    changed = 0
    with transaction.atomic():
        for number, (part, seconds, _error) in checked.items():
            timing = existing.get(number)
            if seconds is None:
                if timing is not None:
                    timing.delete()
                    changed += 1
            elif timing is None:
                SlideTiming.objects.create(page=page, document=document, number=number, part_number=part, start=seconds)
                changed += 1
            elif (timing.part_number, timing.start) != (part, seconds):
                timing.part_number, timing.start = part, seconds
                timing.save(update_fields=["part_number", "start"])
                changed += 1
        if changed:
            slides_changed.send(sender=SlideTiming, document=document)
    if changed:
        messages.success(request, _("The slide times were saved."))
    else:
        messages.info(request, _("Nothing was changed."))
    return True


def urlpatterns() -> list[URLPattern]:
    return [path("trainings/<int:page_id>/slides/", slides_view, name="training_slides")]
