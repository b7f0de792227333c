"""Units write up good practices in the portal: drafts, files, review, "my unit's write-ups", conflicts, permissions."""

from __future__ import annotations

import io
import zipfile
from datetime import date

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext

from wagtail.documents import get_document_model

import docx
import pytest
from bs4 import BeautifulSoup

from portal.home.models import Topic
from portal.practices.models import FieldOfWork, GoodPracticePage
from portal.practices.submission import COLLECTION_NAME
from portal.practices.workflow import SubmissionStatus, submission_state
from portal.units import roles
from portal.units.models import User

PASSWORD = "demo12345"
SUBMIT_URL = "/cach-lam-hay/gui/"
MINE_URL = "/cach-lam-hay/cua-don-vi/"


def person(username: str, unit, role: str, first_name: str, last_name: str) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, unit=unit, first_name=first_name, last_name=last_name
    )
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture(autouse=True)
def media_folder(settings, tmp_path):
    """Files of each test in a folder of their own."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def thu_submitter(hanoi) -> User:
    """Vũ Thị Thu, the second submitter of Hà Nội, who sometimes opens the same draft as Minh."""
    return person("thu", hanoi, roles.SUBMITTER, "Thu", "Vũ Thị")


@pytest.fixture
def an_hue_submitter(hue) -> User:
    """Hồ Văn An submits for Huế: he must never reach Hà Nội's write-ups."""
    return person("an", hue, roles.SUBMITTER, "An", "Hồ Văn")


@pytest.fixture
def topics(db) -> list[Topic]:
    return [Topic.objects.create(name="Chứng cứ điện tử"), Topic.objects.create(name="Kiểm sát điều tra")]


