"""Slides: a PDF attached to a training is split into its pages (text and thumbnail), made again when the file
is replaced, refused with a clear reason when it cannot be read; the admin ties pages to times; the training
page shows them; thumbnails are only sent to those who may see the training.

Real PDFs written by fpdf2 with Vietnamese text (DejaVu Sans), read by PDFium."""

from __future__ import annotations

import datetime
import io
import unicodedata
from typing import Any

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone, translation

from wagtail.documents.models import Document
from wagtail.models import PageViewRestriction

import pytest
from PIL import Image

from media.models import Video
from media.states import State
from portal.trainings.models import (
    Attachment,
    RecordingPart,
    SlideDeck,
    SlideTiming,
    TrainingIndexPage,
    TrainingPage,
)
from portal.trainings.slides import (
    THUMBNAIL_WIDTH,
    build_deck,
    clean_text,
    request_slides,
    shown_documents,
    slides_of,
)
from search.models import IndexChange
from tests.media.legacy_text import tcvn3_as_western_letters
from tests.practices.documents import has_vietnamese_font, slides_pdf_bytes

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not has_vietnamese_font(), reason="needs DejaVu Sans (fonts-dejavu-core) to write Vietnamese"),
]

DECK = [
    ["Khai mạc lớp tập huấn", "Viện kiểm sát nhân dân tối cao"],
    ["Kỹ năng xét hỏi bị can", "Chuẩn bị câu hỏi trước phiên tòa"],
    ["Thu giữ dữ liệu điện tử", "Niêm phong điện thoại, máy tính"],
]


def vi(message: str) -> str:
    with translation.override("vi"):
        return translation.gettext(message)


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def pdf_document(pages: list[list[str]] = DECK, *, title: str = "Bài giảng", name: str = "bai-giang.pdf", **kw: Any):
    return Document.objects.create(
        title=title, file=ContentFile(slides_pdf_bytes(pages, **kw), name=name), collection_id=1
    )


def recording(title: str, seconds: float = 7200) -> Video:
    return Video.objects.create(
        title=title, original=f"videos/test/{title}.mp4", duration=seconds, state=State.READY, output_dir="videos/x"
    )


def add_training(title: str, *, document: Document | None = None, parts: int = 1) -> TrainingPage:
    page = TrainingPage(title=title, date=datetime.date(2026, 3, 2), live=False)
    TrainingIndexPage.objects.get().add_child(instance=page)
    for order in range(parts):
        RecordingPart.objects.create(page=page, video=recording(f"{title} {order}"), sort_order=order)
    if document is not None:
        Attachment.objects.create(page=page, document=document, title="Slide bài giảng", sort_order=0)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


# --- Making the pages ---------------------------------------------------------------------------------


def test_each_page_of_the_pdf_gets_its_text_and_a_thumbnail():
    document = pdf_document()

    deck = build_deck(document)

    assert deck.state == SlideDeck.State.READY, deck.error
    assert deck.page_count == 3
    slides = list(deck.slides.all())
    assert [slide.number for slide in slides] == [1, 2, 3]
    assert slides[1].text == "Kỹ năng xét hỏi bị can\nChuẩn bị câu hỏi trước phiên tòa"
    assert "Thu giữ dữ liệu điện tử" in slides[2].text
    for slide in slides:
        with default_storage.open(slide.thumbnail) as stream:
            image = Image.open(io.BytesIO(stream.read()))
        assert image.format == "JPEG"
        assert image.width == THUMBNAIL_WIDTH
        assert image.height < image.width  # a landscape slide


def test_text_written_with_combining_marks_is_stored_composed():
    decomposed = unicodedata.normalize("NFD", "Kiểm sát viên")
    assert clean_text(decomposed + "\r\n  hai   dòng \x00") == "Kiểm sát viên\nhai dòng"


def test_a_slide_written_with_the_old_vn_fonts_is_read_as_vietnamese():
    # (No "ư": TCVN3 writes it as the soft hyphen, which fpdf2 takes for a hyphenation point and leaves out.)
    legacy = tcvn3_as_western_letters("Viện kiểm sát nhân dân tối cao chỉ đạo nghiệp vụ")
    assert not legacy.isascii()
    document = pdf_document([[legacy], ["Trang viết bằng Unicode"]])

    deck = build_deck(document)

    assert [slide.text for slide in deck.slides.all()] == [
        "Viện kiểm sát nhân dân tối cao chỉ đạo nghiệp vụ",
        "Trang viết bằng Unicode",  # Unicode text is left as it is
    ]
    assert clean_text("Café Müller, Zürich") == "Café Müller, Zürich"  # neither Vietnamese nor TCVN3: kept


