"""Reading a good practice: the article with its sections, files and previews, related reading, the
"useful" mark (once per reader) and the view count (once per reader and session, never for previews)."""

from __future__ import annotations

import datetime
import html
import re

from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.utils.translation import gettext

from wagtail.documents.models import Document

import pytest

from portal.practices.models import (
    FieldOfWork,
    GoodPracticePage,
    PracticeAttachment,
    UsefulMark,
)
from portal.practices.reading import has_content, text_preview
from tests.practices.pages import add_practice, add_training

pytestmark = pytest.mark.django_db


publish = add_practice
publish_training = add_training


def headings(page_html: str) -> list[str]:
    return [html.unescape(text) for text in re.findall(r"<h2 id=\"[^\"]+\">(.*?)</h2>", page_html)]


def section_titles(page_html: str, section_id: str) -> list[str]:
    start = page_html.find(f'aria-labelledby="{section_id}"')
    if start < 0:
        return []
    section = page_html[start : page_html.index("</section>", start)]
    return [html.unescape(t) for t in re.findall(r'class="card__title"><a href="[^"]*">(.*?)</a>', section)]


@pytest.fixture
def trial() -> FieldOfWork:
    return FieldOfWork.objects.get(name="Thực hành quyền công tố, kiểm sát xét xử vụ án hình sự")


@pytest.fixture
def article(hanoi, trial) -> GoodPracticePage:
    return publish(
        "Tổ chức phiên tòa rút kinh nghiệm trực tuyến",
        unit=hanoi,
        authors="Trần Văn Minh, Kiểm sát viên trung cấp",
        field_of_work=trial,
        topics=["Xét xử", "Chuyển đổi số"],
        summary="Kết nối 30 điểm cầu để kiểm sát viên toàn thành phố cùng theo dõi.",
        problem="<p>Kiểm sát viên ít có dịp dự phiên tòa mẫu.</p>",
        actions="<p>Truyền hình trực tuyến phiên tòa tới các đơn vị.</p>",
        results="<p></p>",
        how_to_apply="<p>Chuẩn bị đường truyền trước hai ngày.</p>",
    )


def test_the_article_shows_its_facts_and_only_the_sections_written(client, lan_viewer, article):
    client.force_login(lan_viewer)
    response = client.get(article.url)
    assert response.status_code == 200
    page = response.content.decode()
    assert headings(page)[:3] == [
        gettext("The problem"),
        gettext("What was done"),
        gettext("How other units can apply it"),
    ]
    assert gettext("Results") not in headings(page)  # "<p></p>" is nothing to show
    assert "Kiểm sát viên ít có dịp dự phiên tòa mẫu." in page
    assert "Viện kiểm sát nhân dân thành phố Hà Nội" in page
    assert "Trần Văn Minh, Kiểm sát viên trung cấp" in page
    assert "Thực hành quyền công tố, kiểm sát xét xử vụ án hình sự" in page
    assert "Kết nối 30 điểm cầu" in page
    assert 'datetime="2026-04-01"' in page
    for slug in ("xet-xu", "chuyen-doi-so"):
        assert f'href="/chu-de/{slug}/"' in page
        assert client.get(f"/chu-de/{slug}/").status_code == 200


def test_an_imported_report_with_only_a_body_is_headed_as_the_content(client, lan_viewer):
    page = publish("Báo cáo cũ năm 2019", body="<p>Toàn văn báo cáo.</p>")
    client.force_login(lan_viewer)
    html_page = client.get(page.url).content.decode()
    assert gettext("Content") in headings(html_page)
    assert gettext("Other content") not in headings(html_page)


@pytest.fixture
def report(settings, tmp_path, article) -> PracticeAttachment:
    settings.MEDIA_ROOT = tmp_path
    document = Document(title="Báo cáo tổng kết")
    document.file.save("bao-cao-tong-ket.pdf", ContentFile(b"%PDF-1.4\n" + b"0" * 3000), save=True)
    opening = "Phần mở đầu của báo cáo. " * 20  # 500 characters
    tail = "ĐOẠN CUỐI KHÔNG HIỆN TRONG BẢN XEM TRƯỚC"
    return PracticeAttachment.objects.create(
        page=article, document=document, title="", text=opening + "\n\n\n" + "Chi tiết số liệu. " * 40 + tail
    )


