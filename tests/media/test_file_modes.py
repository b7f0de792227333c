"""Every file the portal stores is 0640 and every folder 2750 (settings FILE_UPLOAD_PERMISSIONS and
FILE_UPLOAD_DIRECTORY_PERMISSIONS, media/files.py): nginx, in the media folder's group, reads what the portal
checked (X-Accel), nobody else does. The media folder is set up as the deployment sets it up (2750, the
portal's group, of which nginx's user is a member); what the pipeline and the slides make inside it must keep
those modes, including files written by ffmpeg (0644 under the usual umask) or renamed from an upload's part
file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from django.core.files.base import ContentFile
from django.test import Client

from wagtail.documents.models import Document

import pytest

from media import processing
from media.states import State
from portal.trainings.models import SlideDeck
from portal.trainings.slides import build_deck
from tests.media.test_upload import CHUNK, Uploader, with_upload_permission
from tests.practices.documents import has_vietnamese_font, slides_pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    os.chmod(root, 0o2750)  # noqa: S103 (as deploy/README.md makes it)
    settings.MEDIA_ROOT = root
    settings.MEDIA_WORK_DIR = tmp_path / "work"
    settings.MEDIA_UPLOAD_CHECK_BYTES = 64 * 1024
    return root


def wrong_modes(root: Path) -> list[str]:
    wrong = []
    for folder, directories, files in os.walk(root):
        for name in directories:
            mode = stat.S_IMODE((Path(folder) / name).stat().st_mode)
            if mode != 0o2750:
                wrong.append(f"{Path(folder, name).relative_to(root)}/ {mode:o}")
        for name in files:
            mode = stat.S_IMODE((Path(folder) / name).stat().st_mode)
            if mode != 0o640:
                wrong.append(f"{Path(folder, name).relative_to(root)} {mode:o}")
    return wrong


def test_an_uploaded_recording_and_its_conversion_are_stored_group_readable(
    media_root, tuan_editor, clip_540p, settings
):
    client = Client()
    client.force_login(with_upload_permission(tuan_editor))
    uploader = Uploader(client, clip_540p)
    uploader.create()
    uploader.send_from(0, CHUNK)
    video_id = uploader.complete().json()["video"]["id"]
    assert processing.process(video_id) == State.READY
    files = [path for path in media_root.rglob("*") if path.is_file()]
    assert any(path.suffix == ".ts" or path.suffix == ".m4s" for path in files)
    assert any(path.parent.name == "original" for path in files)
    assert wrong_modes(media_root) == []


@pytest.mark.skipif(not has_vietnamese_font(), reason="needs DejaVu Sans (fonts-dejavu-core) to write Vietnamese")
def test_a_pdfs_slide_thumbnails_are_stored_group_readable(media_root):
    pdf = ContentFile(slides_pdf_bytes([["Khai mạc lớp tập huấn"], ["Kỹ năng xét hỏi"]]), name="bai-giang.pdf")
    document = Document.objects.create(title="Bài giảng", file=pdf, collection_id=1)
    deck = build_deck(document)
    assert deck.state == SlideDeck.State.READY, deck.error
    assert all(slide.thumbnail for slide in deck.slides.all())
    assert wrong_modes(media_root) == []