def test_a_password_protected_pdf_fails_with_a_reason_and_can_be_tried_again():
    document = pdf_document(password="bimat")

    deck = build_deck(document)

    assert deck.state == SlideDeck.State.FAILED
    assert deck.error == vi("The PDF is protected by a password. Save it again without a password and upload it again.")
    assert not deck.slides.exists()
    again = request_slides(document, force=True)
    assert again is not None and again.state == SlideDeck.State.QUEUED and again.error == ""


def test_a_pdf_missing_from_storage_or_too_long_fails_with_a_reason_that_shows_no_server_detail(settings, monkeypatch):
    import os

    from portal.trainings import slides

    missing = pdf_document()
    os.remove(missing.file.path)  # lost from storage (a restore without the media folder, say)
    deck = build_deck(missing)
    assert deck.state == SlideDeck.State.FAILED
    assert deck.error == vi(
        "The file could not be read from where documents are kept. Ask an administrator, then try again."
    )
    assert str(settings.MEDIA_ROOT) not in deck.error

    long = pdf_document(name="dai.pdf")
    monkeypatch.setattr(slides, "MAX_PAGES", 2)
    deck = build_deck(long)
    assert deck.state == SlideDeck.State.FAILED
    assert deck.error == vi(
        "The PDF has %(count)s pages; only files of up to %(limit)s pages are shown page by page."
    ) % {"count": 3, "limit": 2}


def test_a_damaged_pdf_fails_with_a_reason():
    document = Document.objects.create(
        title="Hỏng", file=ContentFile(b"%PDF-1.7\n1 0 obj <<", name="hong.pdf"), collection_id=1
    )
    with translation.override("vi"):
        deck = build_deck(document)
    assert deck.state == SlideDeck.State.FAILED
    assert deck.error == vi(
        "The file is not a readable PDF (it may be damaged). Export it to PDF again and upload it again."
    )


def test_a_replaced_file_makes_its_pages_again_and_drops_the_old_thumbnails(django_capture_on_commit_callbacks):
    document = pdf_document()
    old = build_deck(document)
    old_thumbnails = list(old.slides.values_list("thumbnail", flat=True))

    document.file = ContentFile(slides_pdf_bytes([["Trang mới duy nhất"]]), name="bai-giang-sua.pdf")
    document.file_size = None
    with django_capture_on_commit_callbacks(execute=True):
        document.save()  # the worker makes the pages again (the test settings run tasks at once)

    deck = SlideDeck.objects.get(document=document)
    assert deck.state == SlideDeck.State.READY
    assert [slide.text for slide in deck.slides.all()] == ["Trang mới duy nhất"]
    assert not any(default_storage.exists(name) for name in old_thumbnails)


def test_deleting_the_document_deletes_its_pages_and_thumbnails(django_capture_on_commit_callbacks):
    document = pdf_document()
    deck = build_deck(document)
    thumbnails = list(deck.slides.values_list("thumbnail", flat=True))
    assert all(default_storage.exists(name) for name in thumbnails)

    with django_capture_on_commit_callbacks(execute=True):
        document.delete()

    assert not SlideDeck.objects.exists()
    assert not any(default_storage.exists(name) for name in thumbnails)


def test_publishing_a_training_with_a_pdf_queues_its_pages_but_not_for_other_files(django_capture_on_commit_callbacks):
    pdf = pdf_document()
    other = Document.objects.create(title="Ghi chú", file=ContentFile(b"ghi chu", name="ghi-chu.txt"), collection_id=1)
    page = TrainingPage(title="Tập huấn kỹ năng xét hỏi", live=False)
    TrainingIndexPage.objects.get().add_child(instance=page)
    Attachment.objects.create(page=page, document=pdf, sort_order=0)
    Attachment.objects.create(page=page, document=other, sort_order=1)

    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()

    assert SlideDeck.objects.get(document=pdf).state == SlideDeck.State.READY
    assert not SlideDeck.objects.filter(document=other).exists()


def test_a_deck_whose_task_was_lost_is_queued_again_but_a_recent_one_is_left_alone():
    document = pdf_document()
    deck = request_slides(document)
    assert deck is not None and deck.state == SlideDeck.State.QUEUED
    assert request_slides(document) == deck

    SlideDeck.objects.filter(pk=deck.pk).update(updated_at=timezone.now() - datetime.timedelta(hours=1))
    request_slides(document)
    assert SlideDeck.objects.get(pk=deck.pk).updated_at > timezone.now() - datetime.timedelta(minutes=1)


def test_a_thumbnail_address_names_the_file_version_so_a_replaced_pdf_is_not_shown_from_the_cache():
    document = pdf_document()
    page = add_training("Tập huấn", document=document)
    build_deck(document)
    (before,) = shown_documents(page)

    document.file = ContentFile(slides_pdf_bytes([["Bản sửa"]]), name="bai-giang-sua.pdf")
    document.file_size = None
    document.save()
    build_deck(document)
    (after,) = shown_documents(page)

    assert before.slides[0].thumbnail_url.split("?")[0] == after.slides[0].thumbnail_url.split("?")[0]
    assert before.slides[0].thumbnail_url != after.slides[0].thumbnail_url