def docx_bytes(*paragraphs: str, heading: str = "Báo cáo kinh nghiệm") -> bytes:
    document = docx.Document()
    document.add_heading(heading, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_upload(name: str = "Báo cáo Hà Nội.docx", *paragraphs: str) -> SimpleUploadedFile:
    content = docx_bytes(*(paragraphs or ("Đã rút ngắn thời hạn giải quyết tin báo xuống 20 ngày.",)))
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def malformed_docx() -> SimpleUploadedFile:
    """A Word file cut short halfway, as a broken download leaves it."""
    content = docx_bytes("Nội dung bị cắt")
    return SimpleUploadedFile("Báo cáo hỏng.docx", content[: len(content) // 2])


def macro_docx() -> SimpleUploadedFile:
    """A real .docx turned into a macro-enabled one: a VBA project and the macro-enabled content type."""
    source = zipfile.ZipFile(io.BytesIO(docx_bytes("Có macro")))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml"
                ).replace(
                    b"</Types>",
                    b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
                )
            target.writestr(item, data)
        target.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\0" * 512)
    return SimpleUploadedFile("Báo cáo có macro.docx", buffer.getvalue())


def oversized_docx(settings) -> SimpleUploadedFile:
    settings.PRACTICE_ATTACHMENT_MAX_BYTES = 20_000
    filler = " ".join(f"đoạn{i}-{i * 7919 % 104729}" for i in range(20_000))
    upload = docx_upload("Báo cáo rất dài.docx", filler)
    assert upload.size > 20_000
    return upload


def filled_form(**overrides) -> dict:
    field = FieldOfWork.objects.filter(active=True).first()
    data = {
        "title": "Số hóa hồ sơ kiểm sát điều tra",
        "authors": "Trần Văn Minh, Kiểm sát viên trung cấp",
        "field_of_work": str(field.pk),
        "date": "2024-05-17",
        "summary": "Quét và lập chỉ mục hồ sơ giúp tra cứu nhanh hơn.",
        "problem": "Hồ sơ giấy thất lạc,\nmất nhiều thời gian tìm kiếm.",
        "actions": "- Quét toàn bộ hồ sơ\n- Lập chỉ mục theo số vụ án",
        "results": "Thời gian tra cứu giảm **70%**.",
        "how_to_apply": "1. Chuẩn bị máy quét\n2. Phân công người phụ trách",
        "action": "draft",
    }
    data.update(overrides)
    return data


def login(client, user) -> None:
    client.force_login(user)


def typed_values(response) -> dict[str, str]:
    """What the re-rendered form holds, read from its HTML as the browser would."""
    soup = BeautifulSoup(response.content, "html.parser")
    values: dict[str, str] = {}
    for element in soup.select(
        "form.submission-form input[name], form.submission-form textarea, form.submission-form select"
    ):
        name = element["name"]
        if element.name == "textarea":
            values[name] = element.text.lstrip("\n")
        elif element.name == "select":
            selected = element.find("option", selected=True)
            values[name] = selected["value"] if selected else ""
        elif element.get("type") in ("checkbox", "radio"):
            if element.has_attr("checked"):
                values.setdefault(name, element["value"])
        elif element.get("type") != "file":
            values[name] = element.get("value", "")
    return values


def assert_everything_typed_is_kept(response, data: dict) -> None:
    values = typed_values(response)
    for name, value in data.items():
        if name in ("action", "new_files"):
            continue
        assert values.get(name) == value, name


def draft_by(client, user, **overrides) -> GoodPracticePage:
    login(client, user)
    response = client.post(SUBMIT_URL, filled_form(**overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    return GoodPracticePage.objects.order_by("-pk").first()


# Creating a write-up


def test_a_submitter_saves_a_draft_of_their_own_unit_with_its_attached_report(client, minh_submitter, hue, topics):
    login(client, minh_submitter)
    data = filled_form(topics=[str(topics[0].pk)], unit=str(hue.pk))  # a unit field is ignored: none exists
    data["new_files"] = [docx_upload()]
    response = client.post(SUBMIT_URL, data)

    assert response.status_code == 302
    assert response["Location"] == MINE_URL
    page = GoodPracticePage.objects.get()
    assert page.unit == minh_submitter.unit and page.owner == minh_submitter
    assert not page.live and page.latest_revision is not None and page.latest_revision.user == minh_submitter
    assert page.get_parent().specific_class.__name__ == "GoodPracticeIndexPage"
    assert page.title == "Số hóa hồ sơ kiểm sát điều tra" and page.date == date(2024, 5, 17)
    assert page.problem == "<p>Hồ sơ giấy thất lạc,<br/>mất nhiều thời gian tìm kiếm.</p>"
    assert page.actions == "<ul><li>Quét toàn bộ hồ sơ</li><li>Lập chỉ mục theo số vụ án</li></ul>"
    assert page.results == "<p>Thời gian tra cứu giảm <b>70%</b>.</p>"
    assert page.how_to_apply == "<ol><li>Chuẩn bị máy quét</li><li>Phân công người phụ trách</li></ol>"
    assert list(page.topics.all()) == [topics[0]]
    attachment = page.attachments.get()
    assert "20 ngày" in attachment.text
    assert attachment.document.collection.name == COLLECTION_NAME
    assert attachment.document.uploaded_by_user == minh_submitter
    assert attachment.document.file.name == "documents/Báo_cáo_Hà_Nội.docx"
    assert submission_state(page).status == SubmissionStatus.DRAFT


def test_send_for_review_starts_the_review_workflow(client, minh_submitter):
    page = draft_by(client, minh_submitter, action="submit")

    assert submission_state(page).status == SubmissionStatus.IN_REVIEW
    assert page.current_workflow_state is not None
    assert page.current_workflow_state.requested_by == minh_submitter


def test_a_draft_needs_only_a_title_but_review_needs_every_section(client, minh_submitter):
    login(client, minh_submitter)
    only_title = {"title": "Ý tưởng mới", "action": "draft"}
    assert client.post(SUBMIT_URL, only_title).status_code == 302
    assert GoodPracticePage.objects.count() == 1

    response = client.post(SUBMIT_URL, {"title": "Ý tưởng khác", "action": "submit"})
    assert response.status_code == 200
    assert GoodPracticePage.objects.count() == 1
    form = response.context["form"]
    assert set(form.errors) == {"field_of_work", "summary", "problem", "actions", "results", "how_to_apply"}
    summary = BeautifulSoup(response.content, "html.parser").select_one("[data-error-summary]")
    assert summary is not None
    assert {a["href"] for a in summary.select("a")} >= {"#id_summary", "#id_field_of_work", "#id_actions"}


def test_two_write_ups_may_share_a_title(client, minh_submitter, thu_submitter):
    first = draft_by(client, minh_submitter)
    second = draft_by(client, thu_submitter)
    assert first.pk != second.pk and first.title == second.title and first.slug != second.slug


# Refused files never cost the submitter what they typed


@pytest.mark.parametrize("bad_file", ["malformed", "macro", "oversized"])
def test_a_refused_file_returns_the_form_with_everything_typed_and_nothing_saved(
    client, minh_submitter, topics, settings, bad_file
):
    upload = {"malformed": malformed_docx, "macro": macro_docx}.get(bad_file, lambda: oversized_docx(settings))()
    login(client, minh_submitter)
    data = filled_form(topics=str(topics[1].pk))

    response = client.post(SUBMIT_URL, {**data, "new_files": [upload]})

    assert response.status_code == 200
    assert GoodPracticePage.objects.count() == 0
    assert_everything_typed_is_kept(response, data)
    form = response.context["form"]
    assert len(form.rejected) == 1 and upload.name in form.rejected[0].message
    errors = BeautifulSoup(response.content, "html.parser").select("[data-error-summary] li")
    assert any(upload.name in error.text for error in errors)


def test_a_good_file_sent_with_a_bad_one_is_kept_and_attached_at_the_next_save(client, minh_submitter):
    login(client, minh_submitter)
    data = filled_form()
    good = docx_upload("Báo cáo tốt.docx", "Kết quả năm 2024 rất khả quan.")
    response = client.post(SUBMIT_URL, {**data, "new_files": [good, malformed_docx()]})

    assert response.status_code == 200
    held = response.context["held"]
    assert [document.title for document in held] == ["Báo cáo kinh nghiệm"]
    token = typed_values(response)["held_files"]
    assert token

    # The submitter does not choose the good file again: the page remembers it.
    response = client.post(SUBMIT_URL, {**data, "held_files": token})
    assert response.status_code == 302
    attachment = GoodPracticePage.objects.get().attachments.get()
    assert attachment.document == held[0]
    assert "khả quan" in attachment.text


def test_a_held_file_can_be_dropped_before_saving(client, minh_submitter):
    login(client, minh_submitter)
    data = filled_form(title="")
    response = client.post(SUBMIT_URL, {**data, "new_files": [docx_upload()]})
    assert response.status_code == 200  # the title is missing
    document = response.context["held"][0]
    token = typed_values(response)["held_files"]

    response = client.post(
        SUBMIT_URL, {**data, "title": "Có tiêu đề", "held_files": token, "drop_held_files": [str(document.pk)]}
    )
    assert response.status_code == 302
    assert GoodPracticePage.objects.get().attachments.count() == 0
    assert not get_document_model().objects.filter(pk=document.pk).exists()


def test_someone_elses_held_files_cannot_be_slipped_in(client, minh_submitter, thu_submitter):
    login(client, thu_submitter)
    response = client.post(SUBMIT_URL, {**filled_form(title=""), "new_files": [docx_upload()]})
    thus_token = typed_values(response)["held_files"]

    login(client, minh_submitter)
    response = client.post(SUBMIT_URL, {**filled_form(), "held_files": thus_token})
    assert response.status_code == 302
    assert GoodPracticePage.objects.get().attachments.count() == 0


# Editing, removing files, resubmitting


def test_editing_a_draft_shows_it_as_typed_and_saves_a_new_revision(client, minh_submitter):
    page = draft_by(client, minh_submitter)
    response = client.get(reverse("practices:edit", args=[page.pk]))
    assert response.status_code == 200
    values = typed_values(response)
    assert values["title"] == "Số hóa hồ sơ kiểm sát điều tra"
    assert values["actions"] == "- Quét toàn bộ hồ sơ\n- Lập chỉ mục theo số vụ án"
    assert values["problem"] == "Hồ sơ giấy thất lạc,\nmất nhiều thời gian tìm kiếm."
    assert values["results"] == "Thời gian tra cứu giảm **70%**."
    assert values["based_on_revision"] == str(page.latest_revision_id)

    values.update(title="Số hóa hồ sơ (bản sửa)", action="draft")
    response = client.post(reverse("practices:edit", args=[page.pk]), values)
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.title == "Số hóa hồ sơ (bản sửa)" and page.revisions.count() == 2
    assert page.actions == "<ul><li>Quét toàn bộ hồ sơ</li><li>Lập chỉ mục theo số vụ án</li></ul>"


def test_an_attached_file_can_be_removed_when_editing(client, minh_submitter):
    login(client, minh_submitter)
    client.post(SUBMIT_URL, {**filled_form(), "new_files": [docx_upload("Một.docx"), docx_upload("Hai.docx")]})
    page = GoodPracticePage.objects.get()
    first, second = page.attachments.order_by("sort_order")
    values = typed_values(client.get(reverse("practices:edit", args=[page.pk])))
    values.update(remove_attachments=[str(first.document_id)], action="draft")

    assert client.post(reverse("practices:edit", args=[page.pk]), values).status_code == 302
    page.refresh_from_db()
    assert [a.document_id for a in page.attachments.all()] == [second.document_id]


def test_after_changes_are_requested_the_unit_edits_and_sends_again(client, minh_submitter, hoa_reviewer):
    page = draft_by(client, minh_submitter, action="submit")
    task_state = page.current_workflow_state.current_task_state
    task_state.task.specific.on_action(task_state, hoa_reviewer, "reject", comment="Bổ sung số liệu năm 2023.")
    assert submission_state(page).status == SubmissionStatus.CHANGES_REQUESTED

    response = client.get(reverse("practices:edit", args=[page.pk]))
    assert response.status_code == 200
    assert "Bổ sung số liệu năm 2023." in response.content.decode()
    values = typed_values(response)
    values.update(results="Năm 2023: giảm 70%.", action="submit")
    assert client.post(reverse("practices:edit", args=[page.pk]), values).status_code == 302

    page.refresh_from_db()
    assert submission_state(page).status == SubmissionStatus.IN_REVIEW
    assert page.get_latest_revision_as_object().results == "<p>Năm 2023: giảm 70%.</p>"


def test_a_write_up_in_review_cannot_be_edited_and_goes_to_its_preview(client, minh_submitter):
    page = draft_by(client, minh_submitter, action="submit")
    response = client.get(reverse("practices:edit", args=[page.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("practices:preview", args=[page.pk])
    values = filled_form(title="Sửa lén", based_on_revision=str(page.latest_revision_id))
    assert client.post(reverse("practices:edit", args=[page.pk]), values).status_code == 302
    page.refresh_from_db()
    assert page.title == "Số hóa hồ sơ kiểm sát điều tra"


# Two submitters on one draft


def test_saving_over_a_newer_version_is_refused_and_keeps_the_typed_text(client, minh_submitter, thu_submitter):
    page = draft_by(client, minh_submitter)
    edit_url = reverse("practices:edit", args=[page.pk])
    minhs_form = typed_values(client.get(edit_url))

    login(client, thu_submitter)
    thus_form = typed_values(client.get(edit_url))
    thus_form.update(results="Thu đã thêm: giảm 75%.", action="draft")
    assert client.post(edit_url, thus_form).status_code == 302

    login(client, minh_submitter)
    minhs_form.update(results="Minh viết: giảm 80%.", action="draft")
    response = client.post(edit_url, minhs_form)

    assert response.status_code == 409
    page.refresh_from_db()
    assert page.get_latest_revision_as_object().results == "<p>Thu đã thêm: giảm 75%.</p>"
    assert page.revisions.count() == 2
    assert typed_values(response)["results"] == "Minh viết: giảm 80%."
    conflict = BeautifulSoup(response.content, "html.parser").select_one(".conflict")
    assert conflict is not None and thu_submitter.get_full_name() in conflict.text
    assert conflict.select_one(f'a[href="{edit_url}"]') is not None

    # Sending the same stale form again is still refused; opening the latest version then works.
    assert client.post(edit_url, minhs_form).status_code == 409
    fresh = typed_values(client.get(edit_url))
    assert fresh["results"] == "Thu đã thêm: giảm 75%."
    fresh.update(results="Thu đã thêm: giảm 75%. Minh viết: giảm 80%.", action="draft")
    assert client.post(edit_url, fresh).status_code == 302


# "My unit's write-ups"


def test_my_units_write_ups_shows_each_state_with_the_reviewers_words(
    client, minh_submitter, thu_submitter, hoa_reviewer, an_hue_submitter
):
    from portal.practices.review import close_review

    draft = draft_by(client, minh_submitter, title="Bản nháp")
    in_review = draft_by(client, thu_submitter, title="Đang duyệt", action="submit")
    sent_back = draft_by(client, minh_submitter, title="Cần sửa", action="submit")
    task_state = sent_back.current_workflow_state.current_task_state
    task_state.task.specific.on_action(task_state, hoa_reviewer, "reject", comment="Thiếu số liệu cụ thể.")
    published = draft_by(client, minh_submitter, title="Đã đăng", action="submit")
    task_state = published.current_workflow_state.current_task_state
    task_state.task.specific.on_action(task_state, hoa_reviewer, "approve", comment="")
    rejected = draft_by(client, minh_submitter, title="Bị từ chối", action="submit")
    close_review(rejected.current_workflow_state.current_task_state, hoa_reviewer, "Trùng với cách làm đã đăng.")
    other_unit = draft_by(client, an_hue_submitter, title="Của Huế")

    login(client, minh_submitter)
    response = client.get(MINE_URL)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    rows = {int(row["data-page-id"]): row for row in soup.select("tr.submission")}
    assert set(rows) == {draft.pk, in_review.pk, sent_back.pk, published.pk, rejected.pk}
    assert other_unit.pk not in rows
    assert rows[draft.pk]["data-status"] == SubmissionStatus.DRAFT
    assert rows[in_review.pk]["data-status"] == SubmissionStatus.IN_REVIEW
    assert rows[sent_back.pk]["data-status"] == SubmissionStatus.CHANGES_REQUESTED
    assert "Thiếu số liệu cụ thể." in rows[sent_back.pk].text
    assert rows[rejected.pk]["data-status"] == SubmissionStatus.REJECTED
    assert "Trùng với cách làm đã đăng." in rows[rejected.pk].text
    published.refresh_from_db()
    assert published.live
    assert rows[published.pk].select_one('a[data-action="view"]')["href"] == published.url
    assert str(SubmissionStatus.PUBLISHED.label) in rows[published.pk].text
    assert thu_submitter.get_full_name() in rows[in_review.pk].text

    editable = {pk for pk, row in rows.items() if row.select_one('a[data-action="edit"]')}
    assert editable == {draft.pk, sent_back.pk}
    assert all(row.select_one('a[data-action="preview"]') for row in rows.values())


# Who may do what


@pytest.mark.parametrize("url_name", ["practices:submit", "practices:mine"])
def test_people_who_are_not_submitters_get_a_clear_refusal(client, lan_viewer, hoa_reviewer, url_name):
    for user in (lan_viewer, hoa_reviewer):
        login(client, user)
        response = client.get(reverse(url_name))
        assert response.status_code == 403
        assert response.templates[0].name == "practices/submission/forbidden.html"
    assert GoodPracticePage.objects.count() == 0


def test_not_logged_in_goes_to_the_login_page(client):
    response = client.get(SUBMIT_URL)
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_a_submitter_never_reaches_another_units_write_up(client, minh_submitter, an_hue_submitter, lan_viewer):
    page = draft_by(client, minh_submitter)
    for user in (an_hue_submitter, lan_viewer):
        login(client, user)
        assert client.get(reverse("practices:preview", args=[page.pk])).status_code == 404
    login(client, an_hue_submitter)
    assert client.get(reverse("practices:edit", args=[page.pk])).status_code == 404
    values = filled_form(title="Của Huế rồi", based_on_revision=str(page.latest_revision_id))
    assert client.post(reverse("practices:edit", args=[page.pk]), values).status_code == 404
    page.refresh_from_db()
    assert page.title == "Số hóa hồ sơ kiểm sát điều tra" and page.revisions.count() == 1


def test_the_preview_shows_the_last_saved_version_to_the_unit_and_reviewers(client, minh_submitter, hoa_reviewer):
    page = draft_by(client, minh_submitter)
    values = typed_values(client.get(reverse("practices:edit", args=[page.pk])))
    values.update(summary="Tóm tắt mới nhất", action="draft")
    client.post(reverse("practices:edit", args=[page.pk]), values)

    for user in (minh_submitter, hoa_reviewer):
        login(client, user)
        response = client.get(reverse("practices:preview", args=[page.pk]))
        assert response.status_code == 200
        assert "Tóm tắt mới nhất" in response.content.decode()


def test_the_section_page_still_answers_at_its_own_address(client, minh_submitter):
    draft_by(client, minh_submitter)
    response = client.get("/cach-lam-hay/")
    assert response.status_code == 200
    assert response.context["page"].specific_class.__name__ == "GoodPracticeIndexPage"


def test_the_forms_refusal_message_is_translated(client, lan_viewer):
    login(client, lan_viewer)
    response = client.get(SUBMIT_URL)
    assert gettext("Only unit submitters can write up good practices") in response.content.decode()
