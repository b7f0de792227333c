"""Reading good practices: the listing's filters and sorting, the parts of the article page, the
"useful" mark and the view count.

A view is counted at most once per reader, session and write-up, so reloading a page does not inflate
it, and never for previews (reviewers and submitters look at drafts many times). The count is raised
with ``UPDATE ... SET view_count = view_count + 1`` so two readers at once never lose a view.

Sorting by title follows the Vietnamese reader's order ("Ánh sáng" beside "An ninh", not after "Z"),
which the database's binary order cannot give: the titles of the filtered list are sorted in Python
and only the requested page of write-ups is loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar, cast

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Page as PaginatorPage
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.functional import Promise
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from portal.core.listing import paginate
from portal.core.pages import ListingFilters
from portal.core.text import vietnamese_sort_key
from portal.core.visibility import visible_to
from portal.practices.models import FieldOfWork, GoodPracticePage, UsefulMark
from portal.trainings.cards import attach_recordings
from portal.trainings.models import TrainingPage
from portal.units.models import User

RELATED_COUNT = 4
PREVIEW_CHARS = 800
# Write-ups seen in this session (their ids); bounded so a long session does not grow without end.
SEEN_SESSION_KEY = "practices_seen"
SEEN_LIMIT = 500

NEWEST, OLDEST, MOST_VIEWED, MOST_USEFUL, TITLE = "moi-nhat", "cu-nhat", "xem-nhieu", "huu-ich", "ten"
ORDERINGS = {
    NEWEST: ("-date", "-pk"),
    OLDEST: ("date", "pk"),
    MOST_VIEWED: ("-view_count", "-date", "-pk"),
    MOST_USEFUL: ("-useful_count", "-date", "-pk"),
}


def useful_count_expression() -> Coalesce:
    """How many readers marked the write-up useful, as a subquery (no join to multiply other counts)."""
    marks = UsefulMark.objects.filter(page=OuterRef("pk")).order_by().values("page").annotate(n=Count("pk"))
    return Coalesce(Subquery(marks.values("n"), output_field=IntegerField()), Value(0))


class PracticeListingFilters(ListingFilters):
    """The section's filters plus field of work (?linh-vuc=<id>), and sorting (?sap-xep=)."""

    sort_choices: ClassVar[list[tuple[str, str | Promise]]] = [
        (NEWEST, _("Newest first")),
        (OLDEST, _("Oldest first")),
        (MOST_VIEWED, _("Most viewed")),
        (MOST_USEFUL, _("Most useful")),
        (TITLE, _("Title (A to Z)")),
    ]

    def __init__(self, request: HttpRequest, pages: QuerySet) -> None:
        super().__init__(request, pages)
        field = request.GET.get("linh-vuc", "").strip()
        self.field = int(field) if field.isdigit() else None

    def filtered(self) -> QuerySet:
        pages = super().filtered()
        if self.field:
            pages = pages.filter(field_of_work_id=self.field)
        return (
            pages.select_related("unit", "field_of_work")
            .prefetch_related("topics")
            .annotate(useful_count=useful_count_expression())
        )

    @property
    def active(self) -> bool:
        return super().active or bool(self.field)

    def field_choices(self) -> list[FieldOfWork]:
        """Fields of work of published write-ups, in the order administrators gave the list."""
        return list(FieldOfWork.objects.filter(pk__in=self.pages.values("field_of_work")))

    def sorted(self, pages: QuerySet) -> QuerySet:
        return pages.order_by(*ORDERINGS.get(self.sort, ORDERINGS[NEWEST]))

    def page_of_results(self, request: HttpRequest) -> PaginatorPage:
        if self.sort != TITLE:
            return super().page_of_results(request)
        pages = self.filtered()
        titles = sorted(pages.values_list("pk", "title"), key=lambda row: vietnamese_sort_key(row[1]))
        page_obj = paginate(request, [pk for pk, _title in titles])
        loaded = pages.in_bulk(list(page_obj.object_list))
        page_obj.object_list = [loaded[pk] for pk in page_obj.object_list if pk in loaded]
        return page_obj


@dataclass(frozen=True)
class Section:
    anchor: str
    heading: str | Promise
    html: str


@dataclass(frozen=True)
class AttachmentView:
    title: str
    url: str
    kind: str
    size: int | None
    preview: str
    preview_is_partial: bool


def has_content(html: str) -> bool:
    """Rich text that shows something: editors often leave "<p></p>" or a lone line break behind."""
    return bool(strip_tags(html).replace("&nbsp;", " ").strip()) or "<embed" in html or "<img" in html


def article_sections(page: GoodPracticePage) -> list[Section]:
    """The write-up's sections that hold something, in reading order, each with its heading."""
    sections = [
        Section("van-de", _("The problem"), page.problem),
        Section("cach-lam", _("What was done"), page.actions),
        Section("ket-qua", _("Results"), page.results),
        Section("ap-dung", _("How other units can apply it"), page.how_to_apply),
    ]
    filled = [section for section in sections if has_content(section.html)]
    if has_content(page.body):
        # An imported report has only this section: "Other content" would then read oddly.
        heading = _("Other content") if filled else _("Content")
        filled.append(Section("noi-dung", heading, page.body))
    return filled