def test_pages_of_an_older_version_of_the_file_are_not_shown():
    document = pdf_document()
    page = add_training("Tập huấn", document=document)
    build_deck(document)
    assert [slide.number for slide in slides_of(page, document)] == [1, 2, 3]

    SlideDeck.objects.filter(document=document).update(signature="documents/other.pdf:1")
    assert slides_of(page, document) == []


# --- The training page ---------------------------------------------------------------------------------


def test_the_training_page_shows_the_pages_linking_to_the_pdf_or_the_tied_time(client, lan_viewer):
    document = pdf_document()
    page = add_training("Tập huấn kỹ năng xét hỏi", document=document, parts=2)
    build_deck(document)
    SlideTiming.objects.create(page=page, document=document, number=2, part_number=2, start=754)

    (shown,) = shown_documents(page)
    links = {slide.number: slide for slide in shown.slides}
    assert links[1].url == f"{document.url}#page=1" and links[1].time == ""
    assert links[2].url == f"{page.url}?part=2&t=754"

    client.force_login(lan_viewer)
    html = client.get(page.url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert f'href="{document.url}#page=3"' in html
    assert f'href="{page.url}?part=2&amp;t=754"' in html
    assert reverse("slide_thumbnail", args=[document.pk, 1]) in html


# --- Thumbnails ---------------------------------------------------------------------------------------


def test_a_thumbnail_is_sent_to_those_who_may_see_the_training_only(client, lan_viewer, minh_submitter):
    document = pdf_document()
    page = add_training("Tập huấn nội bộ", document=document)
    build_deck(document)
    url = reverse("slide_thumbnail", args=[document.pk, 2])

    assert client.get(url).status_code == 302  # to the login page

    client.force_login(lan_viewer)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert client.get(reverse("slide_thumbnail", args=[document.pk, 9])).status_code == 404

    insiders = Group.objects.create(name="Tổ công tác đặc biệt")
    restriction = PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(insiders)
    assert client.get(url).status_code == 403  # the PDF's own answer (portal.documents.access)
    lan_viewer.groups.add(insiders)
    assert client.get(url).status_code == 200

    # A PDF kept in a private collection stays private in pictures too.
    from wagtail.models import Collection, CollectionViewRestriction

    private = Collection.get_first_root_node().add_child(name="Tài liệu mật")
    closed = CollectionViewRestriction.objects.create(collection=private, restriction_type="groups")
    closed.groups.add(Group.objects.create(name="Lãnh đạo"))
    document.collection = private
    document.save()
    assert client.get(url).status_code == 404


def test_a_thumbnail_of_an_unpublished_trainings_pdf_is_refused_as_the_pdf_is(client, lan_viewer, tuan_editor):
    document = pdf_document()
    page = add_training("Tập huấn chưa công bố", document=document)
    page.unpublish()
    build_deck(document)
    thumbnail = reverse("slide_thumbnail", args=[document.pk, 1])

    client.force_login(lan_viewer)
    assert (client.get(document.url).status_code, client.get(thumbnail).status_code) == (403, 403)
    client.force_login(tuan_editor)  # its editor prepares it
    assert (client.get(document.url).status_code, client.get(thumbnail).status_code) == (200, 200)


# --- Tying pages to times in the admin -----------------------------------------------------------------


@pytest.fixture
def deck_page(db) -> tuple[TrainingPage, Document]:
    document = pdf_document()
    page = add_training("Tập huấn kỹ năng xét hỏi", document=document, parts=2)
    build_deck(document)
    return page, document


def test_the_slides_screen_lists_the_pages_and_saves_their_times(client, tuan_editor, deck_page):
    page, document = deck_page
    client.force_login(tuan_editor)
    url = reverse("training_slides", args=[page.pk])

    html = client.get(url).content.decode()
    assert 'data-slide="3"' in html and "Thu giữ dữ liệu điện tử" in html
    assert reverse("slide_thumbnail", args=[document.pk, 1]) in html

    IndexChange.objects.all().delete()
    response = client.post(
        url,
        {"document": document.pk, "screen": 1, "part-1": "1", "time-1": "", "part-2": "2", "time-2": "12:34",
         "part-3": "1", "time-3": "1:02:03"},
    )  # fmt: skip
    assert response.status_code == 302
    assert sorted(SlideTiming.objects.values_list("number", "part_number", "start")) == [(2, 2, 754.0), (3, 1, 3723.0)]
    assert IndexChange.objects.filter(page_id=page.pk).exists()  # search learns the new times

    client.post(
        url, {"document": document.pk, "screen": 1, "part-2": "2", "time-2": "", "part-3": "1", "time-3": "1:02:03"}
    )
    assert list(SlideTiming.objects.values_list("number", flat=True)) == [3]


def test_a_wrong_time_saves_nothing_names_the_page_and_keeps_what_was_typed(client, tuan_editor, deck_page):
    page, document = deck_page
    client.force_login(tuan_editor)

    response = client.post(
        reverse("training_slides", args=[page.pk]),
        {"document": document.pk, "screen": 1, "part-1": "1", "time-1": "5:00", "part-2": "1", "time-2": "12h30",
         "part-3": "2", "time-3": "3:00:00"},
        HTTP_ACCEPT_LANGUAGE="vi",
    )  # fmt: skip

    assert response.status_code == 400
    assert not SlideTiming.objects.exists()
    html = response.content.decode()
    with translation.override("vi"):
        assert translation.gettext("“%(value)s” is not a time: write minutes:seconds, e.g. 12:34, or 1:02:03.") % {
            "value": "12h30"
        } in html.replace("&ldquo;", "“").replace("&rdquo;", "”")
        assert translation.gettext("Part %(part)s lasts only %(length)s.") % {"part": 2, "length": "2:00:00"} in html
    assert 'value="5:00"' in html and 'value="12h30"' in html  # kept as typed


def test_only_those_who_may_edit_the_training_reach_its_slides_screen(client, deck_page, binh_admin_user, hanoi):
    from tests.conftest import make_user

    page, document = deck_page
    client.force_login(binh_admin_user)  # in the admin, but with no right over this training
    url = reverse("training_slides", args=[page.pk])

    denied = reverse("wagtailadmin_home")  # the admin turns "permission denied" into a message on its home page
    response = client.get(url)
    assert (response.status_code, response.url) == (302, denied)
    response = client.post(url, {"document": document.pk, "time-1": "0:10", "part-1": "1"})
    assert (response.status_code, response.url) == (302, denied)
    assert not SlideTiming.objects.exists()

    client.force_login(make_user("bien_tap", hanoi, None, is_superuser=True))
    assert client.get(url).status_code == 200


def test_a_scanned_pdf_is_shown_with_a_word_that_search_cannot_read_it(client, tuan_editor):
    from PIL import Image as PILImage

    picture = io.BytesIO()
    PILImage.new("RGB", (400, 300), "white").save(picture, "PDF")
    document = Document.objects.create(
        title="Bản quét", file=ContentFile(picture.getvalue(), name="ban-quet.pdf"), collection_id=1
    )
    page = add_training("Tập huấn", document=document)
    assert build_deck(document).state == SlideDeck.State.READY
    client.force_login(tuan_editor)

    html = client.get(reverse("training_slides", args=[page.pk])).content.decode()
    assert "data-no-text" in html


def test_a_failed_pdf_is_explained_and_can_be_tried_again_from_the_screen(
    client, tuan_editor, django_capture_on_commit_callbacks
):
    document = pdf_document(password="bimat")
    page = add_training("Tập huấn", document=document)
    build_deck(document)
    client.force_login(tuan_editor)
    url = reverse("training_slides", args=[page.pk])

    html = client.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert vi("Try again") in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"document": document.pk, "action": "retry"})
    assert response.status_code == 302
    assert SlideDeck.objects.get(document=document).state == SlideDeck.State.FAILED  # the same file fails again


