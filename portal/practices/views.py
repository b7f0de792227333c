"""The unit's side of good practices in the portal: write up, save as draft, send for review, follow the state.

Only Unit submitters use these pages (reviewers and administrators work in the admin); a submitter only
ever reaches their own unit's write-ups — another unit's is "not found" (404), not "forbidden", so its
existence is not revealed. Every permission decision is in the _helpers at the top and in
portal.practices.visibility / workflow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.core.listing import paginate
from portal.practices.extraction import DocumentRejected, check_and_extract
from portal.practices.forms import SubmissionForm, sign_held_files, unsign_held_files
from portal.practices.models import GoodPracticePage
from portal.practices.submission import (
    EditConflict,
    NewAttachment,
    NoPracticeSection,
    discard_held_documents,
    document_title,
    held_documents,
    is_submitter,
    latest_version,
    save_submission,
    store_document,
)
from portal.practices.visibility import can_preview_practice, is_submitter_for, unit_practices
from portal.practices.workflow import (
    SubmissionClosed,
    SubmissionState,
    can_edit,
    submission_state,
    submission_states,
    submit_for_review,
)

ACTION_SUBMIT = "submit"


def _forbidden(request: HttpRequest) -> HttpResponse:
    """Not a submitter: say plainly who may write up practices, rather than a bare error page."""
    return render(request, "practices/submission/forbidden.html", status=403)


def _unit_page_or_404(request: HttpRequest, page_id: int) -> GoodPracticePage:
    """A write-up of the submitter's own unit; any other is "not found"."""
    page = get_object_or_404(GoodPracticePage, pk=page_id)
    if not is_submitter_for(request.user, page.unit_id):
        raise Http404
    return page


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """/cach-lam-hay/gui/: a new write-up of the submitter's unit."""
    if not is_submitter(request.user):
        return _forbidden(request)
    return _write_up(request, None)


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, page_id: int) -> HttpResponse:
    """/cach-lam-hay/<id>/sua/: change a draft, or one the reviewers sent back, and (re)submit it."""
    if not is_submitter(request.user):
        return _forbidden(request)
    page = _unit_page_or_404(request, page_id)
    if not can_edit(request.user, page):
        state = submission_state(page)
        messages.info(
            request,
            _("This write-up is “%(state)s” and cannot be changed now.") % {"state": state.label},
        )
        return HttpResponseRedirect(reverse("practices:preview", args=[page.pk]))
    return _write_up(request, page)


def _write_up(request: HttpRequest, page: GoodPracticePage | None) -> HttpResponse:
    user: Any = request.user
    working = latest_version(page) if page is not None else None
    attachments = [(a.document_id, str(a)) for a in working.attachments.all()] if working is not None else []
    if request.method != "POST":
        initial = SubmissionForm.initial_from_page(working) if working is not None else {}
        form = SubmissionForm(initial=initial, attachments=attachments)
        return _render_form(request, form, page=page, working=working, held=[])

    held = held_documents(user, unsign_held_files(user.pk, request.POST.get("held_files", "")))
    form = SubmissionForm(
        request.POST,
        request.FILES,
        attachments=attachments,
        held=[(document.pk, document.title) for document in held],
        submitting=request.POST.get("action") == ACTION_SUBMIT,
    )
    valid = form.is_valid()
    # Every file that passed its check is kept now, even if something else is wrong: a file input
    # cannot be refilled by the page, so the submitter would otherwise have to choose it again.
    texts: dict[int, str] = {}
    for accepted in form.accepted:
        title = document_title(accepted.upload.name or "", accepted.extracted.title)
        document = store_document(accepted.upload, user, title=title)
        texts[document.pk] = accepted.extracted.text
        held.append(document)
    dropped = set(form.cleaned_data.get("drop_held_files") or [])
    if dropped:
        discard_held_documents(user, dropped)
        held = [document for document in held if document.pk not in dropped]
    if not valid:
        return _render_form(request, form, page=page, working=working, held=held, status=200)

    new_attachments = [NewAttachment(document, texts.get(document.pk) or _text_of(document)) for document in held]
    try:
        saved = save_submission(
            user=user,
            cleaned=form.cleaned_data,
            page=page,
            based_on_revision=form.cleaned_data.get("based_on_revision"),
            new_attachments=new_attachments,
            remove_documents=form.cleaned_data.get("remove_attachments") or [],
        )
    except EditConflict as conflict:
        return _render_form(request, form, page=page, working=working, held=held, conflict=conflict, status=409)
    except NoPracticeSection:
        form.add_error(None, _("The good practices section is missing from the portal. Please tell an administrator."))
        return _render_form(request, form, page=page, working=working, held=held, status=200)

    if form.submitting:
        try:
            submit_for_review(saved, user)
        except SubmissionClosed:
            messages.error(
                request, _("Your changes were saved, but this write-up was rejected and cannot be sent again.")
            )
            return HttpResponseRedirect(reverse("practices:mine"))
        messages.success(
            request,
            _("“%(title)s” was sent to the reviewers. You will be told when they decide.") % {"title": saved.title},
        )
    else:
        messages.success(
            request,
            _("“%(title)s” was saved as a draft. Only your unit's submitters can see it.") % {"title": saved.title},
        )
    return HttpResponseRedirect(reverse("practices:mine"))


