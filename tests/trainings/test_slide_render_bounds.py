"""A deck's pages are drawn in a process of their own, with bounded memory and time: PDFium decodes some pictures
at full size whatever size they are drawn at (a picture with a soft mask, 16,000 pixels square but 4 MB
in the file, took the worker 270 MB to draw as a 320-pixel thumbnail; 30,000 square took 2.7 GB), and a worker
killed for its memory left its deck "processing" for ever. Now the drawing process carries the cost, within
SLIDE_RENDER_MEMORY_MB, and a deck whose drawing is stopped at a limit says so on the slides screen.

Memory is measured in a process of its own, never in the test process: the worker's part by VmHWM, the
drawing process's by RUSAGE_CHILDREN (its peak, or what it was forked with if that is more: either way a bound)."""

from __future__ import annotations

import zlib
from pathlib import Path

from django.core.files.base import ContentFile
from django.urls import reverse

from wagtail.documents.models import Document

import pytest

from portal.trainings.models import SlideDeck
from portal.trainings.slides import build_deck
from tests.trainings.slide_memory import read_pages_apart
from tests.trainings.test_slide_thumbnail_bounds import SLIDE, pdf_bytes, training_with

ROOT = Path(__file__).resolve().parents[2]
SIDE = 16_000  # pixels: its soft mask alone decodes to 256 MB


def _flate(row: bytes, rows: int) -> bytes:
    packer = zlib.compressobj(1)
    return b"".join(packer.compress(row) for _ in range(rows)) + packer.flush()


def pdf_with_a_huge_picture(side: int = SIDE) -> bytes:
    """One A4 page with a sentence and a `side` by `side` picture (with a soft mask) drawn 400 points wide."""
    picture = _flate(b"\xc8\x1e\x1e" * side, side)
    mask = _flate(b"\x80" * side, side)
    content = b"q 400 0 0 400 98 300 cm /Im1 Do Q BT /F1 12 Tf 98 200 Td (Trang 1) Tj ET"
    image = b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /BitsPerComponent 8 /Filter /FlateDecode"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /XObject << /Im1 5 0 R >> /Font << /F1 6 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        image % (side, side)
        + b" /ColorSpace /DeviceRGB /SMask 7 0 R /Length %d >>\nstream\n%s\nendstream" % (len(picture), picture),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        image % (side, side) + b" /ColorSpace /DeviceGray /Length %d >>\nstream\n%s\nendstream" % (len(mask), mask),
    ]
    out, offsets = b"%PDF-1.7\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def test_a_page_with_a_huge_picture_is_drawn_within_the_memory_limit_outside_the_worker(tmp_path):
    pdf = tmp_path / "bai-giang.pdf"
    pdf.write_bytes(pdf_with_a_huge_picture())
    assert pdf.stat().st_size < 8 * 1024 * 1024  # a few MB in the file

    result = read_pages_apart(pdf, tmp_path / "media", SLIDE_RENDER_MEMORY_MB="192")

    assert result["worker_grew_mb"] < 64, result  # drawn in the worker, it grew by 270 MB
    assert 0 < result["drawing_mb"] < 192, result  # a drawing process ran, and stayed within its limit
    if "rejected" in result:  # stopped at its limit: the deck fails and says why
        assert "memory or time" in result["rejected"], result
    else:  # PDFium gave up on the picture within the limit: the page keeps its text
        [page] = result["pages"]
        assert page["number"] == 1 and page["text"] == "Trang 1", result


@pytest.mark.django_db
def test_a_deck_whose_drawing_is_stopped_at_its_limit_fails_and_says_why(client, tuan_editor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SLIDE_RENDER_MEMORY_MB = 16  # too little for the drawing process even to load PDFium
    document = Document.objects.create(
        title="Bài giảng", file=ContentFile(pdf_bytes([SLIDE]), name="bai-giang.pdf"), collection_id=1
    )
    page = training_with(document)

    deck = build_deck(document)

    assert deck.state == SlideDeck.State.FAILED
    assert SlideDeck.objects.get(pk=deck.pk).state == SlideDeck.State.FAILED  # never left "processing"
    client.force_login(tuan_editor)
    html = client.get(reverse("training_slides", args=[page.pk]), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'data-deck-state="failed"' in html and "Không thành công" in html
    assert "cần nhiều bộ nhớ hoặc thời gian hơn mức máy chủ cho phép" in html
