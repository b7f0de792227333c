"""What the index holds for each page: `documents_for_page(page_id)` turns a training or a good practice,
as the database has it now, into `SearchDoc`s (the page itself and each attached document).

The sync task calls it for every page named in the outbox and `search_index` for every page, so the index
is always a function of the database: a page that is gone, unpublished (trainings) or of another kind simply
yields nothing, and its entries are removed.

Published pages are indexed from their live content. Unpublished good practices are indexed from their
latest revision, marked `live=False`, so that their unit's submitters and the reviewers find them and
nobody else does (see SearchDoc). Trainings are only indexed once published.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import asdict, replace
from typing import Any

from django.urls import reverse
from django.utils.html import strip_tags

from wagtail.documents.models import Document
from wagtail.models import Page, PageViewRestriction
from wagtail.rich_text import get_text_for_indexing

from portal.practices.models import GoodPracticePage
from portal.trainings.models import TrainingPage
from search.engines.base import DOCUMENT, NOBODY, PRACTICE, TRAINING, Moment, SearchDoc
from search.models import DocumentText
from search.text import normalize

logger = logging.getLogger(__name__)

SNIPPET_SOURCE_CHARS = 400
# Extracted text kept per document: enough for the longest reports, bounded for the index.
MAX_DOCUMENT_CHARS = 200_000
MAX_SLIDE_CHARS = 4_000  # a slide's text, as a moment: more than any slide holds
# Slides of one training kept as moments: beyond any real deck, well under Elasticsearch's 10,000 nested
# objects a document (with a four-hour recording's windows); the PDFs' whole text is searched as documents anyway.
MAX_SLIDE_MOMENTS = 3_000


def documents_for_page(page_id: int) -> list[SearchDoc]:
    """Every SearchDoc of the page, [] when it should not be in the index."""
    page = Page.objects.filter(pk=page_id).first()
    if page is None:
        return []
    specific = page.specific
    if isinstance(specific, TrainingPage):
        return _training_docs(specific) if specific.live else []
    if isinstance(specific, GoodPracticePage):
        return _practice_docs(specific)
    return []


def searchable_page_ids() -> Iterator[int]:
    """Every page that may have documents in the index (for rebuilds and checks)."""
    yield from TrainingPage.objects.live().order_by("pk").values_list("pk", flat=True)
    yield from GoodPracticePage.objects.order_by("pk").values_list("pk", flat=True)


def all_documents() -> Iterator[SearchDoc]:
    for page_id in searchable_page_ids():
        yield from documents_for_page(page_id)


def page_ids_for_pages_under(page: Page) -> list[int]:
    """The page and its descendants that are searchable (a move or a privacy change affects them all)."""
    ids = list(
        Page.objects.descendant_of(page, inclusive=True)
        .type(TrainingPage, GoodPracticePage)
        .values_list("pk", flat=True)
    )
    return ids


# --- Building ----------------------------------------------------------------------------------------


def _text(*parts: Any) -> str:
    return normalize("\n".join(" ".join(str(part).split()) for part in parts if part))


def _rich(value: Any) -> str:
    return get_text_for_indexing(str(value or "")) if value else ""


def _groups(page: Page) -> tuple[int, ...]:
    """Who may open the page, as SearchDoc.groups: () for all staff, else the groups allowed by every
    restriction on the page and its ancestors; (NOBODY,) when only superusers may (a password)."""
    allowed: set[int] | None = None
    for restriction in page.get_view_restrictions():
        if restriction.restriction_type == PageViewRestriction.PASSWORD:
            return (NOBODY,)
        if restriction.restriction_type == PageViewRestriction.GROUPS:
            ids = set(restriction.groups.values_list("pk", flat=True))
            allowed = ids if allowed is None else allowed & ids
    if allowed is None:
        return ()
    return tuple(sorted(allowed)) or (NOBODY,)


def _topics(page: Any) -> tuple[tuple[int, str], ...]:
    return tuple(sorted((topic.pk, normalize(topic.name)) for topic in page.topics.all()))


def _unit(page: Any) -> tuple[int | None, str]:
    unit = page.unit
    return (unit.pk, normalize(unit.short_name or unit.name)) if unit else (None, "")


def _finish(doc: SearchDoc) -> SearchDoc:
    data = asdict(replace(doc, digest=""))
    digest = hashlib.sha1(json.dumps(data, default=str, sort_keys=True).encode(), usedforsecurity=False)
    return replace(doc, digest=digest.hexdigest())


def _training_docs(page: TrainingPage) -> list[SearchDoc]:
    unit_id, unit_name = _unit(page)
    url = page.get_url() or page.url_path
    groups = _groups(page)
    from media.transcripts import windows

    moments: list[Moment] = []
    parts = page.ordered_parts()
    for number, part in enumerate(parts, start=1):
        for window in windows(part.video):
            moments.append(Moment(part=number, start=window.start, end=window.end, text=_text(window.text)))
    for chapter in page.chapters.order_by("part_number", "start"):
        if 1 <= chapter.part_number <= max(len(parts), 1):
            moments.append(
                Moment(
                    part=chapter.part_number,
                    start=float(chapter.start),
                    end=float(chapter.start),
                    text=_text(chapter.title),
                )
            )
    moments.extend(_slide_moments(page, len(parts)))
    speakers = [
        ", ".join(filter(None, [speaker.name, speaker.position])) for speaker in page.speakers.order_by("sort_order")
    ]
    training = SearchDoc(
        key=f"{TRAINING}:{page.pk}",
        type=TRAINING,
        page_id=page.pk,
        title=_text(page.title),
        url=url,
        date=page.date,
        summary=_text(page.summary),
        body=_text(_rich(page.description), *speakers, *(part.title for part in parts)),
        topics=_topics(page),
        unit_id=unit_id,
        unit_name=unit_name,
        groups=groups,
        moments=tuple(moments),
    )
    docs = [_finish(training)]
    for attachment in page.attachments.select_related("document").order_by("sort_order"):
        docs.append(_document_doc(training, attachment.document, attachment.title, _document_text(attachment.document)))
    return docs


def _slide_moments(page: TrainingPage, part_count: int) -> list[Moment]:
    """Each page of the training's PDFs that has text, as a moment: at the time the editor tied it to, or
    (part 0) opening the PDF at that page."""
    from portal.trainings.slides import pdf_attachments, slides_of

    moments: list[Moment] = []
    for attachment in pdf_attachments(page):
        document = attachment.document
        for slide in slides_of(page, document):
            if not slide.text:
                continue
            if len(moments) >= MAX_SLIDE_MOMENTS:
                return moments
            tied = slide.part is not None and slide.start is not None and 1 <= slide.part <= part_count
            start = float(slide.start or 0) if tied else 0.0
            moments.append(
                Moment(
                    part=int(slide.part or 0) if tied else 0,
                    start=start,
                    end=start,
                    text=_text(slide.text)[:MAX_SLIDE_CHARS],
                    slide=slide.number,
                    link=f"{document.url}#page={slide.number}",
                )
            )
    return moments


def _practice_docs(page: GoodPracticePage) -> list[SearchDoc]:
    live = page.live
    content: Any = page if live else (page.get_latest_revision_as_object() if page.latest_revision_id else page)
    unit_id, unit_name = _unit(content)
    field = content.field_of_work
    url = (page.get_url() or page.url_path) if live else reverse("practices:preview", args=[page.pk])
    practice = SearchDoc(
        key=f"{PRACTICE}:{page.pk}",
        type=PRACTICE,
        page_id=page.pk,
        title=_text(content.title),
        url=url,
        date=content.date,
        summary=_text(content.summary),
        body=_text(
            content.authors,
            _rich(content.problem),
            _rich(content.actions),
            _rich(content.results),
            _rich(content.how_to_apply),
            _rich(content.body),
        ),
        topics=_topics(content),
        unit_id=unit_id,
        unit_name=unit_name,
        field_id=field.pk if field else None,
        field_name=normalize(field.name) if field else "",
        live=live,
        groups=_groups(page) if live else (),
    )
    docs = [_finish(practice)]
    for attachment in content.attachments.all():
        document = Document.objects.filter(pk=attachment.document_id).first()
        if document is not None:
            docs.append(_document_doc(practice, document, attachment.title, attachment.text))
    return docs


def _document_doc(owner: SearchDoc, document: Document, title: str, text: str) -> SearchDoc:
    return _finish(
        SearchDoc(
            key=f"{DOCUMENT}:{owner.page_id}:{document.pk}",
            type=DOCUMENT,
            page_id=owner.page_id,
            title=_text(title or document.title),
            url=document.url,
            date=owner.date,
            summary="",
            body=_text(strip_tags(text or "")[:MAX_DOCUMENT_CHARS]),
            topics=owner.topics,
            unit_id=owner.unit_id,
            unit_name=owner.unit_name,
            field_id=owner.field_id,
            field_name=owner.field_name,
            parent_title=owner.title,
            parent_url=owner.url,
            live=owner.live,
            groups=owner.groups,
        )
    )


def _signature(document: Document) -> str:
    size = document.file_size or 0
    return f"{document.file.name}:{size}"[:600]


def _document_text(document: Document) -> str:
    """A training document's text, extracted once per file version (kept in DocumentText)."""
    from portal.practices.extraction import DocumentRejected, check_and_extract

    signature = _signature(document)
    cached = DocumentText.objects.filter(document_id=document.pk).first()
    if cached is not None and cached.signature == signature:
        return cached.text
    text, error = "", ""
    try:
        with document.open_file() as stream:
            name = document.file.name.rsplit("/", 1)[-1]
            text = check_and_extract(stream, name, max_bytes=512 * 1024 * 1024, background=True).text
    except DocumentRejected as rejection:
        error = str(rejection)
    except OSError as failure:  # a file missing from storage: index the title, say why
        logger.warning("Cannot read document %s for search: %s", document.pk, failure)
        error = str(failure)
    DocumentText.objects.update_or_create(
        document_id=document.pk, defaults={"signature": signature, "text": text, "error": error}
    )
    return text
