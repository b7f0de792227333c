"""Pages for the reading-side tests: write-ups and trainings put under their section and published
(or left as unpublished drafts), as the portal's own editors would."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from wagtail.models import Page

from portal.practices.models import GoodPracticeIndexPage, GoodPracticePage
from portal.trainings.models import RecordingPart, TrainingIndexPage, TrainingPage


def _place(page: Page, index: Page, *, topics: Any, live: bool, parts: Sequence[Any] = ()) -> Page:
    index.add_child(instance=page)
    page.topics.add(*topics)  # type: ignore[attr-defined]
    for order, video in enumerate(parts):
        RecordingPart.objects.create(page=page, video=video, sort_order=order)
    revision = page.save_revision()
    if live:
        revision.publish()
    else:
        type(page).objects.filter(pk=page.pk).update(live=False)
    page.refresh_from_db()
    return page


def add_practice(title: str, *, live: bool = True, topics: Any = (), views: int = 0, **fields: Any) -> GoodPracticePage:
    """A write-up dated 1 April 2026 unless told otherwise, with a summary, published unless `live=False`."""
    fields.setdefault("date", datetime.date(2026, 4, 1))
    fields.setdefault("summary", f"Tóm tắt: {title}")
    page = _place(
        GoodPracticePage(title=title, **fields), GoodPracticeIndexPage.objects.get(), topics=topics, live=live
    )
    if views:
        GoodPracticePage.objects.filter(pk=page.pk).update(view_count=views)
        page.view_count = views
    return page  # type: ignore[return-value]


def add_training(title: str, *, live: bool = True, topics: Any = (), parts: Sequence[Any] = ()) -> TrainingPage:
    """A training dated 1 January 2026 showing the recordings `parts` (Videos) in order, published unless
    `live=False`."""
    page = TrainingPage(title=title, date=datetime.date(2026, 1, 1))
    return _place(  # type: ignore[return-value]
        page, TrainingIndexPage.objects.get(), topics=topics, live=live, parts=parts
    )