# --- For trainings published before slides existed -----------------------------------------------------


def test_make_slides_does_the_pdfs_of_published_trainings_that_have_none(django_capture_on_commit_callbacks):
    from django.core.management import call_command

    done, missing, broken = pdf_document(), pdf_document(name="b.pdf"), pdf_document(name="c.pdf", password="x")
    for title, document in [("Một", done), ("Hai", missing), ("Ba", broken)]:
        add_training(title, document=document)  # publishing queued nothing: on_commit never ran here
    build_deck(done)
    assert SlideDeck.objects.get(document=missing).state == SlideDeck.State.QUEUED  # its task never ran

    out, err = io.StringIO(), io.StringIO()
    call_command("make_slides", "--now", stdout=out, stderr=err)

    assert SlideDeck.objects.get(document=missing).state == SlideDeck.State.READY
    assert SlideDeck.objects.get(document=broken).state == SlideDeck.State.FAILED
    assert "3 PDF(s): 1 already done, 0 queued, 1 made now, 1 failed." in out.getvalue()
    assert (
        vi("The PDF is protected by a password. Save it again without a password and upload it again.")
        in err.getvalue()
    )

    with django_capture_on_commit_callbacks(execute=True):
        call_command("make_slides", stdout=out)  # queued: the test settings run tasks at once
    assert "0 queued" not in out.getvalue().splitlines()[-1]
