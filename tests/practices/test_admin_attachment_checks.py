"""A write-up's file changed in the admin passes the same checks as in the submission form.

Wagtail's document screens let whoever may change a document put another file in its place, checked only by
its extension: a page of HTML named "bao-cao.pdf" took the place of a unit's report. Now a file uploaded to
the good-practice collection, or put in place of a file a write-up shows, is read by content as the
submission form reads it; a refused file leaves the old one in place and says why, in Vietnamese.
"""

from __future__ import annotations

from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from wagtail.documents.models import Document

import pytest

from portal.practices.extraction import DocumentRejected, check_and_extract
from portal.practices.models import GoodPracticeIndexPage, GoodPracticePage, PracticeAttachment
from portal.practices.submission import practices_collection
from tests.practices.documents import make_pdf

pytestmark = pytest.mark.django_db

HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script>Bao cao</body></html>"
REPORT = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def attachment(settings, tmp_path, minh_submitter) -> PracticeAttachment:
    settings.MEDIA_ROOT = tmp_path
    document = Document.objects.create(
        title="Báo cáo chuyên đề",
        file=ContentFile(REPORT, name="bao-cao.pdf"),
        collection=practices_collection(),
        uploaded_by_user=minh_submitter,
    )
    page = GoodPracticePage(title="Phối hợp rút ngắn thời hạn", unit=minh_submitter.unit, live=False)
    page.attachments = [PracticeAttachment(document=document, text="Nội dung cũ")]  # type: ignore[assignment]
    GoodPracticeIndexPage.objects.get().add_child(instance=page)
    page.save_revision(user=minh_submitter)
    return PracticeAttachment.objects.get(page=page)


def refusal(content: bytes, name: str) -> str:
    """What the submission form says of this file, in Vietnamese."""
    with translation.override("vi"):
        try:
            check_and_extract(SimpleUploadedFile(name, content), name)
        except DocumentRejected as rejected:
            return str(rejected.message)
    raise AssertionError(f"the submission form accepts {name}")


def replace(client, user, document: Document, upload: SimpleUploadedFile):
    client.force_login(user)
    return client.post(
        reverse("wagtaildocs:edit", args=[document.pk]),
        {"title": document.title, "collection": document.collection_id, "tags": "", "file": upload},
    )


def test_an_html_page_named_pdf_does_not_replace_a_write_ups_file(client, quang_admin, attachment):
    document = attachment.document
    stored = document.file.name
    response = replace(client, quang_admin, document, SimpleUploadedFile("bao-cao.pdf", HTML))

    assert response.status_code == 200  # the form again, with the reason
    assert refusal(HTML, "bao-cao.pdf") in response.content.decode()
    document.refresh_from_db()
    assert document.file.name == stored
    assert document.file.read() == REPORT


def test_a_real_report_replaces_the_file_and_the_write_ups_text_follows_it(client, quang_admin, attachment, tmp_path):
    pdf = make_pdf(tmp_path / "Báo cáo <mới>.pdf", ["Ket qua kiem sat dieu tra nam 2026"]).read_bytes()
    response = replace(client, quang_admin, attachment.document, SimpleUploadedFile("Báo cáo <mới>.pdf", pdf))

    assert response.status_code == 302
    attachment.refresh_from_db()
    assert attachment.document.file.read() == pdf
    assert "<" not in Path(attachment.document.file.name).name  # the submission form's safe name
    assert "Ket qua kiem sat dieu tra" in attachment.text


def test_an_upload_to_the_good_practice_collection_is_checked_too(client, quang_admin, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(quang_admin)
    response = client.post(
        reverse("wagtaildocs:add"),
        {
            "title": "Báo cáo",
            "collection": practices_collection().pk,
            "tags": "",
            "file": SimpleUploadedFile("bao-cao.pdf", HTML),
        },
    )

    assert response.status_code == 200
    assert refusal(HTML, "bao-cao.pdf") in response.content.decode()
    assert not Document.objects.filter(title="Báo cáo").exists()


def test_the_training_editor_cannot_reach_a_write_ups_file_at_all(client, tuan_editor, attachment):
    document = attachment.document
    stored = document.file.name
    other = REPORT.replace(b"%%EOF", b"% ban khac\n%%EOF")
    response = replace(client, tuan_editor, document, SimpleUploadedFile("bao-cao-khac.pdf", other))

    assert response.status_code in (302, 403)
    document.refresh_from_db()
    assert document.file.name == stored
    assert document.file.read() == REPORT