def test_attachments_show_type_size_and_the_beginning_of_their_text(client, lan_viewer, article, report):
    client.force_login(lan_viewer)
    page = client.get(article.url).content.decode()
    assert f'href="{report.document.url}"' in page
    assert ">Báo cáo tổng kết</a>" in page  # the document's own title when the attachment has none
    assert "PDF" in page
    assert html.escape(str(filesizeformat(report.document.get_file_size()))) in page
    preview = re.search(r'<details class="attachment__preview">(.*?)</details>', page, re.S).group(1)
    assert "Phần mở đầu của báo cáo." in preview
    assert "ĐOẠN CUỐI KHÔNG HIỆN" not in page
    assert len(re.sub(r"<[^>]+>", "", preview)) < 1100


def test_the_text_preview_is_cut_at_a_word_and_keeps_paragraphs():
    text, partial = text_preview("Một  hai\t\tba.\n\n\n\nBốn năm.", limit=800)
    assert (text, partial) == ("Một hai ba.\n\nBốn năm.", False)
    long_text, partial = text_preview("chữ " * 400, limit=800)
    assert partial and long_text.endswith("chữ…") and len(long_text) <= 801


def test_empty_rich_text_is_recognised():
    assert not has_content("")
    assert not has_content("<p></p>")
    assert not has_content("<p>&nbsp;</p><p><br/></p>")
    assert has_content("<p>Một dòng</p>")


def test_related_practices_share_the_most_topics_then_the_field(client, lan_viewer, article, trial, hanoi):
    it = FieldOfWork.objects.get(name="Ứng dụng công nghệ thông tin, chuyển đổi số")
    publish("Chung hai chủ đề", topics=["Xét xử", "Chuyển đổi số"], field_of_work=it, date=datetime.date(2020, 1, 1))
    publish("Chung một chủ đề", topics=["Xét xử"], field_of_work=it, date=datetime.date(2026, 9, 9))
    publish("Cùng lĩnh vực thôi", field_of_work=trial, date=datetime.date(2026, 9, 9))
    publish("Không liên quan", topics=["Thi hành án"], field_of_work=it)
    publish("Bản nháp chung chủ đề", topics=["Xét xử", "Chuyển đổi số"], field_of_work=trial, live=False)
    client.force_login(lan_viewer)
    page = client.get(article.url).content.decode()
    assert section_titles(page, "cach-lam-lien-quan") == ["Chung hai chủ đề", "Chung một chủ đề", "Cùng lĩnh vực thôi"]


def test_related_trainings_are_published_trainings_sharing_topics(client, lan_viewer, article):
    publish_training("Tập huấn kỹ năng xét hỏi", topics=["Xét xử"])
    publish_training("Tập huấn xét xử và chuyển đổi số", topics=["Xét xử", "Chuyển đổi số"])
    publish_training("Tập huấn thống kê", topics=["Thống kê"])
    publish_training("Tập huấn chưa xuất bản", topics=["Xét xử"], live=False)
    client.force_login(lan_viewer)
    page = client.get(article.url).content.decode()
    assert section_titles(page, "tap-huan-lien-quan") == [
        "Tập huấn xét xử và chuyển đổi số",
        "Tập huấn kỹ năng xét hỏi",
    ]


