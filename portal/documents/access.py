"""Who may download a document: one rule for every file and every way it is sent.

A document is served to whoever may see a page that shows it — the page is published and none of its view
restrictions keeps them out (portal.core.visibility, as in listings and for recordings) — and to the editors
of such a page: for a training, those who may edit it in the admin or who manage the documents of the file's
collection; for a write-up, those who may see its unpublished versions (its unit's submitters, reviewers and
administrators, portal.practices.visibility). A document no page shows is for the staff who manage documents
in its collection (Wagtail's permission to change it), except a file uploaded for a write-up, which stays
with the uploader's unit and the reviewers until a write-up shows it (a draft of a published write-up keeps
its new files in its revision only). Anybody else is refused (403).

Wagtail's document view, the X-Accel path (portal.documents.views), a redirect to the storage and the slide
thumbnails (portal.trainings.views) all ask the `before_serve_document` hooks (`checks_before_serving`):
Wagtail's own check of the collection's privacy, and `check_download` here.

Which pages show a document is read from the portal's own relations — a training's "Slides and documents"
(trainings.Attachment) and a write-up's attached files (practices.PracticeAttachment) — in one query, not
from Wagtail's ReferenceIndex. The reference index would also see links in rich text, but Wagtail 8 updates
it in a background task: between a save and the default worker's next run (or for as long as that worker is
down) it would still list a file just removed from a published training, and not yet list one just
published. An access decision must follow the page as it is saved, so the rule reads the rows the page
itself is made of. Rich text therefore may not link documents (wagtail_hooks removes Wagtail's
"document-link" feature): a page shows its documents in its own lists, where this rule sees them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse

from wagtail import hooks
from wagtail.documents import get_document_model
from wagtail.models import Page
from wagtail.permissions import policy_registry

from portal.core.visibility import hidden_paths
from portal.practices.document_policy import is_write_up_file
from portal.practices.models import GoodPracticePage, PracticeAttachment
from portal.practices.visibility import in_practices_collection, is_submitter_for, may_open_upload, sees_all_practices
from portal.trainings.models import Attachment


def pages_showing(document: Any) -> list[Page]:
    """The pages (trainings and write-ups, in any state) whose lists show `document`: one query. A write-up
    carries its unit as `write_up_unit_id`; `.specific_class` tells the kinds apart."""
    return list(
        Page.objects.filter(
            Q(pk__in=Attachment.objects.filter(document_id=document.pk).values("page_id"))
            | Q(pk__in=PracticeAttachment.objects.filter(document_id=document.pk).values("page_id"))
        )
        .annotate(write_up_unit_id=F("goodpracticepage__unit_id"))
        .order_by("pk")
    )


def may_download(user: Any, document: Any) -> bool:
    """Whether `user` may have the file of `document` (see the module's docstring)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    pages = pages_showing(document)
    if is_write_up_file(document):
        # A write-up's file follows its write-up, never a training that shows it: the training's form refuses
        # such a file from those who may not choose it, and this keeps the rule should one get there anyway.
        pages = [page for page in pages if page.specific_class is GoodPracticePage]
        return any(_may_see(user, page) or _may_edit(user, page, document) for page in pages) or (
            not pages and may_open_upload(user, document)
        )
    if pages:
        return any(_may_see(user, page) or _may_edit(user, page, document) for page in pages)
    if in_practices_collection(document):
        return may_open_upload(user, document)
    return _manages(user, document)


def check_download(document: Any, request: HttpRequest) -> None:
    """The `before_serve_document` hook: refuse (403, the portal's own page) whoever may not have it."""
    if not may_download(request.user, document):
        raise PermissionDenied


def checks_before_serving(document: Any, request: HttpRequest) -> HttpResponse | None:
    """Run every `before_serve_document` hook, as Wagtail's view does: PermissionDenied when refused, a response
    to give instead of the file (a collection's password form), or None to send it."""
    for check in hooks.get_hooks("before_serve_document"):
        result = check(document, request)
        if isinstance(result, HttpResponse):
            return result
    return None


def _may_see(user: Any, page: Page) -> bool:
    return page.live and not any(page.path.startswith(path) for path in hidden_paths(user))


def _may_edit(user: Any, page: Page, document: Any) -> bool:
    if page.specific_class is GoodPracticePage:
        # As for the write-up itself: its unit's submitters, reviewers and administrators; no collection
        # permission opens a unit's unpublished files to a training editor.
        return sees_all_practices(user) or is_submitter_for(user, page.write_up_unit_id)
    return page.permissions_for_user(user).can_edit() or _manages(user, document)


def _manages(user: Any, document: Any) -> bool:
    policy = policy_registry.get_by_type(get_document_model())
    return policy.user_has_permission_for_instance(user, "change", document)
