"""A training shows only documents its editor may choose: the form behind the chooser refuses any other id.

The chooser lists what an editor may choose, but the field accepts whatever id is posted; a training editor
posting the id of a unit's draft write-up file would otherwise see it, and show it to everybody on publishing.
"""

from __future__ import annotations

from django.core.files.base import ContentFile

from wagtail.documents.models import Document

import pytest

from portal.practices.models import PracticeAttachment
from portal.practices.submission import practices_collection
from portal.trainings.models import Attachment, TrainingPage
from tests.core.test_admin_access_matrix import form_data
from tests.practices.pages import add_practice, add_training

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft_file(minh_submitter, hanoi) -> Document:
    """A file of Hà Nội's draft write-up, kept in the write-ups' collection."""
    document = Document(
        title="Báo cáo nội bộ chưa duyệt", collection=practices_collection(), uploaded_by_user=minh_submitter
    )
    document.file.save("bao-cao-noi-bo.pdf", ContentFile(b"%PDF-1.4\n% draft\n"), save=False)
    document.save()
    draft = add_practice("Cách làm chưa duyệt", live=False, unit=hanoi)
    PracticeAttachment.objects.create(page=draft, document=document, text="")
    return document


def attach(client, training, document_id: int) -> str:
    """Open the training in the editor, put `document_id` in a new "Slides and documents" row, save a draft."""
    address = f"/admin/pages/{training.pk}/edit/"
    data = form_data(client.get(address).content, address)
    data["title"] = [training.title]
    data.update(
        {
            "attachments-TOTAL_FORMS": ["1"],
            "attachments-INITIAL_FORMS": ["0"],
            "attachments-0-document": [str(document_id)],
            "attachments-0-title": [""],
            "attachments-0-ORDER": ["1"],
            "attachments-0-DELETE": [""],
            "attachments-0-id": [""],
        }
    )
    return client.post(address, data).content.decode()


def test_a_training_editor_cannot_attach_a_write_up_file_by_its_id(client, tuan_editor, draft_file):
    training = add_training("Tập huấn kỹ năng", live=False)
    client.force_login(tuan_editor)

    html = attach(client, training, draft_file.pk)

    assert "Choose a document from the list" in html or "Hãy chọn tài liệu trong danh sách" in html
    assert not Attachment.objects.filter(document=draft_file).exists()
    assert client.get(draft_file.url).status_code == 403


def test_a_training_editor_attaches_a_training_document(client, tuan_editor):
    from portal.trainings.collection import trainings_collection

    training = add_training("Tập huấn kỹ năng", live=False)
    mine = Document(title="Giáo trình", collection=trainings_collection(), uploaded_by_user=tuan_editor)
    mine.file.save("giao-trinh.pdf", ContentFile(b"%PDF-1.4\n% course\n"), save=False)
    mine.save()
    client.force_login(tuan_editor)

    attach(client, training, mine.pk)

    saved = TrainingPage.objects.get(pk=training.pk).get_latest_revision_as_object()
    assert [row.document for row in saved.attachments.all()] == [mine]


def test_a_write_up_file_shown_by_a_training_still_follows_its_write_up(client, lan_viewer, draft_file):
    training = add_training("Tập huấn đã đăng")
    Attachment.objects.create(page=training, document=draft_file, sort_order=0)  # however it got there
    client.force_login(lan_viewer)
    assert client.get(draft_file.url).status_code == 403
