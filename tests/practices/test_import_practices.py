"""`manage.py import_practices` brings a unit's backlog of reports in: one write-up per document, bad files
reported without stopping the others, drafts, submitted or published write-ups, and reruns that skip
what is already there."""

from __future__ import annotations

import json
import shutil
from datetime import date
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation

from wagtail.models import WorkflowState

import pytest

from portal.practices.importing import STATE_LABELS, body_html, find_documents
from portal.practices.models import GoodPracticePage, PracticeAttachment
from portal.practices.submission import COLLECTION_NAME
from portal.units.models import User
from tests.practices.documents import (
    VIETNAMESE,
    has_vietnamese_font,
    make_docm,
    make_docx,
    make_legacy_doc,
    make_odt,
    make_pdf,
    truncated_copy,
)

pytestmark = pytest.mark.django_db

KEYS = {"file", "page_id", "state", "error"}
PDF_TEXT = VIETNAMESE if has_vietnamese_font() else None


@pytest.fixture(autouse=True)
def media_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def run(*args: str) -> tuple[str, str, CommandError | None]:
    out, err = StringIO(), StringIO()
    try:
        call_command("import_practices", *args, stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


def rows_of(out: str) -> dict[str, dict]:
    rows = [json.loads(line) for line in out.splitlines()]
    assert all(set(row) == KEYS for row in rows)
    return {Path(row["file"]).name: row for row in rows}


@pytest.fixture
def backlog(tmp_path) -> Path:
    """A unit's cupboard of old reports: Word, PDF and OpenDocument files in sub-folders, a damaged PDF,
    an old .doc, a macro-enabled file, notes that are not reports, and a hidden copy."""
    folder = tmp_path / "bao-cao-cu"
    (folder / "2023").mkdir(parents=True)
    make_docx(
        folder / "2023" / "kinh-nghiem_dieu-tra.docx",
        "Kinh nghiệm kiểm sát điều tra án ma túy",
        [VIETNAMESE, "Kết quả: <script>alert('x')</script> & 12 vụ án."],
    )
    make_pdf(folder / "so-hoa-ho-so.pdf", ["Số hóa hồ sơ", VIETNAMESE], title="Số hóa hồ sơ kiểm sát")
    make_odt(folder / "tiep-cong-dan.odt", "Tiếp công dân trực tuyến", ["Đã tiếp 120 lượt công dân."])
    truncated_copy(make_pdf(folder / "hong.pdf", [VIETNAMESE] * 30), folder / "hong.pdf")
    make_legacy_doc(folder / "bao-cao-2010.doc")
    make_docm(folder / "co-macro.docx")
    (folder / "ghi-chu.txt").write_text("Danh sách báo cáo\n", encoding="utf-8")
    make_docx(folder / ".ban-sao.docx", "Bản sao ẩn", ["x"])
    return folder


def test_it_imports_a_mixed_folder_and_reports_each_file_as_one_json_line(backlog, hanoi):
    out, err, error = run(str(backlog), "--unit", "HN", "--json")

    assert error is not None and error.returncode != 0
    rows = rows_of(out)
    assert list(rows) == [
        "kinh-nghiem_dieu-tra.docx",
        "bao-cao-2010.doc",
        "co-macro.docx",
        "hong.pdf",
        "so-hoa-ho-so.pdf",
        "tiep-cong-dan.odt",
    ]
    assert {name: row["state"] for name, row in rows.items()} == {
        "kinh-nghiem_dieu-tra.docx": "draft",
        "bao-cao-2010.doc": "failed",
        "co-macro.docx": "failed",
        "hong.pdf": "failed",
        "so-hoa-ho-so.pdf": "draft",
        "tiep-cong-dan.odt": "draft",
    }
    for name in ("bao-cao-2010.doc", "co-macro.docx", "hong.pdf"):
        assert rows[name]["page_id"] is None and rows[name]["error"]
        assert name in rows[name]["error"]
    assert all(rows[name]["error"] is None for name in ("so-hoa-ho-so.pdf", "tiep-cong-dan.odt"))
    assert GoodPracticePage.objects.count() == 3
    assert err  # the summary goes to stderr, leaving stdout to the JSON lines


def test_a_draft_holds_the_title_body_summary_unit_and_the_file_with_its_text(backlog, hanoi):
    out, _err, _error = run(str(backlog), "--unit", "hn", "--json")
    row = rows_of(out)["kinh-nghiem_dieu-tra.docx"]

    page = GoodPracticePage.objects.get(pk=row["page_id"])
    assert page.title == "Kinh nghiệm kiểm sát điều tra án ma túy"
    assert page.unit == hanoi
    assert not page.live and page.has_unpublished_changes
    assert page.latest_revision is not None
    assert page.get_parent().specific_class.__name__ == "GoodPracticeIndexPage"
    assert page.summary.startswith(VIETNAMESE) and len(page.summary) <= 301
    assert page.body == (
        f"<p>{VIETNAMESE}</p><p>Kết quả: &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; 12 vụ án.</p>"
    )
    attachment = PracticeAttachment.objects.get(page=page)
    assert attachment.text.startswith("Kinh nghiệm kiểm sát điều tra án ma túy\n\n" + VIETNAMESE)
    document = attachment.document
    assert document.collection.name == COLLECTION_NAME and document.collection.depth == 2
    assert document.file_hash and document.file_size == (backlog / "2023" / "kinh-nghiem_dieu-tra.docx").stat().st_size
    assert Path(document.file.path).read_bytes() == (backlog / "2023" / "kinh-nghiem_dieu-tra.docx").read_bytes()


def test_pdf_and_opendocument_reports_become_write_ups_too(backlog, hanoi):
    out, _err, _error = run(str(backlog), "--unit", "HN", "--json")
    rows = rows_of(out)

    pdf_page = GoodPracticePage.objects.get(pk=rows["so-hoa-ho-so.pdf"]["page_id"])
    odt_page = GoodPracticePage.objects.get(pk=rows["tiep-cong-dan.odt"]["page_id"])
    assert pdf_page.title == "Số hóa hồ sơ kiểm sát"
    if PDF_TEXT:
        assert PDF_TEXT in pdf_page.body
    assert odt_page.title == "Tiếp công dân trực tuyến"
    assert odt_page.body == "<p>Đã tiếp 120 lượt công dân.</p>"


def test_a_document_without_a_heading_is_titled_after_its_file_name(tmp_path, hanoi):
    folder = tmp_path / "reports"
    folder.mkdir()
    make_docx(folder / "Bao_cao-tong_ket 2024.docx", "", ["Chỉ có nội dung."])

    out, _err, error = run(str(folder), "--unit", "HN", "--json")

    assert error is None
    page = GoodPracticePage.objects.get(pk=rows_of(out)["Bao_cao-tong_ket 2024.docx"]["page_id"])
    assert page.title == "Bao cao tong ket 2024"
    assert page.body == "<p>Chỉ có nội dung.</p>"


def test_running_again_skips_what_was_imported_and_succeeds(backlog, hanoi):
    first, _err, _error = run(str(backlog), "--unit", "HN", "--json")
    for name in ("hong.pdf", "bao-cao-2010.doc", "co-macro.docx"):
        next(backlog.rglob(name)).unlink()  # the unit fixes its bad files by taking them out

    again, _err, error = run(str(backlog), "--unit", "HN", "--json")

    assert error is None
    before, after = rows_of(first), rows_of(again)
    assert {row["state"] for row in after.values()} == {"skipped"}
    assert {name: row["page_id"] for name, row in after.items()} == {name: before[name]["page_id"] for name in after}
    assert GoodPracticePage.objects.count() == 3


def test_the_same_report_twice_in_one_folder_is_imported_once(tmp_path, hanoi):
    folder = tmp_path / "reports"
    (folder / "copy").mkdir(parents=True)
    original = make_docx(folder / "a.docx", "Một báo cáo", ["Nội dung."])
    shutil.copy(original, folder / "copy" / "b.docx")

    out, _err, error = run(str(folder), "--unit", "HN", "--json")

    rows = rows_of(out)
    assert error is None
    assert rows["a.docx"]["state"] == "draft" and rows["b.docx"]["state"] == "skipped"
    assert rows["b.docx"]["page_id"] == rows["a.docx"]["page_id"]


def test_units_come_from_a_csv_map_by_relative_path_or_bare_name(tmp_path, hanoi, hue):
    folder = tmp_path / "reports"
    (folder / "hue").mkdir(parents=True)
    make_docx(folder / "ha-noi.docx", "Báo cáo Hà Nội", ["Nội dung."])
    make_odt(folder / "hue" / "hue.odt", "Báo cáo Huế", ["Nội dung."])
    make_docx(folder / "khong-ro.docx", "Báo cáo chưa rõ đơn vị", ["Nội dung."])
    unit_map = tmp_path / "don-vi.csv"
    unit_map.write_text("file;unit_code\nha-noi.docx;HN\nhue/hue.odt;HUE\n", encoding="utf-8-sig")

    out, _err, error = run(str(folder), "--units", str(unit_map), "--json")

    rows = rows_of(out)
    assert error is not None
    assert GoodPracticePage.objects.get(pk=rows["ha-noi.docx"]["page_id"]).unit == hanoi
    assert GoodPracticePage.objects.get(pk=rows["hue.odt"]["page_id"]).unit == hue
    assert rows["khong-ro.docx"]["state"] == "failed" and rows["khong-ro.docx"]["error"]


def test_a_map_naming_an_unknown_unit_stops_before_anything_is_imported(tmp_path, hanoi):
    folder = tmp_path / "reports"
    folder.mkdir()
    make_docx(folder / "a.docx", "Báo cáo", ["Nội dung."])
    unit_map = tmp_path / "don-vi.csv"
    unit_map.write_text("file,unit_code\na.docx,KHONG-CO\n", encoding="utf-8")

    out, _err, error = run(str(folder), "--units", str(unit_map), "--json")

    assert error is not None and "KHONG-CO" in str(error)
    assert out == "" and not GoodPracticePage.objects.exists()


def test_an_unknown_unit_code_or_user_is_a_clear_error(tmp_path, hanoi):
    folder = tmp_path / "reports"
    folder.mkdir()
    make_docx(folder / "a.docx", "Báo cáo", ["Nội dung."])

    _out, _err, unknown_unit = run(str(folder), "--unit", "XX")
    _out, _err, unknown_user = run(str(folder), "--unit", "HN", "--user", "nobody")

    assert unknown_unit is not None and "XX" in str(unknown_unit)
    assert unknown_user is not None and "nobody" in str(unknown_user)
    assert not GoodPracticePage.objects.exists()


def test_submit_sends_each_write_up_to_the_reviewers(tmp_path, hanoi, minh_submitter):
    folder = tmp_path / "reports"
    folder.mkdir()
    make_docx(folder / "a.docx", "Báo cáo gửi duyệt", [VIETNAMESE])

    out, _err, error = run(str(folder), "--unit", "HN", "--submit", "--user", "minh", "--json")

    assert error is None
    row = rows_of(out)["a.docx"]
    assert row["state"] == "in_review"
    page = GoodPracticePage.objects.get(pk=row["page_id"])
    state = WorkflowState.objects.for_instance(page).get()
    assert state.status == WorkflowState.STATUS_IN_PROGRESS and state.requested_by == minh_submitter
    assert not page.live and page.owner == minh_submitter


def test_submit_defaults_to_the_first_superuser_and_needs_one(tmp_path, hanoi, supreme):
    folder = tmp_path / "reports"
    folder.mkdir()
    make_docx(folder / "a.docx", "Báo cáo gửi duyệt", [VIETNAMESE])

    _out, _err, no_user = run(str(folder), "--unit", "HN", "--submit")
    assert no_user is not None and not GoodPracticePage.objects.exists()

    admin = User.objects.create_superuser(username="admin", password="x" * 12, unit=supreme)
    out, _err, error = run(str(folder), "--unit", "HN", "--submit", "--json")

    assert error is None
    page = GoodPracticePage.objects.get(pk=rows_of(out)["a.docx"]["page_id"])
    assert WorkflowState.objects.for_instance(page).get().requested_by == admin


def test_publish_makes_past_reports_live_at_once(tmp_path, hanoi):
    folder = tmp_path / "reports"
    folder.mkdir()
    make_odt(folder / "a.odt", "Báo cáo đã duyệt năm 2019", [VIETNAMESE])

    out, _err, error = run(str(folder), "--unit", "HN", "--publish", "--json")

    assert error is None
    row = rows_of(out)["a.odt"]
    assert row["state"] == "published"
    page = GoodPracticePage.objects.get(pk=row["page_id"])
    assert page.live and not page.has_unpublished_changes and page.first_published_at is not None
    assert page.live_revision == page.latest_revision
    assert not WorkflowState.objects.for_instance(page).exists()


def test_submit_and_publish_cannot_be_combined(tmp_path, hanoi):
    with pytest.raises(CommandError):
        call_command("import_practices", str(tmp_path), "--unit", "HN", "--submit", "--publish")


def test_human_output_names_each_file_and_its_state_in_the_site_language(backlog, hanoi, settings):
    out, _err, error = run(str(backlog), "--unit", "HN")

    assert error is not None
    with translation.override(settings.LANGUAGE_CODE):
        draft, failed = str(STATE_LABELS["draft"]), str(STATE_LABELS["failed"])
    lines = out.splitlines()
    assert any("tiep-cong-dan.odt" in line and draft in line for line in lines)
    assert any("hong.pdf" in line and failed in line for line in lines)
    assert not any(line.startswith("{") for line in lines)


def test_an_empty_folder_is_a_clear_error(tmp_path, hanoi):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("x")

    _out, _err, error = run(str(tmp_path / "empty"), "--unit", "HN")

    assert error is not None


def test_only_documents_are_found_hidden_ones_and_office_lock_files_left_out(backlog):
    (backlog / "~$kinh-nghiem.docx").write_bytes(b"lock")

    names = [path.name for path in find_documents(backlog)]

    assert "ghi-chu.txt" not in names and ".ban-sao.docx" not in names and "~$kinh-nghiem.docx" not in names
    assert names[0] == "kinh-nghiem_dieu-tra.docx"


def test_body_paragraphs_are_escaped_and_keep_their_line_breaks():
    assert body_html(["<b>a</b>\nb", "c & d"]) == "<p>&lt;b&gt;a&lt;/b&gt;<br/>b</p><p>c &amp; d</p>"


def test_old_reports_keep_the_date_they_were_written(tmp_path, hanoi):
    folder = tmp_path / "reports"
    folder.mkdir()
    make_docx(folder / "word.docx", "Báo cáo 2019", ["Nội dung."], written=date(2019, 5, 6))
    make_pdf(folder / "pdf.pdf", ["Báo cáo 2018", "Nội dung."], written=date(2018, 3, 4))
    make_odt(folder / "odt.odt", "Báo cáo 2017", ["Nội dung."], written=date(2017, 1, 2))
    make_docx(folder / "undated.docx", "Báo cáo không ngày", ["Nội dung."])

    out, _err, error = run(str(folder), "--unit", "HN", "--json")

    assert error is None
    dates = {name: GoodPracticePage.objects.get(pk=row["page_id"]).date for name, row in rows_of(out).items()}
    assert dates["word.docx"] == date(2019, 5, 6)
    assert dates["pdf.pdf"] == date(2018, 3, 4)
    assert dates["odt.odt"] == date(2017, 1, 2)
    assert dates["undated.docx"] == timezone.localdate(), "no date of its own: the day it was imported"
