"""The portal's main pages, as each persona reaches them, for checks that must hold on every one of them
(tests/browser/test_main_pages.py: accessibility, no sideways scrolling on a phone, ...).

`build_site()` makes one small site with something on every page — a series with a recorded training (a real
tiny HLS recording, chapters, a transcript), a training without a recording, published and draft write-ups of
the submitter's unit, topics, indexed for search — and `main_pages(site, user)` lists what that user opens,
in the order a person would. To check one more page, add it to `main_pages`; every check then covers it.
Import it as `tests.browser.main_pages` (conftest modules cannot be imported).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from playwright.sync_api import Route

from media import processing
from media.captions import Cue
from media.models import PlaybackPosition, Video
from media.states import State
from media.transcripts import save_transcript
from portal.home.models import Topic
from portal.notifications.models import Kind, Notification
from portal.practices.models import FieldOfWork
from portal.practices.submission import is_submitter
from portal.trainings.models import Chapter, RecordingPart, TrainingIndexPage, TrainingPage, TrainingSeriesPage
from search.sync import drain
from tests.media.samples import lecture, restore, rows_of
from tests.practices.pages import add_practice, add_training

# Every persona of tests/conftest.py that has a role, by fixture name.
PERSONAS = ("lan_viewer", "minh_submitter", "hoa_reviewer", "tuan_editor", "quang_admin")
SEARCH_QUERY = "kỹ năng"
# Where the viewer stopped last time in the recorded training: the player opens with its resume notice.
RESUME_AT = 2.0


@dataclass(frozen=True)
class MainPage:
    """A page a persona opens: `name` in reports, `path` to go to, and `ready`, a selector that is visible
    once the page has finished what it does on load (the player, for example, loads its first part)."""

    name: str
    path: str
    ready: str = "main h1"


@dataclass
class Site:
    """What `build_site` made, for `main_pages` to address."""

    series: TrainingSeriesPage
    training: TrainingPage
    practice: Any
    topic: Topic
    media_root: Path


def transcode_once(store: dict[str, Any]) -> dict[str, Any]:
    """The rows of a 3 s clip transcoded for real the first time it is asked for, inside a transaction that
    is rolled back; `store` is a session-scoped dict holding "root" (a folder) and, after that, the rows.

    Called from a function-scoped fixture: between browser tests the database is flushed, and a lookup cached
    from a session-scoped one (content types) would keep ids the restored database lacks."""
    if "video" not in store:
        root = store["root"]
        source = lecture(root / "tap-huan.mp4", size="640x360", seconds=3)
        with override_settings(MEDIA_ROOT=root / "media", MEDIA_WORK_DIR=root / "work"), transaction.atomic():
            video = processing.create_video(source, title="tập huấn", move=True)
            assert processing.process(video.pk) == State.READY
            store.update(rows_of(Video.objects.get(pk=video.pk)))
            transaction.set_rollback(True)
    return store


def build_site(clip: dict[str, Any], users: list[Any], hanoi: Any) -> Site:
    """One small site with something on each main page, for `users` (who get notifications and a saved
    position in the recording); `clip` comes from `transcode_once`, `hanoi` is the submitter's unit.
    The caller points MEDIA_ROOT at `Site.media_root`."""
    topic = Topic.objects.create(name="Kỹ năng xét hỏi")
    other_topic = Topic.objects.create(name="Kiểm sát thi hành án dân sự")
    series = TrainingSeriesPage(
        title="Bồi dưỡng kỹ năng kiểm sát điều tra",
        date=datetime.date(2026, 1, 5),
        summary="Ba buổi tập huấn cho kiểm sát viên cấp khu vực.",
    )
    TrainingIndexPage.objects.get().add_child(instance=series)
    series.save_revision().publish()

    video = restore(clip)
    training = TrainingPage(
        title="Kỹ năng xét hỏi bị can trong giai đoạn điều tra",
        date=datetime.date(2026, 1, 12),
        summary="Chuẩn bị, đặt câu hỏi và ghi biên bản hỏi cung.",
        description="<p>Buổi tập huấn trình bày kinh nghiệm xét hỏi của các đơn vị.</p>",
        unit=hanoi,
        audience="Kiểm sát viên cấp khu vực",
    )
    series.add_child(instance=training)
    training.topics.add(topic)
    RecordingPart.objects.create(page=training, video=video, title="Buổi sáng", sort_order=0)
    Chapter.objects.create(page=training, part_number=1, start=0, title="Khai mạc", sort_order=0)
    Chapter.objects.create(page=training, part_number=1, start=1, title="Chuẩn bị hỏi cung", sort_order=1)
    training.save_revision().publish()
    save_transcript(
        video,
        [
            Cue(start=0.2, end=1.4, text="Kiểm sát viên cần chuẩn bị kỹ trước khi hỏi cung."),
            Cue(start=1.5, end=2.9, text="Câu hỏi ngắn, rõ ràng, không gợi ý."),
        ],
        source="human",
    )
    add_training("Kỹ năng kiểm sát việc tạm giữ, tạm giam", topics=[other_topic])

    field = FieldOfWork.objects.first()
    practice = add_practice(
        "Kinh nghiệm nâng cao kỹ năng tranh tụng tại phiên tòa",
        topics=[topic],
        unit=hanoi,
        authors="Trần Văn Minh, Kiểm sát viên",
        field_of_work=field,
        problem="<p>Nhiều phiên tòa kéo dài vì chuẩn bị chưa kỹ.</p>",
        actions="<p>Lập đề cương xét hỏi cho từng phiên tòa.</p>",
        results="<p>Thời gian xét xử giảm 20%.</p>",
        views=12,
    )
    add_practice("Kỹ năng kiểm sát thi hành án dân sự", topics=[other_topic], unit=hanoi)
    add_practice("Bản nháp: kinh nghiệm kiểm sát tạm giam", live=False, unit=hanoi)

    now = timezone.now()
    for user in users:
        PlaybackPosition.objects.create(user=user, video=video, seconds=RESUME_AT)
        Notification.objects.create(
            recipient=user, kind=Kind.APPROVED, page=practice, title=practice.title, url=practice.url
        )
        Notification.objects.create(
            recipient=user,
            kind=Kind.CHANGES_REQUESTED,
            page=practice,
            title=practice.title,
            url=practice.url,
            message="Đề nghị bổ sung số liệu năm 2025.",
            created_at=now - datetime.timedelta(days=2),
            read_at=now - datetime.timedelta(days=1),
        )
    drain()
    return Site(
        series=series,
        training=TrainingPage.objects.get(pk=training.pk),
        practice=practice,
        topic=topic,
        media_root=Path(clip["root"]) / "media",
    )


def no_position_saves(route: Route) -> None:
    """For `context.route("**/vi-tri/", ...)`: the player's position saves would race the end of a test (the
    flush of its data), so they are dropped; reading the saved position is let through."""
    if route.request.method == "POST":
        route.abort()
    else:
        route.continue_()


def _for_submitters(user: Any) -> bool:
    return is_submitter(user)


# Pages only some people have; the others never see a link to them.
ONLY_FOR: dict[str, Callable[[Any], bool]] = {
    "submission form": _for_submitters,
    "my unit's write-ups": _for_submitters,
}


def main_pages(site: Site, user: Any) -> list[MainPage]:
    """The main pages `user` opens on `site`."""
    pages = [
        MainPage("home", "/"),
        MainPage("trainings", TrainingIndexPage.objects.get().url),
        MainPage("a training series", site.series.url),
        MainPage("a training with the player", site.training.url, ready='[data-player][data-state="ready"]'),
        MainPage("good practices", site.practice.get_parent().url),
        MainPage("a write-up", site.practice.url),
        MainPage("topics", reverse("topic_list")),
        MainPage("a topic", reverse("topic_detail", args=[site.topic.slug])),
        MainPage("search with results", f"{reverse('search')}?q={SEARCH_QUERY}", ready=".search-hit"),
        MainPage("notifications", reverse("notifications:list")),
        MainPage("submission form", reverse("practices:submit")),
        MainPage("my unit's write-ups", reverse("practices:mine")),
    ]
    return [page for page in pages if ONLY_FOR.get(page.name, lambda _user: True)(user)]
