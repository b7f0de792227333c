"""No error answer may be kept by a browser or a proxy: a refusal or a missing file is asked again next time, even
where the file views send a long cache lifetime ("immutable" for a year) with what they serve."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from wagtail.documents import get_document_model

import pytest

from media.models import Video
from tests.media import test_serving
from tests.media.test_serving import segment_of, training_with

pytestmark = pytest.mark.django_db

ready_video = test_serving.ready_video  # the fixture: a recording transcoded for real


def assert_not_stored(response: HttpResponse, status: int) -> None:
    assert response.status_code == status
    assert response["Cache-Control"] == "no-store"
    assert "Expires" not in response and "ETag" not in response


def test_a_recording_refused_or_missing_is_not_kept(client, lan_viewer, tuan_editor, ready_video: Video):
    page = training_with(ready_video)
    client.force_login(lan_viewer)
    segment = ready_video.file_url(segment_of(ready_video))
    served = client.get(segment)
    assert served.status_code == 200 and "immutable" in served["Cache-Control"]

    assert_not_stored(client.get(ready_video.file_url("360p/seg_99999.ts")), 404)
    assert_not_stored(client.get(segment, HTTP_RANGE="bytes=99999999-"), 416)
    assert_not_stored(client.get(f"/media/v/{ready_video.key}/goc/"), 404)  # the original: editors only

    page.unpublish()
    assert_not_stored(client.get(segment), 404)
    assert_not_stored(client.get(ready_video.master_url), 404)


def test_an_image_address_that_is_not_an_image_is_not_kept(client, lan_viewer, media_storage):
    client.force_login(lan_viewer)
    assert_not_stored(client.get("/media/images/khong-co.png"), 404)
    assert_not_stored(client.get("/media/documents/bao-cao.pdf"), 404)


def test_a_refused_document_is_not_kept(client, lan_viewer, media_storage):
    document = get_document_model().objects.create(
        title="Giáo trình nội bộ", file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="giao-trinh.pdf")
    )
    client.force_login(lan_viewer)
    assert_not_stored(client.get(document.url), 403)


def test_a_refused_or_missing_page_is_not_kept(client, lan_viewer):
    client.force_login(lan_viewer)
    assert_not_stored(client.get(reverse("practices:submit")), 403)
    assert_not_stored(client.get("/khong-co-trang-nay/"), 404)


def test_an_expired_form_is_not_kept(lan_viewer):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(lan_viewer)
    assert_not_stored(strict.post("/doi-mat-khau/", {"old_password": "x"}), 403)


def test_answers_that_are_not_errors_keep_their_own_headers(client, lan_viewer, ready_video: Video):
    training_with(ready_video)
    client.force_login(lan_viewer)
    assert "no-cache" in client.get(ready_video.master_url)["Cache-Control"]
    assert "immutable" in client.get(ready_video.file_url(segment_of(ready_video)))["Cache-Control"]
