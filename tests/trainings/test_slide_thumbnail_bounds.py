"""A slide's thumbnail is bounded before it is drawn, whatever size its page claims: a page of 1 by 14,400 points
once took a worker to 4.2 GB (a 320-pixel-wide picture 4.6 million pixels tall) and left a deck that said
"ready" with the error only in the log. Now such a page keeps its text and gets no thumbnail, and the slides
screen says which page and why; a deck that fails for any reason says so there too.

The memory is measured in a process of its own (`python -c` reading the PDF's pages as the worker does),
never in the test process."""

from __future__ import annotations

import datetime
import math
from pathlib import Path

from django.core.files.base import ContentFile
from django.urls import reverse

from wagtail.documents.models import Document

import pytest
from fpdf import FPDF

from portal.trainings import slides
from portal.trainings.models import Attachment, SlideDeck, TrainingIndexPage, TrainingPage
from portal.trainings.slides import THUMBNAIL_MAX_HEIGHT, THUMBNAIL_MIN_SIDE, THUMBNAIL_WIDTH, build_deck
from tests.trainings.slide_memory import read_pages_apart

ROOT = Path(__file__).resolve().parents[2]


def pdf_bytes(sizes: list[tuple[float, float]]) -> bytes:
    """A PDF with one page of each (width, height) in points, each with a word on it."""
    pdf = FPDF(unit="pt")
    pdf.set_font("helvetica", size=1)
    for number, (width, height) in enumerate(sizes, start=1):
        pdf.add_page(format=(width, height))
        pdf.text(0, 1, f"Trang {number}")
    return bytes(pdf.output())


SLIDE = (720, 405)  # 16:9, as PowerPoint writes it
THIN = (1, 14_400)  # the page of the attack: 1 point wide, 5 metres tall


@pytest.mark.parametrize(
    ("width", "height"),
    [SLIDE, (595, 842), (300, 3_000), (14_400, 14_400), (0.5, 0.5), (20, 20_000), THIN, (14_400, 1), (0, 100)],
)
def test_a_thumbnail_fits_the_pixel_bound_whatever_size_the_page_claims(width, height):
    max_pixels = THUMBNAIL_WIDTH * THUMBNAIL_MAX_HEIGHT
    scale = slides.thumbnail_scale(width, height, max_pixels)

    if scale is None:  # too thin to draw (or no size at all): not drawn
        assert min(width, height) == 0 or max(width, height) / min(width, height) > 50
        return
    pixels_wide, pixels_tall = width * scale, height * scale
    assert pixels_wide <= THUMBNAIL_WIDTH + 1e-6 and pixels_tall <= THUMBNAIL_MAX_HEIGHT + 1e-6
    assert pixels_wide * pixels_tall <= max_pixels * (1 + 1e-9)
    assert min(pixels_wide, pixels_tall) >= THUMBNAIL_MIN_SIDE
    if height <= width * THUMBNAIL_MAX_HEIGHT / THUMBNAIL_WIDTH:
        assert math.isclose(pixels_wide, THUMBNAIL_WIDTH)  # an ordinary page is drawn at the usual width


def test_the_pixel_bound_is_a_setting(settings):
    settings.SLIDE_THUMBNAIL_MAX_PIXELS = 160 * 90

    scale = slides.thumbnail_scale(*SLIDE, slides.thumbnail_max_pixels())

    assert scale is not None and math.isclose(SLIDE[0] * scale, 160)


def test_drawing_the_pages_of_a_pdf_with_a_1_by_14400_point_page_stays_small(tmp_path):
    pdf = tmp_path / "bai-giang.pdf"
    pdf.write_bytes(pdf_bytes([SLIDE, THIN, (1, 1_600)]))

    result = read_pages_apart(pdf, tmp_path / "media")

    # Drawn 320 pixels wide as before, the 1 by 1,600 page alone took a gigabyte (in the worker, then).
    assert result["worker_grew_mb"] < 64 and result["drawing_mb"] < 256, result
    first, thin, narrow = result["pages"]
    assert (first["number"], first["thumbnail"], first["note"]) == (1, True, "")
    assert not thin["thumbnail"] and "14" in thin["note"] and "400" in thin["note"]
    assert not narrow["thumbnail"] and narrow["note"]


@pytest.fixture
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def training_with(document: Document) -> TrainingPage:
    page = TrainingPage(title="Tập huấn kỹ năng xét hỏi", date=datetime.date(2026, 3, 2), live=False)
    TrainingIndexPage.objects.get().add_child(instance=page)
    Attachment.objects.create(page=page, document=document, title="Slide bài giảng", sort_order=0)
    page.save_revision().publish()
    return page


@pytest.mark.django_db
def test_the_slides_screen_says_which_page_has_no_thumbnail_and_why(client, tuan_editor, storage):
    document = Document.objects.create(
        title="Bài giảng", file=ContentFile(pdf_bytes([SLIDE, THIN]), name="bai-giang.pdf"), collection_id=1
    )
    page = training_with(document)

    deck = build_deck(document)

    assert deck.state == SlideDeck.State.READY and deck.page_count == 2
    assert [bool(slide.thumbnail) for slide in deck.slides.all()] == [True, False]
    first, thin = (slide.text for slide in deck.slides.all())
    assert first == "Trang 1" and thin.startswith("Tr")  # its text is kept (what fits on a page 1 point wide)
    client.force_login(tuan_editor)
    html = client.get(reverse("training_slides", args=[page.pk]), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'data-deck-state="ready"' in html and "Trạng thái: <strong>Sẵn sàng</strong>" in html
    assert "Một số trang không có ảnh thu nhỏ" in html
    assert "Trang 2 (1 × 14.400 điểm) quá hẹp hoặc quá dài nên không vẽ được ảnh thu nhỏ." in html  # noqa: RUF001
    assert html.count("data-no-thumbnail") == 1


@pytest.mark.django_db
def test_a_deck_that_fails_unexpectedly_says_so_on_the_slides_screen(client, tuan_editor, storage, monkeypatch):
    document = Document.objects.create(
        title="Bài giảng", file=ContentFile(pdf_bytes([SLIDE]), name="bai-giang.pdf"), collection_id=1
    )
    page = training_with(document)

    def broken(page: object) -> str:
        raise RuntimeError("PDFium gave up")

    monkeypatch.setattr(slides, "_page_text", broken)

    deck = build_deck(document)

    assert deck.state == SlideDeck.State.FAILED
    client.force_login(tuan_editor)
    html = client.get(reverse("training_slides", args=[page.pk]), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'data-deck-state="failed"' in html and "Không thành công" in html
    assert "Máy chủ gặp sự cố khi tách các trang của tệp." in html
    assert "PDFium gave up" not in html  # no server detail
