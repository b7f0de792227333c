"""Training cards as in a video archive: length in words, parts, progress from the saved positions, "Tiếp tục
xem" on the home page, and a listing that costs the same number of queries for one training or many.

Recordings here are rows only (a published output folder, a duration): nothing is played or fetched. The
browser tests in tests/browser/test_video_archive.py do the same on real transcoded clips.
"""

from __future__ import annotations

import datetime
import re

from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from wagtail.models import PageViewRestriction

import pytest

from media.models import PlaybackPosition, Video
from media.states import State
from portal.trainings.cards import PartProgress, Recordings, duration_words
from portal.trainings.models import RelatedTraining, TrainingIndexPage
from tests.practices.pages import add_practice, add_training

pytestmark = pytest.mark.django_db


def recording(title: str, seconds: float, *, ready: bool = True) -> Video:
    """A Video row whose outputs are published (or not yet, when `ready` is False)."""
    video = Video.objects.create(
        title=title,
        original=f"videos/{title}/original/{title}.mp4",
        duration=seconds,
        state=State.READY if ready else State.PROCESSING,
    )
    if ready:
        folder = f"videos/{video.key}/out-1"
        Video.objects.filter(pk=video.pk).update(output_dir=folder, poster=f"{folder}/poster.jpg")
        video.refresh_from_db()
    return video


def watched(user, video: Video, seconds: float, minutes_ago: int = 0) -> None:
    PlaybackPosition.objects.create(user=user, video=video, seconds=seconds)
    when = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    PlaybackPosition.objects.filter(user=user, video=video).update(updated_at=when)


@pytest.fixture
def as_lan(lan_viewer) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(lan_viewer)
    return client


