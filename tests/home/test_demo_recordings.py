"""The demo trainings get short recordings made with ffmpeg (slides, Vietnamese speech), converted by the
portal's own pipeline, with parts and chapters; running the seed again adds nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path

from wagtail.models import Revision

import pytest

from media.models import Video
from media.states import State
from portal.home import demo_media
from portal.home.demo import TRAININGS, seed_demo
from portal.home.demo_media import DEMO_RECORDINGS, find_font, seed_recordings, slides_graph
from portal.trainings.models import TrainingPage
from portal.trainings.slides import build_deck, slides_of

pytestmark = pytest.mark.django_db

SECONDS_PER_SLIDE = 2


@pytest.fixture
def media_storage(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_WORK_DIR = tmp_path / "work"
    settings.MEDIA_ROOT.mkdir()
    # One rung is enough to show the pipeline ran; the full ladder is tested in tests/media/.
    settings.VIDEO_LADDER = [{"name": "360p", "height": 360, "video_bitrate": 800_000, "bufsize": 1_600_000}]
    return settings.MEDIA_ROOT


def snapshot() -> dict:
    return {
        "videos": sorted(Video.objects.values_list("pk", "state")),
        "revisions": Revision.objects.count(),
        "parts": sorted(
            (page.slug, part.title, part.video_id) for page in TrainingPage.objects.all() for part in page.parts.all()
        ),
    }


def test_demo_trainings_get_ready_recordings_with_parts_and_chapters(media_storage, settings):
    seed_demo(recordings=False)

    pages = seed_recordings(seconds_per_slide=SECONDS_PER_SLIDE)

    assert {page.slug for page in pages} == {spec.slug for spec in DEMO_RECORDINGS}
    assert {spec.slug for spec in DEMO_RECORDINGS} <= {spec.slug for spec in TRAININGS}
    with_two_parts = TrainingPage.objects.get(slug=DEMO_RECORDINGS[0].slug)
    assert with_two_parts.live and not with_two_parts.has_unpublished_changes
    assert [part.title for part in with_two_parts.ordered_parts()] == ["Buổi sáng", "Buổi chiều"]
    for spec in DEMO_RECORDINGS:
        page = TrainingPage.objects.get(slug=spec.slug)
        parts = page.ordered_parts()
        assert len(parts) == len(spec.parts)
        for number, part in enumerate(parts, start=1):
            video = part.video
            assert video.state == State.READY, video.error
            assert (video.width, video.height) == (1280, 720) and not video.audio_only
            assert video.duration == pytest.approx(SECONDS_PER_SLIDE * len(spec.parts[number - 1].slides), abs=0.2)
            assert video.renditions.filter(name="audio").exists()  # the sound track went through too
            chapters = page.chapters.filter(part_number=number).order_by("start")
            assert 2 <= chapters.count() <= 3
            assert chapters[0].start == 0 and all(chapter.start < video.duration for chapter in chapters)
    assert not any((Path(settings.MEDIA_WORK_DIR) / "demo").iterdir())  # scratch files are cleaned up


@pytest.mark.skipif(find_font() is None, reason="needs a font with the Vietnamese letters (fonts-dejavu-core)")
def test_demo_trainings_get_their_slides_as_a_pdf_with_each_page_tied_to_its_time(media_storage):
    seed_demo(recordings=False)
    seed_recordings(seconds_per_slide=SECONDS_PER_SLIDE)

    for spec in DEMO_RECORDINGS:
        page = TrainingPage.objects.get(slug=spec.slug)
        (attachment,) = page.attachments.all()
        assert attachment.document.file_extension == "pdf"
        deck = build_deck(attachment.document)  # what the worker does after the publish
        slides = slides_of(page, attachment.document)
        shown = [(part, slide) for part in spec.parts for slide in part.slides]
        assert deck.page_count == len(shown)
        for view, (part, slide) in zip(slides, shown, strict=True):
            assert slide.heading in view.text and slide.bullets[0] in view.text
            number = spec.parts.index(part) + 1
            assert (view.part, view.start) == (number, part.slides.index(slide) * SECONDS_PER_SLIDE)


def test_running_it_again_adds_nothing(media_storage):
    seed_demo(recordings=False)
    seed_recordings(seconds_per_slide=SECONDS_PER_SLIDE)
    first = snapshot()

    assert seed_recordings(seconds_per_slide=SECONDS_PER_SLIDE) == []
    assert snapshot() == first


def test_a_training_with_an_editors_unpublished_draft_is_left_alone(media_storage):
    seed_demo(recordings=False)
    for spec in DEMO_RECORDINGS:
        page = TrainingPage.objects.get(slug=spec.slug)
        page.summary = "Bản nháp đang sửa của biên tập viên"
        page.save_revision()

    assert seed_recordings(seconds_per_slide=SECONDS_PER_SLIDE) == []
    assert not Video.objects.exists()


def test_without_espeak_or_a_font_the_slides_are_silent_tones_and_plain_colours(tmp_path, monkeypatch):
    monkeypatch.setattr(demo_media, "speak", lambda text, target: False)
    monkeypatch.setattr(demo_media, "find_font", lambda: None)
    part = DEMO_RECORDINGS[1].parts[0]

    demo_media.render(part, title="Chứng cứ điện tử", target=tmp_path / "demo.mp4", seconds=1)

    streams = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0", str(tmp_path / "demo.mp4")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert sorted(streams) == ["audio", "video"]
    graph = slides_graph(2, seconds=1, font=None, speech=[False, False])
    assert "drawtext" not in graph and graph.count("sine=") == 2


def test_the_text_is_drawn_with_a_font_that_has_vietnamese_letters():
    font = find_font()
    assert font is None or Path(font).is_file()
    graph = slides_graph(2, seconds=10, font="/fonts/Dejà Vu: Sans.ttf", speech=[True, False])
    assert "fontfile=/fonts/Dejà Vu\\\\: Sans.ttf" in graph
    assert "[0:a]" in graph and "[1:a]" not in graph and graph.count("sine=") == 1
