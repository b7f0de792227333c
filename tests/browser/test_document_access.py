"""Documents in Chromium: a viewer clicks a published training's document and gets the PDF; the address of a
draft training's document gives the portal's Vietnamese "not for you" page."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.utils import translation

from wagtail.documents.models import Document

import pytest
from playwright.sync_api import Page, expect

from portal.trainings.models import Attachment
from tests.practices.documents import make_pdf
from tests.practices.pages import add_training

PASSWORD = "demo12345"  # the personas' password in tests/conftest.py


def vi(message: str) -> str:
    with translation.override("vi"):
        return translation.gettext(message)


def attach_pdf(training, name: str, tmp_path) -> Document:
    pdf = make_pdf(tmp_path / name, ["Đề cương bồi dưỡng nghiệp vụ kiểm sát"]).read_bytes()
    document = Document.objects.create(title=name, file=ContentFile(pdf, name=name), collection_id=1)
    Attachment.objects.create(page=training, document=document, title=f"Đề cương {name}", sort_order=0)
    return document


@pytest.fixture
def documents(settings, tmp_path) -> tuple[object, Document, Document]:
    settings.MEDIA_ROOT = tmp_path / "media"
    published = add_training("Tập huấn kỹ năng kiểm sát điều tra")
    draft = add_training("Tập huấn chưa công bố", live=False)
    return published, attach_pdf(published, "cong-khai.pdf", tmp_path), attach_pdf(draft, "ban-nhap.pdf", tmp_path)


def test_a_viewer_opens_a_published_trainings_pdf_but_not_a_drafts(
    page: Page, live_server, login, lan_viewer, documents
):
    published, shown, hidden = documents
    login(page, live_server, lan_viewer.username, PASSWORD)

    page.goto(published.url)
    with page.expect_response(lambda response: "/documents/" in response.url) as answer:
        page.get_by_role("link", name="Đề cương cong-khai.pdf").click()
    response = answer.value
    pdf = shown.file.open("rb").read()
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-length"] == str(len(pdf))
    expect(page).to_have_url(live_server.url + shown.url)
    # Chromium shows the PDF in its viewer; the bytes, as the viewer's session downloads them:
    assert page.context.request.get(shown.url).body() == pdf

    refusal = page.goto(hidden.url)
    assert refusal is not None and refusal.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(vi("Your account cannot open this page"))
    expect(page.locator("html")).to_have_attribute("lang", "vi")