def text_of(html: str) -> str:
    """What a reader sees of `html`: its text, without tags, on one line."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace(" ·", "·").replace("· ", "·")


def section(html: str, heading_id: str) -> str:
    """The HTML of the <section> labelled by `heading_id` ("" when the page has none)."""
    match = re.search(rf'<section[^>]*aria-labelledby="{heading_id}">(.*?)</section>', html, re.S)
    return match.group(1) if match else ""


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (9.04, "9 giây"),
        (59.4, "59 giây"),
        (12 * 60 + 10, "12 phút"),
        (85 * 60 + 3, "1 giờ 25 phút"),
        (2 * 3600 + 20, "2 giờ"),
        (3599, "1 giờ"),
    ],
)
def test_a_length_reads_as_people_say_it(seconds, words):
    with translation.override("vi"):
        assert duration_words(seconds) == words


def test_progress_counts_each_part_up_to_where_the_viewer_stopped():
    recordings = Recordings(
        parts=[PartProgress(number=1, duration=600, seconds=597), PartProgress(number=2, duration=400, seconds=100)]
    )
    # The first part stopped in its last seconds counts as watched to the end: (600 + 100) / 1000.
    assert recordings.percent_watched == 70
    assert recordings.in_progress
    assert not recordings.finished


def test_a_training_is_finished_only_when_every_part_is():
    done = Recordings(
        parts=[PartProgress(number=1, duration=600, seconds=600), PartProgress(number=2, duration=400, seconds=395)]
    )
    assert done.finished and not done.in_progress
    assert done.percent_watched == 100
    barely = Recordings(parts=[PartProgress(number=1, duration=3600, seconds=2)])
    assert barely.percent_watched == 1  # started shows on the bar
    untouched = Recordings(parts=[PartProgress(number=1, duration=3600, seconds=0)])
    assert not untouched.started and untouched.percent_watched == 0


def test_going_on_opens_the_part_after_the_last_one_finished():
    earlier, later = timezone.now() - datetime.timedelta(hours=1), timezone.now()
    recordings = Recordings(
        parts=[
            PartProgress(number=1, duration=600, seconds=600, updated_at=later),
            PartProgress(number=3, duration=400),  # part 2 of the training is not playable yet
        ]
    )
    assert recordings.resume_part == 3
    recordings.parts[1] = PartProgress(number=3, duration=400, seconds=50, updated_at=earlier)
    assert recordings.resume_part == 3


def test_cards_show_length_parts_and_no_recording(as_lan):
    add_training("Kỹ năng xét hỏi bị can", parts=[recording("sang", 50 * 60), recording("chieu", 35 * 60)])
    add_training("Kỹ năng tranh tụng")
    html = as_lan.get(TrainingIndexPage.objects.get().url).content.decode()
    assert "1 giờ 25 phút" in html
    assert "2 phần" in html
    assert "Chưa có bản ghi" in html
    assert 'loading="lazy"' in html and "/poster.jpg" in html


def test_a_part_not_converted_yet_is_not_counted(as_lan):
    add_training("Kỹ năng xét hỏi bị can", parts=[recording("sang", 50 * 60), recording("chieu", 0, ready=False)])
    html = as_lan.get(TrainingIndexPage.objects.get().url).content.decode()
    assert "1 phần·50 phút" in text_of(html)


def test_a_training_page_without_a_recording_says_so(as_lan):
    page = add_training("Kỹ năng tranh tụng")
    html = as_lan.get(page.url).content.decode()
    assert "Chưa có bản ghi của buổi tập huấn này." in html
    assert "data-player" not in html


def test_a_listing_of_many_trainings_costs_the_queries_of_one(as_lan, lan_viewer, django_assert_max_num_queries):
    index_url = TrainingIndexPage.objects.get().url

    def add(number: int) -> None:
        parts = [recording(f"sang-{number}", 3000), recording(f"chieu-{number}", 2000)]
        add_training(f"Tập huấn số {number}", parts=parts)
        watched(lan_viewer, parts[0], 100)

    add(0)
    as_lan.get(index_url)  # caches warmed (site root, content types)
    with CaptureQueriesContext(connection) as one:
        as_lan.get(index_url)
    for number in range(1, 12):
        add(number)
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = as_lan.get(index_url).content.decode()
    assert html.count('class="card-poster__image"') == 12
    assert html.count("<progress") == 12


def test_the_home_page_opens_with_the_trainings_started_and_not_finished(as_lan, lan_viewer):
    finished_video, started_video, older_video = recording("a", 600), recording("b", 600), recording("c", 600)
    add_training("Đã xem hết", parts=[finished_video])
    add_training("Đang xem", parts=[started_video, recording("b2", 600)])
    add_training("Xem từ tuần trước", parts=[older_video])
    add_training("Chưa xem", parts=[recording("d", 600)])
    assert section(as_lan.get("/").content.decode(), "continue-watching") == ""  # nothing under way yet

    watched(lan_viewer, finished_video, 600, minutes_ago=1)
    watched(lan_viewer, started_video, 600, minutes_ago=5)  # part 1 done, part 2 not begun
    watched(lan_viewer, older_video, 30, minutes_ago=7 * 24 * 60)

    html = as_lan.get("/").content.decode()
    shown = section(html, "continue-watching")
    assert "Tiếp tục xem" in shown
    titles = re.findall(r'<h3 class="card__title"><a href="([^"]*)">([^<]*)</a>', shown)
    assert [title for _url, title in titles] == ["Đang xem", "Xem từ tuần trước"]
    assert titles[0][0].endswith("?part=2")  # on to the part not begun
    assert 'aria-label="Đã xem 50%"' in shown


def test_continue_watching_never_shows_a_page_the_viewer_may_not_open(as_lan, lan_viewer):
    unpublished_video, restricted_video, open_video = recording("a", 600), recording("b", 600), recording("c", 600)
    unpublished = add_training("Đã gỡ xuống", parts=[unpublished_video])
    restricted = add_training("Chỉ dành cho lãnh đạo", parts=[restricted_video])
    add_training("Dành cho mọi người", parts=[open_video])
    watched(lan_viewer, unpublished_video, 100, minutes_ago=1)
    watched(lan_viewer, restricted_video, 100, minutes_ago=1)
    watched(lan_viewer, open_video, 100, minutes_ago=2)
    unpublished.unpublish()
    restriction = PageViewRestriction.objects.create(page=restricted, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(Group.objects.create(name="Lãnh đạo"))

    shown = section(as_lan.get("/").content.decode(), "continue-watching")
    assert "Dành cho mọi người" in shown
    assert "Đã gỡ xuống" not in shown and "Chỉ dành cho lãnh đạo" not in shown


def test_a_topic_page_and_a_write_ups_related_trainings_show_the_cards(as_lan):
    training = add_training("Kỹ năng xét hỏi bị can", topics=["Xét hỏi"], parts=[recording("sang", 20 * 60)])
    write_up = add_practice("Kinh nghiệm xét hỏi bị can", topics=["Xét hỏi"])
    for address in (reverse("topic_detail", args=[training.topics.get().slug]), write_up.url):
        html = as_lan.get(address).content.decode()
        assert "1 phần·20 phút" in text_of(html)
        assert 'class="card-poster__image"' in html


def test_a_trainings_related_trainings_never_name_one_the_viewer_may_not_open(as_lan, lan_viewer):
    training = add_training("Kỹ năng kiểm sát điều tra")
    open_one = add_training("Kỹ năng xét hỏi bị can")
    restricted = add_training("Chỉ dành cho lãnh đạo")
    unpublished = add_training("Đã gỡ xuống")
    for other in (restricted, open_one, unpublished):
        RelatedTraining.objects.create(page=training, training=other)
    unpublished.unpublish()
    restriction = PageViewRestriction.objects.create(page=restricted, restriction_type=PageViewRestriction.GROUPS)
    leaders = Group.objects.create(name="Lãnh đạo")
    restriction.groups.add(leaders)

    html = as_lan.get(training.url).content.decode()
    assert "Kỹ năng xét hỏi bị can" in html
    assert "Chỉ dành cho lãnh đạo" not in html and "Đã gỡ xuống" not in html

    lan_viewer.groups.add(leaders)
    assert "Chỉ dành cho lãnh đạo" in as_lan.get(training.url).content.decode()
