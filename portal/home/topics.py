"""Topics are the taggit tags shared by trainings and good practices."""

from __future__ import annotations

from itertools import chain
from typing import Any

from django.db.models import Count, Q, QuerySet

from wagtail.models import Page

from portal.core.visibility import visible_to
from portal.home.models import Topic
from portal.practices.models import GoodPracticePage
from portal.trainings.models import TrainingPage


def topics_in_use(user: Any) -> QuerySet[Topic]:
    """Topics carried by at least one live page `user` may open, with how many such pages carry each."""
    trainings = visible_to(TrainingPage.objects.live(), user).values("pk")
    practices = visible_to(GoodPracticePage.objects.live(), user).values("pk")
    live_trainings = Q(trainings_items__content_object__in=trainings)
    live_practices = Q(practices_items__content_object__in=practices)
    return (
        Topic.objects.annotate(
            training_count=Count("trainings_items", filter=live_trainings, distinct=True),
            practice_count=Count("practices_items", filter=live_practices, distinct=True),
        )
        .filter(Q(training_count__gt=0) | Q(practice_count__gt=0))
        .order_by("name")
    )


def pages_with_topic(topic: Topic, user: Any) -> list[Page]:
    """Live trainings and good practices carrying the topic that `user` may open, newest first."""
    trainings = visible_to(TrainingPage.objects.live().filter(topics=topic).select_related("unit"), user)
    practices = visible_to(GoodPracticePage.objects.live().filter(topics=topic).select_related("unit"), user)
    return sorted(chain(trainings, practices), key=lambda page: (page.date, page.pk), reverse=True)
