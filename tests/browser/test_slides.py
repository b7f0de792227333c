"""Slides in Chromium: the training page opens the list of a PDF's pages with their thumbnails (sent only to a
signed-in viewer), and search says "Slide 3" and links to the PDF at that page."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.utils import translation

from wagtail.documents.models import Document

import pytest
from playwright.sync_api import Page, expect

from portal.trainings.models import Attachment, TrainingPage
from portal.trainings.slides import THUMBNAIL_WIDTH, build_deck
from search.sync import drain
from tests.practices.documents import has_vietnamese_font, slides_pdf_bytes
from tests.practices.pages import add_training

pytestmark = pytest.mark.skipif(not has_vietnamese_font(), reason="needs DejaVu Sans to write Vietnamese slides")

PASSWORD = "demo12345"  # the personas' password in tests/conftest.py


def vi(message: str) -> str:
    with translation.override("vi"):
        return translation.gettext(message)


@pytest.fixture
def training(settings, tmp_path) -> tuple[TrainingPage, Document]:
    settings.MEDIA_ROOT = tmp_path
    page = add_training("Tập huấn kỹ năng thu giữ chứng cứ điện tử")
    document = Document.objects.create(
        title="Bài giảng",
        file=ContentFile(
            slides_pdf_bytes([["Mở đầu"], ["Dữ liệu điện tử là gì"], ["Niêm phong điện thoại thu giữ"]]),
            name="bai-giang.pdf",
        ),
        collection_id=1,
    )
    Attachment.objects.create(page=page, document=document, title="Slide bài giảng", sort_order=0)
    page.save_revision().publish()
    build_deck(document)  # the worker's job once the training is published
    drain()
    return TrainingPage.objects.get(pk=page.pk), document


def test_the_pages_show_their_thumbnails_and_search_opens_the_pdf_at_the_page(
    page: Page, live_server, login, lan_viewer, training
):
    training_page, document = training
    login(page, live_server, lan_viewer.username, PASSWORD)

    page.goto(training_page.url)
    slides = page.locator(f"[data-slides='{document.pk}']")
    slides.locator("summary").click()
    thumbnails = slides.locator("img")
    expect(thumbnails).to_have_count(3)
    for index in range(3):
        thumbnails.nth(index).scroll_into_view_if_needed()
        page.wait_for_function(
            "image => image.complete && image.naturalWidth > 0", arg=thumbnails.nth(index).element_handle()
        )
    assert thumbnails.first.evaluate("image => image.naturalWidth") == THUMBNAIL_WIDTH
    expect(slides.locator("[data-slide='3'] a")).to_have_attribute("href", f"{document.url}#page=3")

    page.goto("/tim-kiem/?q=niem+phong+dien+thoai")
    moment = page.locator(".search-moment").first
    expect(moment.locator(".search-moment__time")).to_have_text(vi("Slide %(number)s") % {"number": 3})
    expect(moment).to_have_attribute("href", f"{document.url}#page=3")
