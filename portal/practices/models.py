"""Good-practice pages ("cách làm hay"). The foundation holds the fields every listing needs; the good
practices issue adds the submission form, the review workflow and attachments."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import ItemBase
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from portal.core.pages import SectionIndexPage, VietnameseSlugMixin


class GoodPracticeIndexPage(SectionIndexPage):
    subpage_types = ["practices.GoodPracticePage"]

    class Meta:
        verbose_name = _("good practice index")

    @property
    def listed_model(self) -> type[Page]:
        return GoodPracticePage


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
    summary = models.TextField(_("summary"), blank=True)
    body = RichTextField(_("body"), blank=True)
    topics = ClusterTaggableManager(_("topics"), through=PracticeTopic, blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("date"),
        FieldPanel("unit"),
        FieldPanel("topics"),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("date"),
    ]
    parent_page_types = ["practices.GoodPracticeIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("good practice")
        verbose_name_plural = _("good practices")
