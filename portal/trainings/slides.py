"""Slides: a PDF attached to a training is split into its pages, each with its text and a thumbnail, so that
the training page can show them, an editor can tie a page to the moment it is shown in the recording, and
search can answer "slide 12" (search/documents.py reads `slides_of`).

Pages are made in the background (`make_slides`, default queue) when a training with PDF attachments is
published or a PDF it shows is replaced; a deck made from another version of the file is made again. A PDF
that cannot be read (damaged, password-protected) leaves a failed deck with a message the admin shows, and
can be retried; the document itself stays attached and downloadable either way.

pypdfium2 (PDFium, the PDF engine of Chromium) reads the text and renders the thumbnails: it reads the PDFs
that PowerPoint, LibreOffice and scanners write, and needs no system package.

A thumbnail's size is decided before PDFium draws anything (`thumbnail_scale`): THUMBNAIL_WIDTH pixels wide, at
most THUMBNAIL_MAX_HEIGHT tall and SLIDE_THUMBNAIL_MAX_PIXELS in all, whatever size the page claims (a page of
1 by 14,400 points drawn 320 pixels wide would be a 4 GB picture). A page too thin to draw at all keeps its text
and gets no thumbnail; the deck is ready and says which pages have none and why, on the slides screen.

The text is read here, but the pages are drawn in a process of their own (slide_renderer, started through
media.children) with SLIDE_RENDER_MEMORY_MB of address space and SLIDE_RENDER_SECONDS of time: PDFium decodes
some pictures at full size whatever size they are drawn at, and a worker killed for its memory would have left
the deck "processing". A drawing process stopped at a limit fails the deck with a message saying so.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wagtail.documents.models import Document

from django_tasks import task

from media import children
from portal.trainings.models import Attachment, SlideDeck, SlideTiming, TrainingPage
from portal.trainings.slide_renderer import THUMBNAIL_MAX_HEIGHT as THUMBNAIL_MAX_HEIGHT
from portal.trainings.slide_renderer import THUMBNAIL_MIN_SIDE as THUMBNAIL_MIN_SIDE
from portal.trainings.slide_renderer import THUMBNAIL_WIDTH as THUMBNAIL_WIDTH
from portal.trainings.slide_renderer import thumbnail_scale as thumbnail_scale

logger = logging.getLogger(__name__)

# Sent (sender=SlideDeck, document=...) after a document's pages, or a training's slide times, changed:
# search re-indexes the trainings showing them (portal/ never imports search/).
slides_changed = Signal()

DEFAULT_THUMBNAIL_MAX_PIXELS = THUMBNAIL_WIDTH * THUMBNAIL_MAX_HEIGHT
DEFAULT_RENDER_MEMORY_MB = 512
DEFAULT_RENDER_SECONDS = 120
RENDERER_MODULE = "portal.trainings.slide_renderer"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
MAX_PAGES = 2000  # a bound for pathological files; real slide decks have tens to a few hundred pages
MAX_TEXT_PER_PAGE = 20_000
MAX_PDF_BYTES = 512 * 1024 * 1024
STUCK_AFTER = timedelta(minutes=15)  # a deck queued or in the works this long lost its task: queue it again


@dataclass(frozen=True)
class SlideView:
    """One page as pages and search show it: its text, thumbnail and, when tied, where it is shown."""

    number: int
    text: str
    thumbnail: str  # storage name, "" when none could be made
    part: int | None  # 1-based recording part, when tied
    start: float | None


class SlidesRejected(Exception):
    """A PDF whose pages cannot be read; the message is for the editor."""


@dataclass(frozen=True)
class PageRead:
    """One page as read from the PDF: its text, and its thumbnail or why it has none."""

    number: int
    text: str
    thumbnail: str  # storage name, "" when none was made
    note: str = ""  # why there is no thumbnail, for the editor


def is_pdf(document: Document) -> bool:
    return document.file_extension.lower() == "pdf"


def signature(document: Document) -> str:
    return f"{document.file.name}:{document.file_size or 0}"[:600]


# --- Making the pages ------------------------------------------------------------------------------


def request_slides(document: Document, *, force: bool = False) -> SlideDeck | None:
    """Make sure the document's pages are (being) made: queue the work after commit unless this file version
    already has a deck (ready, on its way, or failed: `force` tries again). None for a file that is not a PDF."""
    if not is_pdf(document):
        return None
    deck = SlideDeck.objects.filter(document=document).first()
    current = signature(document)
    stuck = (
        deck is not None
        and deck.state in {SlideDeck.State.QUEUED, SlideDeck.State.PROCESSING}
        and deck.updated_at < timezone.now() - STUCK_AFTER
    )
    if deck is not None and deck.signature == current and not force and not stuck:
        return deck  # ready, on its way, or failed on this very file (retried only on request)
    if deck is None:
        deck = SlideDeck.objects.create(document=document, signature=current)
    else:
        deck.signature, deck.state, deck.error = current, SlideDeck.State.QUEUED, ""
        deck.save(update_fields=["signature", "state", "error", "updated_at"])
    document_id = document.pk
    transaction.on_commit(lambda: _enqueue(document_id))
    return deck


def _enqueue(document_id: int) -> None:
    try:
        make_slides.enqueue(document_id)
    except Exception:  # the queue is down: the deck stays queued and the admin's retry button re-sends it
        logger.exception("Could not queue the slides of document %s", document_id)


@task()
def make_slides(document_id: int) -> str:
    document = Document.objects.filter(pk=document_id).first()
    if document is None:
        return "gone"
    return build_deck(document).state


def build_deck(document: Document) -> SlideDeck:
    """Read the PDF now and store its pages (replacing those of an older version). Never raises for a bad
    file: the deck is marked failed with the reason."""
    deck, _created = SlideDeck.objects.get_or_create(document=document, defaults={"signature": signature(document)})
    deck.signature, deck.state, deck.error = signature(document), SlideDeck.State.PROCESSING, ""
    deck.save(update_fields=["signature", "state", "error", "updated_at"])
    folder = f"slides/{document.pk}/{hashlib.sha1(deck.signature.encode(), usedforsecurity=False).hexdigest()[:12]}"
    try:
        pages = list(_read_pages(document, folder))
    except SlidesRejected as rejection:
        deck.state, deck.error = SlideDeck.State.FAILED, str(rejection)
        deck.save(update_fields=["state", "error", "updated_at"])
        return deck
    except Exception:  # whatever else goes wrong, the editor sees it on the slides screen, not only in the log
        logger.exception("Could not make the slides of document %s", document.pk)
        deck.state = SlideDeck.State.FAILED
        deck.error = _("Something went wrong on the server while its pages were made. Try again later.")
        deck.save(update_fields=["state", "error", "updated_at"])
        return deck
    old_thumbnails = list(deck.slides.exclude(thumbnail="").values_list("thumbnail", flat=True))
    with transaction.atomic():
        deck.slides.all().delete()
        deck.slides.bulk_create(
            [deck.slides.model(deck=deck, number=p.number, text=p.text, thumbnail=p.thumbnail) for p in pages]
        )
        # A ready deck's `error` lists the pages that have no thumbnail, and why.
        deck.state, deck.page_count = SlideDeck.State.READY, len(pages)
        deck.error = " ".join(page.note for page in pages if page.note)
        deck.save(update_fields=["state", "page_count", "error", "updated_at"])
        slides_changed.send(sender=SlideDeck, document=document)
    kept = {page.thumbnail for page in pages}
    for name in old_thumbnails:
        if name not in kept:
            _delete_quietly(name)
    return deck


def _read_pages(document: Document, folder: str) -> Iterator[PageRead]:
    import pypdfium2 as pdfium

    try:
        with document.open_file() as stream:
            data = stream.read(MAX_PDF_BYTES + 1)
    except OSError:
        logger.warning("Cannot read document %s to make its slides", document.pk, exc_info=True)
        raise SlidesRejected(
            _("The file could not be read from where documents are kept. Ask an administrator, then try again.")
        ) from None
    if len(data) > MAX_PDF_BYTES:
        raise SlidesRejected(_("The PDF is larger than 512 MB; its pages are not shown one by one."))
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as failure:
        if "password" in str(failure).lower():
            raise SlidesRejected(
                _("The PDF is protected by a password. Save it again without a password and upload it again.")
            ) from None
        raise SlidesRejected(
            _("The file is not a readable PDF (it may be damaged). Export it to PDF again and upload it again.")
        ) from None
    try:
        if len(pdf) > MAX_PAGES:
            raise SlidesRejected(
                _("The PDF has %(count)s pages; only files of up to %(limit)s pages are shown page by page.")
                % {"count": len(pdf), "limit": MAX_PAGES}
            )
        # Only the text is read here; the pages are drawn in a process of their own, with bounded memory and time.
        with tempfile.TemporaryDirectory(prefix="slides-") as scratch:
            work = Path(scratch)
            (work / "deck.pdf").write_bytes(data)
            drawn = _render_in_child(work / "deck.pdf", work, len(pdf))
            for index in range(len(pdf)):
                page = pdf[index]
                try:
                    text = _page_text(page)
                finally:
                    page.close()
                number = index + 1
                thumbnail, note = _thumbnail(drawn.get(number), work, number, f"{folder}/{number}.jpg")
                yield PageRead(number, text, thumbnail, note)
    finally:
        pdf.close()


def _page_text(page: Any) -> str:
    textpage = page.get_textpage()
    try:
        raw = textpage.get_text_bounded()
    finally:
        textpage.close()
    return clean_text(raw)[:MAX_TEXT_PER_PAGE]


def clean_text(raw: str) -> str:
    """NFC, one space between words, one line per line of the slide, no control characters; text of the old
    ".Vn" fonts (TCVN3), which PDF readers give as Western letters ("ViÖn kiÓm s" + "\u00b8t"), read as Vietnamese."""
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = _from_tcvn3(text)
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]", " ", text)
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _from_tcvn3(text: str) -> str:
    """`text` read as TCVN3 when it is not Vietnamese as it stands and is once read so."""
    from media.captions import MIN_VIETNAMESE_SCORE, decode_tcvn3, vietnamese_score

    if text.isascii() or vietnamese_score(text) >= MIN_VIETNAMESE_SCORE:
        return text
    try:
        data = text.encode("cp1252")
    except UnicodeEncodeError:
        return text  # letters no .Vn font draws: some other text, left as it is
    candidate = unicodedata.normalize("NFC", decode_tcvn3(data))
    return candidate if vietnamese_score(candidate) >= MIN_VIETNAMESE_SCORE else text


def thumbnail_max_pixels() -> int:
    return int(getattr(settings, "SLIDE_THUMBNAIL_MAX_PIXELS", DEFAULT_THUMBNAIL_MAX_PIXELS))


def _points(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".") if value >= 1 else f"{value:.2g}".replace(".", ",")


def _thumbnail(drawn: dict[str, Any] | None, folder: Path, number: int, name: str) -> tuple[str, str]:
    """(storage name of the page's thumbnail, "") or ("", why there is none), from what the drawing process
    said of the page (`drawn`, None when it said nothing of it)."""
    if drawn is not None and drawn.get("thin"):
        width, height = float(drawn["width"]), float(drawn["height"])
        note = _("Page %(number)s (%(width)s × %(height)s points) is too narrow or too long to draw as a thumbnail.")  # noqa: RUF001
        return "", note % {"number": number, "width": _points(width), "height": _points(height)}
    picture = folder / f"{number}.jpg"
    if drawn is None or not drawn.get("drawn") or not picture.is_file():
        logger.warning("Could not draw a thumbnail for %s", name)
        return "", _("Page %(number)s could not be drawn as a thumbnail.") % {"number": number}
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(picture.read_bytes())), ""


def render_memory_bytes() -> int:
    return int(getattr(settings, "SLIDE_RENDER_MEMORY_MB", DEFAULT_RENDER_MEMORY_MB)) * 1024 * 1024


def render_seconds() -> int:
    return int(getattr(settings, "SLIDE_RENDER_SECONDS", DEFAULT_RENDER_SECONDS))


def _too_demanding() -> SlidesRejected:
    return SlidesRejected(
        _(
            "Drawing the thumbnails of this PDF's pages needs more memory or time than the server allows (a page "
            "may hold a very large picture). Make its pictures smaller, export it to PDF again and upload it again."
        )
    )


def _render_in_child(pdf_path: Path, folder: Path, page_count: int) -> dict[int, dict[str, Any]]:
    """Draw the thumbnails of the PDF at `pdf_path` into `folder` in the bounded drawing process
    (slide_renderer): what it said of each page, by number. A process stopped at its memory or time limit is
    SlidesRejected; one that failed otherwise raises RuntimeError (the deck says the server failed)."""
    seconds = render_seconds()
    request = {
        "pdf": str(pdf_path),
        "folder": str(folder),
        "max_pixels": thumbnail_max_pixels(),
        "max_pages": page_count,
        "memory_bytes": render_memory_bytes(),
        "cpu_seconds": seconds + 1,
        "parent": os.getpid(),
    }
    try:
        done = children.run(
            [sys.executable, "-m", RENDERER_MODULE],
            input=json.dumps(request).encode(),
            timeout=seconds,
            capture_output=True,
            cwd=PROJECT_ROOT,
        )
    except subprocess.TimeoutExpired:
        logger.warning("Drawing the thumbnails of %s took more than %s s: stopped", pdf_path.name, seconds)
        raise _too_demanding() from None
    errors = (done.stderr or b"")[-4000:]
    try:
        answer = json.loads(done.stdout or b"")
    except ValueError:
        answer = {}
    if "pages" in answer:
        return {int(entry["number"]): entry for entry in answer["pages"]}
    if children.stopping():
        raise RuntimeError("The worker is stopping: its drawing process was stopped with it")
    if answer.get("too_demanding") or done.returncode < 0 or b"MemoryError" in errors:
        logger.warning("Drawing the thumbnails of %s stopped at a limit (exit %s)", pdf_path.name, done.returncode)
        raise _too_demanding()
    raise RuntimeError(f"The slide drawing process failed (exit {done.returncode}): {errors.decode(errors='replace')}")


def _delete_quietly(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:
        logger.warning("Could not delete the old thumbnail %s", name)


def _delete_all(names: list[str]) -> None:
    for name in names:
        _delete_quietly(name)


# --- Reading them ----------------------------------------------------------------------------------


def slides_of(page: TrainingPage, document: Document) -> list[SlideView]:
    """The pages of `document` as shown on `page` (with the times the editor tied), [] until they are made
    from the document's current file."""
    deck = SlideDeck.objects.filter(document=document, state=SlideDeck.State.READY).first()
    if deck is None or deck.signature != signature(document):
        return []
    times = {timing.number: timing for timing in SlideTiming.objects.filter(page=page, document=document)}
    views = []
    for slide in deck.slides.all():
        timing = times.get(slide.number)
        views.append(
            SlideView(
                number=slide.number,
                text=slide.text,
                thumbnail=slide.thumbnail,
                part=timing.part_number if timing else None,
                start=timing.start if timing else None,
            )
        )
    return views


@dataclass(frozen=True)
class SlideLink:
    number: int
    thumbnail_url: str
    url: str  # the recording at the tied time, or the PDF at the page
    time: str  # "12:34" when tied (with "Part 2" before it when the training has several parts)


@dataclass(frozen=True)
class ShownDocument:
    """A document of the training page, with its pages when it is a PDF whose pages are made."""

    attachment: Attachment
    slides: list[SlideLink]


def shown_documents(page: TrainingPage) -> list[ShownDocument]:
    from django.utils.http import urlencode

    from media.timecode import format_timecode

    page_url = page.url or ""
    several = page.parts.count() > 1
    shown = []
    for attachment in page.attachments.select_related("document").order_by("sort_order"):
        document = attachment.document
        links = []
        for slide in slides_of(page, document) if is_pdf(document) else []:
            if slide.part is not None and slide.start is not None:
                url = f"{page_url}?{urlencode({'part': slide.part, 't': int(slide.start)})}"
                time = format_timecode(slide.start)
                if several:
                    time = _("Part %(part)s, %(time)s") % {"part": slide.part, "time": time}
            else:
                url, time = f"{document.url}#page={slide.number}", ""
            links.append(SlideLink(slide.number, thumbnail_url(document.pk, slide.number, slide.thumbnail), url, time))
        shown.append(ShownDocument(attachment=attachment, slides=links))
    return shown


def thumbnail_url(document_id: int, number: int, thumbnail: str) -> str:
    """The address of a page's thumbnail; it names the file version ("?v="), because thumbnails are cached
    for a year and a replaced PDF must not show the old pages."""
    if not thumbnail:
        return ""
    version = thumbnail.rsplit("/", 2)[-2] if thumbnail.count("/") >= 2 else ""
    return f"{reverse('slide_thumbnail', args=[document_id, number])}?v={version}"


def pdf_attachments(page: TrainingPage) -> list[Attachment]:
    return [
        attachment
        for attachment in page.attachments.select_related("document").order_by("sort_order")
        if is_pdf(attachment.document)
    ]


def request_slides_for_page(page: TrainingPage) -> None:
    for attachment in pdf_attachments(page):
        request_slides(attachment.document)


# --- Keeping them current --------------------------------------------------------------------------


def _on_training_published(sender: Any, instance: Any, **kwargs: Any) -> None:
    if isinstance(instance, TrainingPage):
        request_slides_for_page(instance)


def _on_document_saved(sender: Any, instance: Document, **kwargs: Any) -> None:
    deck = SlideDeck.objects.filter(document=instance).first()
    if deck is not None and deck.signature != signature(instance):
        request_slides(instance)  # the file was replaced: make its pages again


def _on_document_deleted(sender: Any, instance: Document, **kwargs: Any) -> None:
    deck = SlideDeck.objects.filter(document=instance).first()
    if deck is not None:
        names = list(deck.slides.exclude(thumbnail="").values_list("thumbnail", flat=True))
        transaction.on_commit(lambda: _delete_all(names))


def connect() -> None:
    from django.db.models.signals import post_save, pre_delete

    from wagtail.signals import page_published

    page_published.connect(_on_training_published, sender=TrainingPage, dispatch_uid="slides-published")
    post_save.connect(_on_document_saved, sender=Document, dispatch_uid="slides-document")
    pre_delete.connect(_on_document_deleted, sender=Document, dispatch_uid="slides-document-deleted")