def test_a_related_training_restricted_to_a_group_is_shown_to_its_members_only(
    client, lan_viewer, minh_submitter, article
):
    from django.contrib.auth.models import Group

    from wagtail.models import PageViewRestriction

    inner = publish_training("Tập huấn xét xử nội bộ", topics=["Xét xử"])
    members = Group.objects.create(name="Tổ xét xử")
    restriction = PageViewRestriction.objects.create(page=inner, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(members)
    lan_viewer.groups.add(members)

    client.force_login(lan_viewer)
    assert section_titles(client.get(article.url).content.decode(), "tap-huan-lien-quan") == [inner.title]
    client.force_login(minh_submitter)
    assert section_titles(client.get(article.url).content.decode(), "tap-huan-lien-quan") == []


def test_a_practice_without_topics_or_field_has_no_related_sections(client, lan_viewer):
    lone = publish("Một mình một kiểu")
    publish("Khác hẳn", topics=["Thi hành án"])
    client.force_login(lan_viewer)
    page = client.get(lone.url).content.decode()
    assert section_titles(page, "cach-lam-lien-quan") == [] and section_titles(page, "tap-huan-lien-quan") == []


def useful_url(page: GoodPracticePage) -> str:
    return f"/cach-lam-hay/{page.pk}/huu-ich/"


def test_a_reader_marks_a_practice_useful_once_and_another_reader_adds_to_the_count(
    client, lan_viewer, minh_submitter, article
):
    client.force_login(lan_viewer)
    assert 'action="' + useful_url(article) + '"' in client.get(article.url).content.decode()
    response = client.post(useful_url(article), {"useful": "1"})
    assert response.status_code == 302 and response["Location"] == article.url + "#huu-ich"
    client.post(useful_url(article), {"useful": "1"})
    assert UsefulMark.objects.filter(page=article).count() == 1

    other = Client()
    other.force_login(minh_submitter)
    other.post(useful_url(article), {"useful": "1"})
    assert UsefulMark.objects.filter(page=article).count() == 2
    page = client.get(article.url).content.decode()
    counts = re.search(r'class="practice__useful-count">(.*?)</span>', page).group(1)
    assert "2" in counts
    assert 'name="useful" value="0"' in page  # this reader is offered to take the mark back


def test_a_reader_can_take_the_mark_back(client, lan_viewer, article):
    client.force_login(lan_viewer)
    client.post(useful_url(article), {"useful": "1"})
    client.post(useful_url(article), {"useful": "0"})
    assert not UsefulMark.objects.filter(page=article).exists()
    assert 'name="useful" value="1"' in client.get(article.url).content.decode()


def test_the_useful_mark_needs_a_post_with_csrf_a_login_and_a_published_practice(lan_viewer, article):
    anonymous = Client().post(useful_url(article), {"useful": "1"})
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/dang-nhap/")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(lan_viewer)
    assert strict.post(useful_url(article), {"useful": "1"}).status_code == 403  # no CSRF token
    assert strict.get(useful_url(article)).status_code == 405
    draft = publish("Bản nháp", live=False)
    client = Client()
    client.force_login(lan_viewer)
    assert client.post(useful_url(draft), {"useful": "1"}).status_code == 404
    assert client.post("/cach-lam-hay/999999/huu-ich/", {"useful": "1"}).status_code == 404
    assert not UsefulMark.objects.exists()


def views(page: GoodPracticePage) -> int:
    return GoodPracticePage.objects.get(pk=page.pk).view_count


def test_a_view_counts_once_per_reader_and_session(client, lan_viewer, minh_submitter, article):
    client.force_login(lan_viewer)
    first = client.get(article.url).content.decode()
    assert views(article) == 1
    assert re.search(r'class="practice__views">1\b', first)
    client.get(article.url)
    client.get(article.url)
    assert views(article) == 1
    other = Client()
    other.force_login(minh_submitter)
    other.get(article.url)
    assert views(article) == 2
    client.logout()
    client.force_login(lan_viewer)  # a new session
    client.get(article.url)
    assert views(article) == 3


def test_previews_and_the_admin_never_count_a_view(client, quang_admin, article):
    client.force_login(quang_admin)
    article.summary = "Bản sửa đang chờ duyệt"
    article.save_revision()
    response = client.get(f"/admin/pages/{article.pk}/view_draft/")
    assert response.status_code == 200 and "Bản sửa đang chờ duyệt" in response.content.decode()
    assert client.get(f"/admin/pages/{article.pk}/edit/").status_code == 200
    assert views(article) == 0


def test_publishing_a_new_revision_keeps_the_views(client, lan_viewer, article):
    revision = GoodPracticePage.objects.get(pk=article.pk).save_revision()
    client.force_login(lan_viewer)
    client.get(article.url)
    assert views(article) == 1
    revision.publish()
    assert views(article) == 1


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_every_field_of_the_article_is_escaped(client, lan_viewer, settings, tmp_path, hanoi):
    settings.MEDIA_ROOT = tmp_path
    field = FieldOfWork.objects.create(name="Lĩnh vực " + HOSTILE)
    page = publish(
        "Tiêu đề " + HOSTILE,
        summary="Tóm tắt " + HOSTILE,
        authors="Tác giả " + HOSTILE,
        field_of_work=field,
        topics=["Chủ đề " + HOSTILE],
    )
    related = publish("Liên quan " + HOSTILE, field_of_work=field)
    document = Document(title="Tệp " + HOSTILE)
    document.file.save("tep.pdf", ContentFile(b"%PDF-1.4"), save=True)
    PracticeAttachment.objects.create(page=page, document=document, title="", text="Nội dung " + HOSTILE)
    client.force_login(lan_viewer)
    body = client.get(page.url).content.decode()
    assert "<script>alert" not in body and "<img src=x" not in body
    assert body.count("&lt;script&gt;alert") >= 6
    assert related.title not in body
