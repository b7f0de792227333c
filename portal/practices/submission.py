"""A unit's write-up created and changed from the portal: the draft page, its revisions and its files.

Submitters are not Wagtail editors (their role has no page permission), so the portal writes the page
itself, the way Wagtail's own edit view does: a draft's row and a new revision are saved together, a
published page only gets a revision (it changes when a reviewer publishes it). The page's unit is
always the submitter's unit.

Two people of one unit may open the same draft. Each form carries the revision it was based on; a save
whose base is no longer the latest revision is refused (EditConflict) instead of silently replacing
the other person's work — the same check Wagtail's editor makes with its ``loaded_revision_id``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.text import get_valid_filename

from wagtail.documents import get_document_model
from wagtail.models import Collection, Page, Revision

from portal.practices.models import GoodPracticeIndexPage, GoodPracticePage, PracticeAttachment
from portal.practices.visibility import is_submitter_for

COLLECTION_NAME = "Cách làm hay"
FALLBACK_FILE_STEM = "tai-lieu"
MAX_FILE_NAME = 120
_UNSAFE_IN_TITLE = re.compile(r"[<>\"'`\\/|*?:\x00-\x1f\x7f]+")


class EditConflict(Exception):
    """Someone saved the write-up after the form was opened: saving now would overwrite their work."""

    def __init__(self, revision: Revision | None) -> None:
        super().__init__("The write-up was saved by someone else in the meantime.")
        self.revision = revision


class NoPracticeSection(Exception):
    """There is no good-practice section to put a write-up under (the site was not set up)."""


@dataclass
class NewAttachment:
    document: Any  # wagtaildocs Document (the model is swappable)
    text: str


def is_submitter(user: Any) -> bool:
    """Writing up practices in the portal is the Unit submitter role's job; reviewers and administrators
    change write-ups in the admin, where Wagtail's own editor and workflow actions are."""
    return getattr(user, "unit_id", None) is not None and is_submitter_for(user, user.unit_id)


def practice_index() -> GoodPracticeIndexPage:
    index = GoodPracticeIndexPage.objects.order_by("path").first()
    if index is None:
        raise NoPracticeSection
    return index


def practices_collection() -> Collection:
    """The "Cách làm hay" collection, under the root, created the first time a file is attached."""
    existing = Collection.objects.filter(name=COLLECTION_NAME, depth=2).first()
    if existing is not None:
        return existing
    return Collection.get_first_root_node().add_child(name=COLLECTION_NAME)


def safe_file_name(name: str) -> str:
    """A stored file name that is safe anywhere and still readable: "Báo cáo <b>2024</b>.docx" → "Báo_cáo_b2024b.docx".

    Django's get_valid_filename keeps letters of any script, so Vietnamese stays readable; path parts,
    markup characters and control characters go.
    """
    name = unicodedata.normalize("NFC", PurePosixPath((name or "").replace("\\", "/")).name)
    path = PurePosixPath(name)
    suffix = get_valid_filename(path.suffix.lower()) if path.suffix else ""
    stem = re.sub(r"[^\w\s.-]", "", path.stem)
    try:
        stem = get_valid_filename(stem)
    except Exception:  # Django refuses names it can do nothing with ("", ".", "..")
        stem = ""
    stem = stem.strip("._-")[:MAX_FILE_NAME] or FALLBACK_FILE_STEM
    return f"{stem}{suffix}"


def document_title(name: str, extracted_title: str = "") -> str:
    """The title shown for a file: the document's own heading if it has one, else its name without the extension."""
    source = extracted_title or PurePosixPath((name or "").replace("\\", "/")).stem
    title = unicodedata.normalize("NFC", source)
    title = " ".join(_UNSAFE_IN_TITLE.sub(" ", title).split())
    return title[:200] or FALLBACK_FILE_STEM


def store_document(upload: UploadedFile, user: Any, *, title: str) -> Any:
    """Keep a checked upload as a Wagtail document in the "Cách làm hay" collection."""
    document_model = get_document_model()
    upload.seek(0)
    upload.name = safe_file_name(upload.name or "")
    document = document_model(title=title, collection=practices_collection(), uploaded_by_user=user)
    document.file = upload
    document._set_document_file_metadata()
    document.save()
    return document


def held_documents(user: Any, document_ids: Iterable[int]) -> list[Any]:
    """Files this user uploaded for a submission that is not saved yet (kept while the form is corrected)."""
    ids = list(document_ids)
    if not ids:
        return []
    documents = get_document_model().objects.filter(
        pk__in=ids, uploaded_by_user=user, collection=practices_collection()
    )
    order = {pk: position for position, pk in enumerate(ids)}
    return sorted(documents, key=lambda document: order.get(document.pk, 0))


def discard_held_documents(user: Any, document_ids: Iterable[int]) -> None:
    """Delete held files the submitter chose not to attach, unless some write-up uses them after all."""
    for document in held_documents(user, document_ids):
        if not PracticeAttachment.objects.filter(document=document).exists():
            document.delete()


def _apply_fields(page: GoodPracticePage, cleaned: dict[str, Any]) -> None:
    page.title = cleaned["title"]
    page.draft_title = cleaned["title"]
    page.authors = cleaned.get("authors", "")
    page.field_of_work = cleaned.get("field_of_work")
    if cleaned.get("date"):
        page.date = cleaned["date"]
    page.summary = cleaned.get("summary", "")
    for name in ("problem", "actions", "results", "how_to_apply"):
        setattr(page, name, cleaned.get(name, ""))
    page.topics.set(list(cleaned.get("topics") or []))


def _apply_attachments(page: GoodPracticePage, new: list[NewAttachment], remove_documents: set[int]) -> None:
    kept = [attachment for attachment in page.attachments.all() if attachment.document_id not in remove_documents]
    known = {attachment.document_id for attachment in kept}
    added = [
        PracticeAttachment(document=item.document, text=item.text) for item in new if item.document.pk not in known
    ]
    attachments = kept + added
    for position, attachment in enumerate(attachments):
        attachment.sort_order = position
    page.attachments = attachments  # modelcluster's relation setter: kept in memory until the page is saved


def save_submission(
    *,
    user: Any,
    cleaned: dict[str, Any],
    page: GoodPracticePage | None = None,
    based_on_revision: int | None = None,
    new_attachments: list[NewAttachment] | None = None,
    remove_documents: Iterable[int] = (),
) -> GoodPracticePage:
    """Create the unit's draft, or save a new version of one, as the submitter; returns the page.

    Raises EditConflict when ``page`` has a newer revision than ``based_on_revision``.
    """
    new_attachments = new_attachments or []
    with transaction.atomic():
        if page is None:
            draft = GoodPracticePage(owner=user, live=False, unit=user.unit)
            _apply_fields(draft, cleaned)
            _apply_attachments(draft, new_attachments, set())
            practice_index().add_child(instance=draft)
        else:
            current = GoodPracticePage.objects.select_for_update().get(pk=page.pk)
            if current.latest_revision_id is not None and current.latest_revision_id != based_on_revision:
                raise EditConflict(current.latest_revision)
            draft = current.get_latest_revision_as_object()
            _apply_fields(draft, cleaned)
            _apply_attachments(draft, new_attachments, set(remove_documents))
            draft.unit = current.unit  # never moves to another unit, whatever an old revision said
            if not draft.live:
                draft.save()
        draft.save_revision(user=user, log_action=True, clean=False)
    return draft


def latest_version(page: Page) -> GoodPracticePage:
    """The write-up as last saved (a draft's newest revision), as the unit and the reviewers see it."""
    return page.specific.get_latest_revision_as_object()
