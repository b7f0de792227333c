from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from portal.core.listing import paginate
from portal.core.text import vietnamese_sort_key
from portal.home.models import Topic
from portal.home.topics import pages_with_topic, topics_in_use
from portal.trainings.cards import attach_recordings


def topic_list(request: HttpRequest) -> HttpResponse:
    topics = sorted(topics_in_use(request.user), key=lambda topic: vietnamese_sort_key(topic.name))
    return render(request, "home/topic_list.html", {"topics": topics})


def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic, slug=slug)
    shown = paginate(request, pages_with_topic(topic, request.user))
    attach_recordings(shown.object_list, request.user)
    return render(request, "home/topic_detail.html", {"topic": topic, "pages": shown})
