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
from portal.core.visibility import visible_to
from portal.trainings.forms import TrainingPageForm


class TrainingIndexPage(SectionIndexPage):
    subpage_types = ["trainings.TrainingPage", "trainings.TrainingSeriesPage"]

    class Meta:
        verbose_name = _("training index")

    @property
    def listed_model(self) -> type[Page]:
        return TrainingPage

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from portal.trainings.cards import attach_recordings

        context = super().get_context(request, *args, **kwargs)
        items = context["items"]
        items.object_list = list(items.object_list.prefetch_related("topics"))
        attach_recordings(items.object_list, request.user)
        return context


class TrainingTopic(ItemBase):
    tag = models.ForeignKey("home.Topic", on_delete=models.CASCADE, related_name="trainings_items")
    content_object = ParentalKey("trainings.TrainingPage", on_delete=models.CASCADE, related_name="topic_items")


class TrainingPage(VietnameseSlugMixin, Page):
    base_form_class = TrainingPageForm
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
        # The heading names the list, the label one item: Wagtail's button reads "Thêm <label>".
        InlinePanel("speakers", heading=_("Speakers"), label=_("speaker")),
        InlinePanel(
            "parts",
            heading=_("Recording parts"),
            label=_("recording part"),
            help_text=_("In the order they should be watched."),
        ),
        InlinePanel("chapters", heading=_("Chapters"), label=_("chapter")),
        InlinePanel("attachments", heading=_("Slides and documents"), label=_("document")),
        InlinePanel("related_trainings", heading=_("Related trainings"), label=_("related training")),
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
        related_ids = list(self.related_trainings.order_by("sort_order").values_list("training_id", flat=True))
        visible = visible_to(TrainingPage.objects.filter(pk__in=related_ids).live(), request.user)
        by_id = {page.pk: page for page in visible.select_related("unit").prefetch_related("topics")}
        # A related training under a restriction that keeps this reader out is not even named.
        context["related"] = [by_id[pk] for pk in related_ids if pk in by_id]
        from portal.trainings.cards import attach_recordings

        attach_recordings(context["related"], request.user)
        from portal.trainings.slides import shown_documents

        context["documents"] = shown_documents(self)
        parent = self.get_parent().specific
        context["series"] = parent if isinstance(parent, TrainingSeriesPage) else None
        context["series_sessions"] = parent.sessions(request.user) if context["series"] else []
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

    def sessions(self, user: Any) -> models.QuerySet:
        """The series' live sessions that `user` may open, in order."""
        from portal.core.visibility import visible_to

        sessions = TrainingPage.objects.child_of(self).live().select_related("unit").order_by("date", "pk")
        return visible_to(sessions, user)

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from portal.trainings.cards import attach_recordings

        context = super().get_context(request, *args, **kwargs)
        context["sessions"] = list(self.sessions(request.user))
        attach_recordings(context["sessions"], request.user)
        return context


class SlideDeck(models.Model):
    """The pages of a PDF attached to a training (slides, most often): each page's text and a thumbnail,
    made in the background by portal.trainings.slides from the file version named by `signature`."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to be processed")
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    document = models.OneToOneField(
        "wagtaildocs.Document", verbose_name=_("document"), on_delete=models.CASCADE, related_name="slide_deck"
    )
    signature = models.CharField(max_length=600, help_text="the file version the pages were made from")
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.QUEUED)
    error = models.TextField(_("error"), blank=True)
    page_count = models.PositiveIntegerField(_("pages"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("slide deck")
        verbose_name_plural = _("slide decks")

    def __str__(self) -> str:
        return str(self.document)


class Slide(models.Model):
    """One page of a SlideDeck: its text (NFC) and the storage name of its thumbnail (JPEG)."""

    deck = models.ForeignKey(SlideDeck, on_delete=models.CASCADE, related_name="slides")
    number = models.PositiveIntegerField(_("page"))
    text = models.TextField(_("text"), blank=True)
    thumbnail = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("slide")
        verbose_name_plural = _("slides")
        ordering = ["deck", "number"]
        constraints = [models.UniqueConstraint(fields=["deck", "number"], name="one_slide_per_page")]

    def __str__(self) -> str:
        return f"{self.deck} [{self.number}]"


class SlideTiming(models.Model):
    """When a page of a training's slides is shown in its recording, as the editor tied it (optional).
    Keyed by the page number, so a corrected PDF with the same pages keeps its times."""

    page = models.ForeignKey(TrainingPage, on_delete=models.CASCADE, related_name="slide_timings")
    document = models.ForeignKey("wagtaildocs.Document", on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField(_("page"))
    part_number = models.PositiveSmallIntegerField(_("part"), default=1)
    start = models.FloatField(_("starts at (seconds)"))

    class Meta:
        verbose_name = _("slide time")
        verbose_name_plural = _("slide times")
        ordering = ["page", "document", "number"]
        constraints = [
            models.UniqueConstraint(fields=["page", "document", "number"], name="one_time_per_slide"),
            models.CheckConstraint(condition=models.Q(start__gte=0), name="slide_time_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} [{self.number}] → {self.part_number} {format_timecode(self.start)}"
