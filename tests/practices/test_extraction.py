"""Attachments are judged by their content and their text is read: real .docx, .pdf, .odt files and pictures
made in the test, and every kind of bad file a submitter may bring, each refused with its own reason."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

import pytest
from anyascii import anyascii

from portal.practices import extraction
from portal.practices.extraction import (
    ALLOWED_EXTENSIONS,
    DocumentRejected,
    check_and_extract,
    max_attachment_bytes,
    pdf_paragraphs,
    preview,
)
from tests.practices.documents import (
    VIETNAMESE,
    docx_bytes,
    has_vietnamese_font,
    make_docm,
    make_docx,
    make_docx_bomb,
    make_docx_with_table,
    make_encrypted_docx,
    make_huge_png_header,
    make_jpeg,
    make_legacy_doc,
    make_odt,
    make_odt_with_basic_macro,
    make_pdf,
    make_pdf_protected_against_editing,
    make_png,
    make_zip_with_many_entries,
    truncated_copy,
)

PDF_TEXT = VIETNAMESE if has_vietnamese_font() else anyascii(VIETNAMESE)
LONG_SENTENCE = (
    "Trong năm 2025, đơn vị đã kiểm sát chặt chẽ các vụ án hình sự từ khi khởi tố đến khi kết thúc điều tra, "
    "phối hợp với cơ quan điều tra để giải quyết dứt điểm các vụ án tồn đọng kéo dài nhiều năm."
)


def refusal(path: Path, name: str | None = None, **kwargs) -> DocumentRejected:
    with pytest.raises(DocumentRejected) as caught:
        check_and_extract(path, name or path.name, **kwargs)
    assert caught.value.message and (name or path.name) in str(caught.value)
    return caught.value


# What is read from good files.


def test_it_reads_the_heading_and_the_vietnamese_text_of_a_word_document(tmp_path):
    path = make_docx(tmp_path / "bao-cao.docx", "Kinh nghiệm kiểm sát điều tra", [VIETNAMESE, "Đoạn thứ hai."])

    extracted = check_and_extract(path, "bao-cao.docx")

    assert extracted.kind == "docx"
    assert extracted.title == "Kinh nghiệm kiểm sát điều tra"
    assert extracted.text == f"Kinh nghiệm kiểm sát điều tra\n\n{VIETNAMESE}\n\nĐoạn thứ hai."
    assert not extracted.truncated


def test_a_title_style_counts_as_the_heading_and_no_heading_gives_an_empty_title(tmp_path):
    titled = make_docx(tmp_path / "a.docx", "Báo cáo chuyên đề", ["Nội dung."], title_style="Title")
    plain = make_docx(tmp_path / "b.docx", "", ["Chỉ có nội dung."])

    assert check_and_extract(titled, "a.docx").title == "Báo cáo chuyên đề"
    assert check_and_extract(plain, "b.docx").title == ""


def test_the_rows_of_a_word_table_become_lines_of_text(tmp_path):
    path = make_docx_with_table(tmp_path / "bang.docx", "Kết quả", [["Năm", "Số vụ"], ["2024", "12"]])

    assert check_and_extract(path, "bang.docx").text == "Kết quả\n\nNăm | Số vụ\n\n2024 | 12"


def test_decomposed_vietnamese_comes_out_composed(tmp_path):
    decomposed = unicodedata.normalize("NFD", VIETNAMESE)
    assert decomposed != VIETNAMESE
    path = make_docx(tmp_path / "nfd.docx", "", [decomposed])

    assert check_and_extract(path, "nfd.docx").text == VIETNAMESE


def test_it_reads_a_pdf_joining_wrapped_lines_into_paragraphs(tmp_path):
    path = make_pdf(tmp_path / "bao-cao.pdf", ["BÁO CÁO", VIETNAMESE, LONG_SENTENCE, "1. Một", "2. Hai"])

    extracted = check_and_extract(path, "bao-cao.pdf")

    expected = [PDF_TEXT, LONG_SENTENCE if has_vietnamese_font() else anyascii(LONG_SENTENCE)]
    assert extracted.kind == "pdf"
    assert extracted.title == ("BÁO CÁO" if has_vietnamese_font() else "BAO CAO")
    assert extracted.text.split("\n\n")[1:] == [*expected, "1. Một" if has_vietnamese_font() else "1. Mot", "2. Hai"]
    assert unicodedata.is_normalized("NFC", extracted.text)


def test_a_pdf_title_comes_from_its_metadata_unless_that_is_a_file_name(tmp_path):
    titled = make_pdf(tmp_path / "a.pdf", [VIETNAMESE], title="Cách làm hay năm 2025")
    file_named = make_pdf(tmp_path / "b.pdf", ["Tiêu đề thật."], title="Microsoft Word - baocao.docx")

    assert check_and_extract(titled, "a.pdf").title == "Cách làm hay năm 2025"
    assert check_and_extract(file_named, "b.pdf").title == (
        "Tiêu đề thật." if has_vietnamese_font() else "Tieu de that."
    )


def test_a_pdf_with_javascript_is_accepted_and_only_read(tmp_path):
    path = make_pdf(tmp_path / "js.pdf", [VIETNAMESE], javascript="app.alert('xin chao');")
    assert b"/JavaScript" in path.read_bytes()

    assert check_and_extract(path, "js.pdf").text == PDF_TEXT


def test_a_pdf_protected_only_against_editing_is_read(tmp_path):
    path = make_pdf_protected_against_editing(tmp_path / "p.pdf", ["Noi dung duoc bao ve."])
    assert b"/Encrypt" in path.read_bytes()

    assert check_and_extract(path, "p.pdf").text == "Noi dung duoc bao ve."


def test_it_reads_the_heading_and_the_vietnamese_text_of_an_opendocument_text(tmp_path):
    path = make_odt(tmp_path / "bao-cao.odt", "Tiêu đề báo cáo", [VIETNAMESE])

    extracted = check_and_extract(path, "bao-cao.odt")

    assert (extracted.kind, extracted.title) == ("odt", "Tiêu đề báo cáo")
    assert extracted.text == f"Tiêu đề báo cáo\n\n{VIETNAMESE}"


@pytest.mark.parametrize(("maker", "name"), [(make_png, "anh.png"), (make_jpeg, "anh.jpg"), (make_png, "anh.jpeg")])
def test_pictures_are_accepted_by_content_whatever_picture_extension_they_carry(tmp_path, maker, name):
    path = maker(tmp_path / "picture")

    assert check_and_extract(path, name) == extraction.Extracted(kind="image", text="", title="")


def test_an_upload_is_checked_and_left_ready_to_be_saved(tmp_path):
    upload = SimpleUploadedFile("bao-cao.docx", docx_bytes("Tiêu đề", [VIETNAMESE]))

    extracted = check_and_extract(upload, upload.name)

    assert extracted.text == f"Tiêu đề\n\n{VIETNAMESE}"
    assert upload.tell() == 0 and upload.read(2) == b"PK"


def test_the_text_read_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(extraction, "MAX_TEXT_CHARS", 100)
    path = make_docx(tmp_path / "dai.docx", "", [LONG_SENTENCE] * 5)

    extracted = check_and_extract(path, "dai.docx")

    assert extracted.truncated and len(extracted.text) <= 100
    assert LONG_SENTENCE.startswith(extracted.text)


# What is refused, and why.


def test_an_empty_file_is_refused(tmp_path):
    path = tmp_path / "rong.docx"
    path.write_bytes(b"")
    assert refusal(path).code == "empty"


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path, settings):
    path = make_docx(tmp_path / "lon.docx", "Tiêu đề", [VIETNAMESE])
    settings.PRACTICE_ATTACHMENT_MAX_BYTES = path.stat().st_size - 1

    assert max_attachment_bytes() == path.stat().st_size - 1
    assert refusal(path).code == "too_large"
    assert refusal(path, max_bytes=100).code == "too_large"
    assert check_and_extract(path, "lon.docx", max_bytes=path.stat().st_size).kind == "docx"


def test_the_default_limit_is_twenty_megabytes(settings):
    del settings.PRACTICE_ATTACHMENT_MAX_BYTES
    assert max_attachment_bytes() == 20 * 1024 * 1024


def test_text_files_and_other_archives_are_refused_as_unknown_types(tmp_path):
    text = tmp_path / "ghi-chu.txt"
    text.write_text("Ghi chú", encoding="utf-8")
    archive = tmp_path / "tai-lieu.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("a.txt", "nội dung")

    assert refusal(text).code == "unknown_type"
    assert refusal(archive).code == "unknown_type"
    assert refusal(archive, "tai-lieu.docx").code == "unknown_type"


def test_an_old_word_file_is_refused_with_advice_to_save_it_again(tmp_path):
    assert refusal(make_legacy_doc(tmp_path / "cu.doc")).code == "legacy_format"


@pytest.mark.parametrize(
    ("maker", "real_name", "claimed_name"),
    [
        (lambda path: make_docx(path, "Tiêu đề", ["x"]), "a.docx", "a.pdf"),
        (lambda path: make_pdf(path, ["x"]), "a.pdf", "a.docx"),
        (lambda path: make_odt(path, "Tiêu đề", ["x"]), "a.odt", "a.docx"),
        (lambda path: make_png(path), "a.png", "a.pdf"),
        (lambda path: make_docx(path, "Tiêu đề", ["x"]), "a.docx", "a"),
    ],
)
def test_a_name_that_does_not_match_the_content_is_refused(tmp_path, maker, real_name, claimed_name):
    path = maker(tmp_path / real_name)
    assert check_and_extract(path, real_name).kind in {"docx", "pdf", "odt", "image"}

    assert refusal(path, claimed_name).code == "mismatch"


@pytest.mark.parametrize("name", ["macro.docm", "macro.docx"])
def test_macro_enabled_word_documents_are_refused_whatever_their_name(tmp_path, name):
    assert refusal(make_docm(tmp_path / name)).code == "macro"


def test_a_word_document_carrying_a_vba_project_is_refused(tmp_path):
    plain = make_docx(tmp_path / "plain.docx", "Tiêu đề", ["x"])
    path = tmp_path / "vba.docx"
    with zipfile.ZipFile(plain) as original, zipfile.ZipFile(path, "w") as copy:
        for info in original.infolist():
            copy.writestr(info, original.read(info))
        copy.writestr("word/vbaProject.bin", b"\0" * 512)

    assert refusal(path).code == "macro"


def test_an_opendocument_text_with_basic_macros_is_refused(tmp_path):
    assert refusal(make_odt_with_basic_macro(tmp_path / "macro.odt", "Tiêu đề")).code == "macro"


def test_password_protected_files_are_refused(tmp_path):
    assert refusal(make_pdf(tmp_path / "mat.pdf", ["Bí mật"], password="matkhau")).code == "encrypted"
    assert refusal(make_encrypted_docx(tmp_path / "mat.docx")).code == "encrypted"


def test_damaged_files_are_refused(tmp_path):
    pdf = make_pdf(tmp_path / "a.pdf", [VIETNAMESE] * 20)
    docx = make_docx(tmp_path / "a.docx", "Tiêu đề", [VIETNAMESE] * 20)
    odt = make_odt(tmp_path / "a.odt", "Tiêu đề", [VIETNAMESE] * 20)
    fake_pdf = tmp_path / "fake.pdf"
    fake_pdf.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    png = make_png(tmp_path / "a.png", (400, 300))

    for damaged in (
        truncated_copy(pdf, tmp_path / "cut.pdf"),
        truncated_copy(docx, tmp_path / "cut.docx"),
        truncated_copy(odt, tmp_path / "cut.odt"),
        truncated_copy(png, tmp_path / "cut.png", keep=0.3),
        fake_pdf,
    ):
        assert refusal(damaged).code == "malformed", damaged.name


def test_a_word_document_whose_text_part_is_broken_xml_is_refused(tmp_path):
    plain = make_docx(tmp_path / "plain.docx", "Tiêu đề", ["x"])
    path = tmp_path / "broken.docx"
    with zipfile.ZipFile(plain) as original, zipfile.ZipFile(path, "w") as copy:
        for info in original.infolist():
            data = original.read(info)
            copy.writestr(info, data[: len(data) // 2] if info.filename == "word/document.xml" else data)

    assert refusal(path).code == "malformed"


def test_a_highly_compressed_document_is_refused_without_being_unpacked(tmp_path):
    path = make_docx_bomb(tmp_path / "bomb.docx", unpacked_mb=50)
    assert path.stat().st_size < 1024 * 1024

    assert refusal(path).code == "archive_bomb"


def test_a_document_with_too_many_parts_is_refused(tmp_path):
    assert refusal(make_zip_with_many_entries(tmp_path / "many.docx", 5_001)).code == "archive_bomb"


def test_a_document_that_unpacks_beyond_the_total_bound_is_refused(tmp_path, settings):
    path = make_docx(tmp_path / "a.docx", "Tiêu đề", [VIETNAMESE] * 50)
    with zipfile.ZipFile(path) as zipped:
        unpacked = sum(info.file_size for info in zipped.infolist())
    settings.DOCUMENT_MAX_UNPACKED_BYTES = unpacked - 1

    assert refusal(path).code == "unpacked_too_large"
    settings.DOCUMENT_MAX_UNPACKED_BYTES = unpacked
    assert check_and_extract(path, "a.docx").kind == "docx"


def test_a_picture_with_too_many_pixels_is_refused(tmp_path):
    path = make_huge_png_header(tmp_path / "lon.png", 20_000, 20_000)
    assert path.stat().st_size < 1024

    assert refusal(path).code == "image_too_large"


def test_the_refusal_message_is_rendered_in_the_language_active_when_shown(tmp_path):
    from django.utils import translation

    path = tmp_path / "rong.pdf"
    path.write_bytes(b"")
    error = refusal(path)
    template = "The file “%(name)s” is empty. Check it on your computer and choose it again."

    for language in ("en", "vi"):
        with translation.override(language):
            assert str(error.message) == translation.gettext(template) % {"name": "rong.pdf"}


# Small pure helpers.


def test_pdf_lines_are_joined_until_a_sentence_ends_or_a_list_item_starts():
    page = "KẾT QUẢ\nĐơn vị đã giải quyết\nhết các vụ án.\n- Thứ nhất\n- Thứ hai\na) một ý\n\nĐoạn mới"

    assert pdf_paragraphs(page) == [
        "KẾT QUẢ",
        "Đơn vị đã giải quyết hết các vụ án.",
        "- Thứ nhất",
        "- Thứ hai",
        "a) một ý",
        "Đoạn mới",
    ]


def test_preview_cuts_at_a_word_and_marks_the_cut():
    assert preview("ngắn", 10) == "ngắn"
    assert preview("Viện kiểm sát nhân dân tối cao", 15) == "Viện kiểm sát…"


def test_the_allowed_extensions_are_what_a_file_input_accepts():
    assert {".docx", ".pdf", ".odt", ".jpg", ".png"} <= set(ALLOWED_EXTENSIONS)
    assert all(extension.startswith(".") for extension in ALLOWED_EXTENSIONS)


def test_any_binary_file_object_can_be_checked(tmp_path):
    stream = io.BytesIO(make_odt(tmp_path / "a.odt", "Tiêu đề", ["Nội dung."]).read_bytes())
    stream.seek(5)

    assert check_and_extract(stream, "a.odt").title == "Tiêu đề"
    assert stream.tell() == 0