def _text_of(document: Any) -> str:
    """The text of a file kept from an earlier attempt, read again (it passed the same check then)."""
    try:
        with document.file.open("rb") as stream:
            return check_and_extract(stream, document.file.name).text
    except (DocumentRejected, OSError):
        return ""


def _render_form(
    request: HttpRequest,
    form: SubmissionForm,
    *,
    page: GoodPracticePage | None,
    working: GoodPracticePage | None,
    held: list[Any],
    conflict: EditConflict | None = None,
    status: int = 200,
) -> HttpResponse:
    user: Any = request.user
    removing = {str(value) for value in (form["remove_attachments"].value() or [])}
    context = {
        "form": form,
        "practice": page,
        "working": working,
        "attachments": [
            {"document_id": document_id, "title": title, "removing": str(document_id) in removing}
            for document_id, title in form.attachment_choices
        ],
        "held": held,
        "held_token": sign_held_files(user.pk, [document.pk for document in held]) if held else "",
        "conflict": conflict,
        "conflict_revision": conflict.revision if conflict else None,
        "required_to_submit": SubmissionForm.REQUIRED_TO_SUBMIT,
        "state": submission_state(page) if page is not None else None,
    }
    return TemplateResponse(request, "practices/submit_form.html", context, status=status)


@dataclass
class SubmissionRow:
    page: GoodPracticePage
    state: SubmissionState
    changed_at: datetime | None
    changed_by: Any


@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """/cach-lam-hay/cua-don-vi/: every write-up of the submitter's unit and where each stands."""
    if not is_submitter(request.user):
        return _forbidden(request)
    pages = (
        unit_practices(request.user)
        .select_related("latest_revision__user")
        .order_by("-latest_revision_created_at", "-pk")
    )
    listing = paginate(request, pages)
    states = submission_states(listing.object_list)
    listing.object_list = [
        SubmissionRow(
            page=page,
            state=states[page.pk],
            changed_at=page.latest_revision_created_at or page.last_published_at,
            changed_by=page.latest_revision.user if page.latest_revision else page.owner,
        )
        for page in listing.object_list
    ]
    user: Any = request.user
    return TemplateResponse(request, "practices/mine.html", {"rows": listing, "unit": user.unit})


@require_GET
def preview(request: HttpRequest, page_id: int) -> HttpResponse:
    """/cach-lam-hay/<id>/xem-truoc/: the write-up as last saved, laid out as it will be published."""
    page = get_object_or_404(GoodPracticePage, pk=page_id)
    if not can_preview_practice(request.user, page):
        raise Http404
    working = latest_version(page)
    # What Wagtail's own preview sets: templates and get_context can tell a preview from the live page.
    request.is_preview = True  # type: ignore[attr-defined]
    request.preview_mode = working.default_preview_mode  # type: ignore[attr-defined]
    context = working.get_context(request)
    context.update(
        {
            "state": submission_state(page),
            "may_edit": is_submitter(request.user) and can_edit(request.user, page),
            "show_mine": is_submitter(request.user),
            "live_page": page if page.live else None,
        }
    )
    return TemplateResponse(request, "practices/preview.html", context)