def text_preview(text: str, limit: int = PREVIEW_CHARS) -> tuple[str, bool]:
    """The first ``limit`` characters of extracted text, cut at a word, with tidy spacing; and whether
    there is more."""
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r" ?\n[ \n]*\n ?", "\n\n", text).strip()
    if len(text) <= limit:
        return text, False
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit * 0.8:
        cut = cut[:space]
    return cut.rstrip() + "…", True


def attachment_views(page: GoodPracticePage) -> list[AttachmentView]:
    views = []
    for attachment in page.attachments.all():
        document = attachment.document
        preview, partial = text_preview(attachment.text)
        views.append(
            AttachmentView(
                title=attachment.title or document.title,
                url=document.url,
                kind=document.file_extension.upper(),
                size=document.get_file_size(),
                preview=preview,
                preview_is_partial=partial,
            )
        )
    return views


def topic_ids(page: GoodPracticePage) -> list[int]:
    # Through the cluster relation, so a preview of unsaved topics works too.
    return [topic.pk for topic in page.topics.all() if topic.pk]


def related_practices(page: GoodPracticePage, user: Any, limit: int = RELATED_COUNT) -> list[GoodPracticePage]:
    """Published write-ups `user` may open sharing the most topics with this one, then those of the same field
    of work."""
    shared = Count("topic_items", filter=Q(topic_items__tag_id__in=topic_ids(page)), distinct=True)
    if page.field_of_work_id:
        same_field: Any = Case(When(field_of_work_id=page.field_of_work_id, then=1), default=0)
    else:
        same_field = Value(0)
    candidates = (
        visible_to(GoodPracticePage.objects.live(), user)
        .exclude(pk=page.pk)
        .annotate(shared_topics=shared, same_field=same_field)
        .filter(Q(shared_topics__gt=0) | Q(same_field=1))
        .select_related("unit", "field_of_work")
        .prefetch_related("topics")
        .order_by("-shared_topics", "-same_field", "-date", "-pk")
    )
    return list(candidates[:limit])


def related_trainings(page: GoodPracticePage, user: Any, limit: int = RELATED_COUNT) -> list[TrainingPage]:
    """Published trainings `user` may open sharing the most topics with the write-up."""
    ids = topic_ids(page)
    if not ids:
        return []
    shared = Count("topic_items", filter=Q(topic_items__tag_id__in=ids), distinct=True)
    trainings = (
        visible_to(TrainingPage.objects.live(), user)
        .annotate(shared_topics=shared)
        .filter(shared_topics__gt=0)
        .select_related("unit")
        .prefetch_related("topics")
        .order_by("-shared_topics", "-date", "-pk")
    )
    shown = list(trainings[:limit])
    attach_recordings(shown, user)
    return shown


def marked_useful(page: GoodPracticePage, user: AbstractBaseUser | AnonymousUser) -> bool:
    return bool(user.is_authenticated and UsefulMark.objects.filter(page_id=page.pk, user_id=user.pk).exists())


def record_view(request: HttpRequest, page: GoodPracticePage) -> bool:
    """Count the reader's first view of a published write-up in this session; say whether it counted."""
    if request.method != "GET" or getattr(request, "is_preview", False) or not page.live or not page.pk:
        return False
    session = getattr(request, "session", None)
    if session is None:
        return False
    seen = list(session.get(SEEN_SESSION_KEY, []))
    if page.pk in seen:
        return False
    GoodPracticePage.objects.filter(pk=page.pk).update(view_count=F("view_count") + 1)
    page.view_count += 1
    session[SEEN_SESSION_KEY] = [*seen[-(SEEN_LIMIT - 1) :], page.pk]
    return True


def article_context(request: HttpRequest, page: GoodPracticePage) -> dict[str, Any]:
    """What the article page shows besides the page's own fields."""
    is_preview = bool(getattr(request, "is_preview", False))
    return {
        "sections": article_sections(page),
        "attachments": attachment_views(page),
        "related_practices": related_practices(page, request.user),
        "related_trainings": related_trainings(page, request.user),
        "useful_count": UsefulMark.objects.filter(page_id=page.pk).count() if page.pk else 0,
        "marked_useful": marked_useful(page, request.user),
        "can_mark_useful": page.live and not is_preview and request.user.is_authenticated,
    }


@require_POST
def mark_useful(request: HttpRequest, page_id: int) -> HttpResponse:
    """Mark (useful=1) or unmark (useful=0) a published write-up as useful; back to the article.

    Marking twice keeps one mark: the database holds at most one per reader and write-up.
    """
    page = get_object_or_404(visible_to(GoodPracticePage.objects.live(), request.user), pk=page_id)
    reader = cast(User, request.user)  # the login-required middleware turned visitors away
    if request.POST.get("useful") == "0":
        UsefulMark.objects.filter(page=page, user=reader).delete()
    else:
        UsefulMark.objects.get_or_create(page=page, user=reader)
    return HttpResponseRedirect(page.get_url(request) + "#huu-ich")
