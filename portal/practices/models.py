"""Good-practice pages ("cách làm hay"): write-ups submitted by units, reviewed, published to the sector.

The page holds the structured write-up (problem, what was done, results, how to apply) and its files;
submission from the portal, the review workflow, notifications and text extraction live in plain modules
next to this one.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import ItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from portal.core.pages import ListingFilters, SectionIndexPage, VietnameseSlugMixin

# What a submitter may format in the write-up's sections: no headings, embeds or images.
WRITE_UP_FEATURES = ["bold", "italic", "ol", "ul", "link"]


class FieldOfWork(models.Model):
    """A field of the procuracy's work (trial supervision, enforcement of judgments...), in a list that
    administrators manage."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    sort_order = models.PositiveIntegerField(_("order in lists"), default=0)
    active = models.BooleanField(_("in use"), default=True, help_text=_("Fields no longer in use are not offered."))

    panels = [FieldPanel("name"), FieldRowPanel([FieldPanel("sort_order"), FieldPanel("active")])]

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("field of work")
        verbose_name_plural = _("fields of work")

    def __str__(self) -> str:
        return self.name


class GoodPracticeIndexPage(SectionIndexPage):
    subpage_types = ["practices.GoodPracticePage"]

    class Meta:
        verbose_name = _("good practice index")

    @property
    def listed_model(self) -> type[Page]:
        return GoodPracticePage

    def listing_filters(self, request: HttpRequest) -> ListingFilters:
        from portal.practices.reading import PracticeListingFilters

        return PracticeListingFilters(request, self.listed_pages(request.user))

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from portal.practices.feeds import personal_feed_url
        from portal.practices.submission import is_submitter

        context = super().get_context(request, *args, **kwargs)
        context["personal_feed_url"] = personal_feed_url(request)
        context["may_submit"] = is_submitter(request.user)
        return context


class PracticeTopic(ItemBase):
    tag = models.ForeignKey("home.Topic", on_delete=models.CASCADE, related_name="practices_items")
    content_object = ParentalKey("practices.GoodPracticePage", on_delete=models.CASCADE, related_name="topic_items")


class GoodPracticePage(VietnameseSlugMixin, Page):
    date = models.DateField(_("date"), default=timezone.localdate)
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("submitting unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    authors = models.CharField(
        _("authors"), max_length=500, blank=True, help_text=_("Names and positions, separated by commas.")
    )
    field_of_work = models.ForeignKey(
        FieldOfWork,
        verbose_name=_("field of work"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="practices",
    )
    topics = ClusterTaggableManager(_("topics"), through=PracticeTopic, blank=True)
    summary = models.TextField(_("summary"), blank=True, help_text=_("Two or three sentences shown in lists."))
    problem = RichTextField(_("the problem"), blank=True, features=WRITE_UP_FEATURES)
    actions = RichTextField(_("what was done"), blank=True, features=WRITE_UP_FEATURES)
    results = RichTextField(
        _("results"), blank=True, features=WRITE_UP_FEATURES, help_text=_("With figures where there are any.")
    )
    how_to_apply = RichTextField(_("how other units can apply it"), blank=True, features=WRITE_UP_FEATURES)
    body = RichTextField(
        _("other content"),
        blank=True,
        help_text=_("Anything that fits none of the sections above, e.g. the text of an imported report."),
    )
    view_count = models.PositiveIntegerField(_("views"), default=0, editable=False)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("unit"), FieldPanel("date")]),
                FieldPanel("authors"),
                FieldPanel("field_of_work"),
                FieldPanel("topics"),  # tick boxes in columns: the whole width
            ],
            heading=_("About the write-up"),
        ),
        FieldPanel("summary"),
        FieldPanel("problem"),
        FieldPanel("actions"),
        FieldPanel("results"),
        FieldPanel("how_to_apply"),
        FieldPanel("body"),
        InlinePanel("attachments", heading=_("Attached files"), label=_("file")),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("problem"),
        index.SearchField("actions"),
        index.SearchField("results"),
        index.SearchField("how_to_apply"),
        index.SearchField("body"),
        index.SearchField("authors"),
        index.RelatedFields("attachments", [index.SearchField("text")]),
        index.FilterField("date"),
        index.FilterField("unit"),
        index.FilterField("field_of_work"),
    ]
    parent_page_types = ["practices.GoodPracticeIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("good practice")
        verbose_name_plural = _("good practices")

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from portal.practices.reading import record_view

        record_view(request, self)
        return super().serve(request, *args, **kwargs)

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from portal.practices.reading import article_context

        return super().get_context(request, *args, **kwargs) | article_context(request, self)

    def with_content_json(self, content: dict[str, Any]) -> GoodPracticePage:
        # Views are counted on the live row, not in revisions: publishing a revision must not undo them.
        page = super().with_content_json(content)
        counted = GoodPracticePage.objects.filter(pk=self.pk).values_list("view_count", flat=True).first()
        page.view_count = counted or 0
        return page


class PracticeAttachment(Orderable):
    """A file attached to a write-up (the unit's .docx or .pdf report, slides, photos) and its text."""

    page = ParentalKey(GoodPracticePage, on_delete=models.CASCADE, related_name="attachments")
    document = models.ForeignKey(
        "wagtaildocs.Document", verbose_name=_("document"), on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(
        _("title"), max_length=200, blank=True, help_text=_("Leave empty to use the document's own title.")
    )
    # Text extracted from .docx, .pdf and .odt files: searched, and shown as a preview on the page.
    text = models.TextField(_("extracted text"), blank=True, editable=False)

    panels = [FieldPanel("document"), FieldPanel("title")]

    def __str__(self) -> str:
        return self.title or self.document.title


class UsefulMark(models.Model):
    """A reader found a write-up useful (once per reader and write-up)."""

    page = models.ForeignKey(GoodPracticePage, on_delete=models.CASCADE, related_name="useful_marks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["page", "user"], name="one_useful_mark_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.page_id}"


# The review task and the record of rejected write-ups live in review.py; imported here so Django finds them.
from portal.practices.review import PracticeRejection, PracticeReviewTask  # noqa: E402, F401
