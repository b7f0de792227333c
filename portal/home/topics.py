"""Topics are the taggit tags shared by trainings and good practices."""

from __future__ import annotations

from itertools import chain

from django.db.models import Count, Q, QuerySet

from wagtail.models import Page

from portal.home.models import Topic
from portal.practices.models import GoodPracticePage
from portal.trainings.models import TrainingPage


def topics_in_use() -> QuerySet[Topic]:
    """Topics carried by at least one live page, with how many pages carry each."""
    live_trainings = Q(trainings_items__content_object__live=True)
    live_practices = Q(practices_items__content_object__live=True)
    return (
        Topic.objects.annotate(
            training_count=Count("trainings_items", filter=live_trainings, distinct=True),
            practice_count=Count("practices_items", filter=live_practices, distinct=True),
        )
        .filter(Q(training_count__gt=0) | Q(practice_count__gt=0))
        .order_by("name")
    )


def pages_with_topic(topic: Topic) -> list[Page]:
    """Live, public trainings and good practices carrying the topic, newest first."""
    trainings = TrainingPage.objects.live().public().filter(topics=topic).select_related("unit")
    practices = GoodPracticePage.objects.live().public().filter(topics=topic).select_related("unit")
    return sorted(chain(trainings, practices), key=lambda page: (page.date, page.pk), reverse=True)
