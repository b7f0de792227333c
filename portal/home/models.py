from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from taggit.models import TagBase
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from portal.core.pages import VietnameseSlugMixin
from portal.core.slugs import vietnamese_slugify

LATEST_COUNT = 6


class HomePage(VietnameseSlugMixin, Page):
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link", "ol", "ul"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1
    is_structural = True  # see portal.core.wagtail_hooks.protect_structure

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from portal.core.visibility import visible_to
        from portal.practices.models import GoodPracticePage
        from portal.trainings.cards import attach_recordings
        from portal.trainings.models import TrainingPage
        from portal.trainings.watching import continue_watching

        context = super().get_context(request, *args, **kwargs)
        newest = ("-date", "-first_published_at")
        trainings = TrainingPage.objects.live().select_related("unit").order_by(*newest)
        practices = GoodPracticePage.objects.live().select_related("unit").order_by(*newest)
        latest_trainings = list(visible_to(trainings, request.user).prefetch_related("topics")[:LATEST_COUNT])
        attach_recordings(latest_trainings, request.user)
        context["latest_trainings"] = latest_trainings
        context["latest_practices"] = visible_to(practices, request.user)[:LATEST_COUNT]
        context["continue_watching"] = continue_watching(request.user, LATEST_COUNT)
        return context


class Topic(TagBase):
    """A topic ("chủ đề") shared by trainings and good practices: a taggit tag with a readable slug.

    taggit's own Tag keeps Vietnamese letters in the slug ("chứng-cứ-điện-tử"); topic addresses
    such as /chu-de/chung-cu-dien-tu/ should read as plain ASCII like every other address.
    """

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["name"]

    def slugify(self, tag: str, i: int | None = None) -> str:
        slug = vietnamese_slugify(tag, max_length=90) or "chu-de"
        return slug if i is None else f"{slug}-{i}"
