"""A damaged image uploaded in the admin is a form error in Vietnamese, not a server error: the image add form and
the multiple upload, as a training editor (portal/core/image_form.py)."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from wagtail.images import get_image_model

import pytest
from PIL import Image as PILImage

from portal.trainings.collection import trainings_collection

pytestmark = pytest.mark.django_db

MESSAGE = "Ảnh này bị hỏng hoặc chưa đầy đủ nên không đọc được"


def png(*, damaged: bool = False) -> bytes:
    """A 64 by 48 PNG; damaged: its header and size are whole, the picture's compressed data is not."""
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), (180, 30, 30)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    if damaged:
        start = data.index(b"IDAT") + 8
        for index in range(start, start + 40):
            data[index] ^= 0x5A
    return bytes(data)


@pytest.fixture
def editor(client, tuan_editor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(tuan_editor)
    return client


def add_form(editor, content: bytes, title: str):
    return editor.post(
        "/admin/images/add/",
        {
            "title": title,
            "collection": trainings_collection().pk,
            "file": SimpleUploadedFile("anh-tap-huan.png", content, "image/png"),
        },
    )


def multiple_upload(editor, content: bytes):
    return editor.post(
        "/admin/images/multiple/add/",
        {
            "collection": trainings_collection().pk,
            "files[]": SimpleUploadedFile("anh-tap-huan.png", content, "image/png"),
        },
        headers={"X-Requested-With": "XMLHttpRequest"},
    )


def test_the_add_form_refuses_a_damaged_png_with_a_message_and_saves_nothing(editor):
    with translation.override("vi"):
        response = add_form(editor, png(damaged=True), "Ảnh hỏng")
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not get_image_model().objects.exists()


def test_the_multiple_upload_refuses_a_damaged_png_with_a_message(editor):
    with translation.override("vi"):
        response = multiple_upload(editor, png(damaged=True))
    assert response.status_code == 200
    answer = response.json()
    assert answer["success"] is False and MESSAGE in answer["error_message"]
    assert not get_image_model().objects.exists()


def test_a_whole_png_is_still_accepted_by_both(editor):
    assert add_form(editor, png(), "Ảnh lớp tập huấn").status_code == 302
    assert multiple_upload(editor, png()).json()["success"] is True
    images = get_image_model().objects.all()
    assert images.count() == 2 and {(image.width, image.height) for image in images} == {(64, 48)}
    assert {image.collection for image in images} == {trainings_collection()}
