"""Training pages: a recorded training with its parts, chapters, speakers and documents, and series
that group the sessions of a course. Page models stay thin; the player and media live in media/."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import ItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from media.timecode import TimecodeField, format_timecode
from portal.core.pages import SectionIndexPage, VietnameseSlugMixin


class TrainingIndexPage(SectionIndexPage):
    subpage_types = ["trainings.TrainingPage", "trainings.TrainingSeriesPage"]

    class Meta:
        verbose_name = _("training index")

    @property
    def listed_model(self) -> type[Page]:
        return TrainingPage


class TrainingTopic(ItemBase):
    tag = models.ForeignKey("home.Topic", on_delete=models.CASCADE, related_name="trainings_items")
    content_object = ParentalKey("trainings.TrainingPage", on_delete=models.CASCADE, related_name="topic_items")


class TrainingPage(VietnameseSlugMixin, Page):
    date = models.DateField(_("date"), default=timezone.localdate)
    end_date = models.DateField(_("last day"), null=True, blank=True, help_text=_("For trainings of several days."))
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("organising unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    audience = models.CharField(
        _("audience"),
        max_length=255,
        blank=True,
        help_text=_("Who the training is for, e.g. prosecutors of regional procuracies."),
    )
    summary = models.TextField(_("summary"), blank=True)
    description = RichTextField(_("description"), blank=True)
    topics = ClusterTaggableManager(_("topics"), through=TrainingTopic, blank=True)

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("date"), FieldPanel("end_date")], heading=_("Dates")),
        FieldPanel("unit"),
        FieldPanel("audience"),
        FieldPanel("topics"),
        FieldPanel("summary"),
        FieldPanel("description"),
        InlinePanel("speakers", label=_("Speakers")),
        InlinePanel("parts", label=_("Recording parts"), help_text=_("In the order they should be watched.")),
        InlinePanel("chapters", label=_("Chapters")),
        InlinePanel("attachments", label=_("Slides and documents")),
        InlinePanel("related_trainings", label=_("Related trainings")),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("description"),
        index.FilterField("date"),
    ]
    parent_page_types = ["trainings.TrainingIndexPage", "trainings.TrainingSeriesPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")

    def ordered_parts(self) -> list[RecordingPart]:
        return list(self.parts.select_related("video").order_by("sort_order"))

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        context["parts"] = self.ordered_parts()
        context["chapters"] = list(self.chapters.order_by("part_number", "start"))
        context["related"] = [
            item.training for item in self.related_trainings.select_related("training") if item.training.live
        ]
        return context


class Speaker(Orderable):
    page = ParentalKey(TrainingPage, on_delete=models.CASCADE, related_name="speakers")
    name = models.CharField(_("name"), max_length=150)
    position = models.CharField(_("position"), max_length=150, blank=True)
    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.SET_NULL)

    panels = [FieldRowPanel([FieldPanel("name"), FieldPanel("position")]), FieldPanel("unit")]

    def __str__(self) -> str:
        return self.name


class RecordingPart(Orderable):
    """One recording of the training (morning, afternoon...), shown in order in the player."""

    page = ParentalKey(TrainingPage, on_delete=models.CASCADE, related_name="parts")
    title = models.CharField(_("title"), max_length=150, blank=True, help_text=_("e.g. Morning session"))
    video = models.ForeignKey("media.Video", verbose_name=_("recording"), on_delete=models.PROTECT, related_name="+")

    panels = [FieldPanel("title"), FieldPanel("video")]

    def __str__(self) -> str:
        return self.title or str(self.video)


class Chapter(Orderable):
    page = ParentalKey(TrainingPage, on_delete=models.CASCADE, related_name="chapters")
    part_number = models.PositiveSmallIntegerField(_("part"), default=1, help_text=_("1 for the first recording part."))
    start = TimecodeField(_("starts at"), help_text=_("minutes:seconds, e.g. 12:34"))
    title = models.CharField(_("title"), max_length=200)

    panels = [FieldRowPanel([FieldPanel("part_number"), FieldPanel("start")]), FieldPanel("title")]

    def __str__(self) -> str:
        return f"{format_timecode(self.start)} {self.title}"

    @property
    def start_label(self) -> str:
        return format_timecode(self.start)


class Attachment(Orderable):
    page = ParentalKey(TrainingPage, on_delete=models.CASCADE, related_name="attachments")
    document = models.ForeignKey(
        "wagtaildocs.Document", verbose_name=_("document"), on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(
        _("title"), max_length=200, blank=True, help_text=_("Leave empty to use the document's own title.")
    )

    panels = [FieldPanel("document"), FieldPanel("title")]

    def __str__(self) -> str:
        return self.title or self.document.title


class RelatedTraining(Orderable):
    page = ParentalKey(TrainingPage, on_delete=models.CASCADE, related_name="related_trainings")
    training = models.ForeignKey(TrainingPage, verbose_name=_("training"), on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("training")]


class TrainingSeriesPage(VietnameseSlugMixin, Page):
    """A multi-session course: its sessions are TrainingPages below it, in the order of their dates."""

    date = models.DateField(_("start date"), default=timezone.localdate)
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("organising unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    summary = models.TextField(_("summary"), blank=True)
    description = RichTextField(_("description"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("date"),
        FieldPanel("unit"),
        FieldPanel("summary"),
        FieldPanel("description"),
    ]
    parent_page_types = ["trainings.TrainingIndexPage"]
    subpage_types = ["trainings.TrainingPage"]

    class Meta:
        verbose_name = _("training series")
        verbose_name_plural = _("training series")

    def sessions(self) -> models.QuerySet:
        return TrainingPage.objects.child_of(self).live().public().select_related("unit").order_by("date", "pk")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        context["sessions"] = self.sessions()
        return context
