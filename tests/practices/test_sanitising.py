"""Nothing a submitter types or names runs in anyone's browser: rich text, plain fields and file names.

The rich-text sections go through Wagtail's own Markdown conversion and its rich-text whitelist; plain
fields lose their tags and are escaped by the templates; file names are reduced to safe characters. Each
attempt is checked where it is shown: the preview, "my unit's write-ups" and the published page.
"""

from __future__ import annotations

import io

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import docx
import pytest
from bs4 import BeautifulSoup

from portal.practices.forms import clean_plain_field, rich_text_to_text, text_to_rich_text
from portal.practices.models import FieldOfWork, GoodPracticePage
from portal.practices.submission import document_title, safe_file_name
from portal.units import roles

ALLOWED_TAGS = {"p", "br", "b", "i", "ul", "ol", "li", "a"}
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcdoc", "poster", "background"}

RICH_TEXT_ATTEMPTS = [
    '<script>alert("xss")</script>',
    "<img src=x onerror=alert('xss')>",
    "<svg onload=alert('xss')><circle r=1 /></svg>",
    "<svg><script>alert('xss')</script></svg>",
    "[bấm vào đây](javascript:alert('xss'))",
    "[bấm](JaVaScRiPt:alert('xss'))",
    "[bấm](java\tscript:alert('xss'))",
    "[bấm](data:text/html;base64,PHNjcmlwdD5hbGVydCgneHNzJyk8L3NjcmlwdD4=)",
    "[bấm](vbscript:msgbox('xss'))",
    "<a href=\"javascript:alert('xss')\" onclick=\"alert('xss')\">liên kết</a>",
    "<p onmouseover=\"alert('xss')\">di chuột</p>",
    "<iframe src=\"javascript:alert('xss')\"></iframe>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('xss')>",
    "**<b onclick=alert('xss')>đậm</b>**",
    "![ảnh](javascript:alert('xss'))",
    "[trang](wagtail://page?id=1) [tệp](wagtail://document?id=1)",
    "<<script>script>alert('xss')<</script>/script>",
    "- <a href=javascript:alert('xss')>mục</a>\n- mục hai",
]


def assert_rich_text_is_safe(html: str) -> None:
    soup = BeautifulSoup(html, "html.parser")
    for element in soup.find_all(True):
        assert element.name in ALLOWED_TAGS, html
        allowed = {"href"} if element.name == "a" else set()
        assert set(element.attrs) <= allowed, html
        href = element.get("href", "")
        assert not href.replace("\t", "").strip().lower().startswith(DANGEROUS_SCHEMES), html


def assert_inert(html: str, markers: list[str]) -> None:
    """No element or attribute that would run something; every marker is still there, as plain text."""
    soup = BeautifulSoup(html, "html.parser")
    for element in soup.find_all(True):
        if element.name in ("script", "iframe", "object", "embed", "svg", "math", "style"):
            content = (element.string or "") + " ".join(f"{k}={v}" for k, v in element.attrs.items())
            assert "xss" not in content.lower(), str(element)[:300]
        for attribute, value in element.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            assert not attribute.lower().startswith("on"), str(element)[:300]
            if attribute.lower() in URL_ATTRIBUTES:
                squeezed = "".join(text.split()).lower()
                assert not squeezed.startswith(DANGEROUS_SCHEMES), str(element)[:300]
    visible = soup.get_text(" ")
    for marker in markers:
        assert marker in visible, marker


@pytest.mark.parametrize("attempt", RICH_TEXT_ATTEMPTS)
def test_rich_text_keeps_only_the_write_ups_features(attempt):
    html = text_to_rich_text(attempt)
    assert_rich_text_is_safe(html)
    # Typing the edited text back in gives the same safe result.
    assert_rich_text_is_safe(text_to_rich_text(rich_text_to_text(html)))


def test_ordinary_formatting_survives_and_round_trips():
    text = "Mở đầu **quan trọng** và *nhấn mạnh*.\nDòng tiếp theo.\n\n- một\n- hai\n\n1. bước một\n2. bước hai\n\n[Cổng](https://vks.gov.vn)"
    html = text_to_rich_text(text)
    assert html == (
        "<p>Mở đầu <b>quan trọng</b> và <i>nhấn mạnh</i>.<br/>Dòng tiếp theo.</p>"
        "<ul><li>một</li><li>hai</li></ul><ol><li>bước một</li><li>bước hai</li></ol>"
        '<p><a href="https://vks.gov.vn">Cổng</a></p>'
    )
    assert text_to_rich_text(rich_text_to_text(html)) == html


def test_headings_and_quotes_become_paragraphs_instead_of_running_together():
    html = text_to_rich_text("# Tiêu đề\n\nĐoạn một\n\n> Trích dẫn\n\n```\nmã\n```")
    assert html == "<p>Tiêu đề</p><p>Đoạn một</p><p>Trích dẫn</p><p>mã</p>"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ('<script>alert("xss")</script>Tiêu đề', 'alert("xss")Tiêu đề'),
        ("Giảm <b>70%</b> án tồn", "Giảm 70% án tồn"),
        ("Tỷ lệ < 5% và > 2%", "Tỷ lệ < 5% and > 2%".replace("and", "và")),
        ("Hai\u202edòng\x00 ẩn\u200b", "Haidòng ẩn"),
    ],
)
def test_plain_fields_lose_markup_and_invisible_characters(typed, kept):
    assert clean_plain_field(typed) == kept


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("Báo cáo tổng kết 2024.docx", "Báo_cáo_tổng_kết_2024.docx"),
        ("<img src=x onerror=alert('xss')>.docx", "img_srcx_onerroralertxss.docx"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\thu\\Ảnh hiện trường.JPG", "Ảnh_hiện_trường.jpg"),
        ('"><svg onload=alert(1)>.odt', "svg_onloadalert1.odt"),
        ("....docx", "tai-lieu.docx"),
    ],
)
def test_file_names_are_stored_safe_and_still_readable(name, stored):
    assert safe_file_name(name) == stored


def test_file_titles_keep_the_words_and_lose_the_markup():
    # A "/" ends a folder name: only the last part is the file's own name, as browsers send it.
    assert document_title("<script>alert('xss')</script>Báo cáo.docx") == "script Báo cáo"
    assert document_title("<img src=x onerror=alert('xss')>.docx") == "img src=x onerror=alert( xss )"
    assert document_title("x.docx", "Báo cáo <b>tổng kết</b>") == "Báo cáo b tổng kết b"


# In the portal's pages


def docx_with_heading(heading: str) -> bytes:
    document = docx.Document()
    document.add_heading(heading, level=1)
    document.add_paragraph("Nội dung báo cáo xss-text <script>alert('xss')</script>")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def xss_page(client, minh_submitter) -> GoodPracticePage:
    """A write-up whose every field, and its file's name and heading, tries to run a script."""
    client.force_login(minh_submitter)
    upload = SimpleUploadedFile(
        "<img src=x onerror=alert('xss-file')>.docx", docx_with_heading("<script>alert('xss-heading')</script>")
    )
    data = {
        "title": "<script>alert('xss-title')</script>Cách làm <b>hay</b>",
        "authors": "<img src=x onerror=alert('xss-authors')>Nguyễn Văn A",
        "field_of_work": str(FieldOfWork.objects.filter(active=True).first().pk),
        "date": "2024-01-02",
        "summary": "<svg onload=alert('xss')>xss-summary</svg>Tóm tắt",
        "problem": "<script>alert('xss-problem')</script>",
        "actions": "[bấm vào](javascript:alert('xss-actions')) và <a href=\"javascript:alert('xss-actions2')\">x</a>",
        "results": "<p onmouseover=\"alert('xss-results')\">kết quả</p>",
        "how_to_apply": "<iframe src=\"javascript:alert('xss-how')\"></iframe>[a](data:text/html,xss-how2)",
        "action": "submit",
        "new_files": [upload],
    }
    response = client.post(reverse("practices:submit"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    page = GoodPracticePage.objects.get()
    attachment = page.attachments.get()
    assert "<" not in attachment.document.file.name and "'" not in attachment.document.file.name
    assert "<" not in page.title and "<" not in page.authors and "<" not in page.summary
    for name in ("problem", "actions", "results", "how_to_apply"):
        assert_rich_text_is_safe(getattr(page, name))
    return page


MARKERS = ["xss-title", "xss-summary", "xss-problem", "xss-results", "xss-heading"]


def test_every_attempt_is_inert_on_the_preview(client, xss_page):
    response = client.get(reverse("practices:preview", args=[xss_page.pk]))
    assert response.status_code == 200
    assert_inert(response.content.decode(), MARKERS)


def test_every_attempt_is_inert_on_my_units_write_ups(client, xss_page):
    response = client.get(reverse("practices:mine"))
    assert response.status_code == 200
    assert_inert(response.content.decode(), ["xss-title"])


def test_every_attempt_is_inert_on_the_edit_form(client, xss_page):
    from portal.practices.workflow import submission_state

    task_state = xss_page.current_workflow_state.current_task_state
    reviewer = xss_page.owner.__class__.objects.create_user(username="duyet", password="x", unit=xss_page.unit)
    reviewer.groups.add(Group.objects.get(name=roles.REVIEWER))
    task_state.task.specific.on_action(task_state, reviewer, "reject", comment="<script>alert('xss-comment')</script>")
    assert submission_state(xss_page).status == "changes_requested"
    response = client.get(reverse("practices:edit", args=[xss_page.pk]))
    assert response.status_code == 200
    assert_inert(response.content.decode(), ["xss-comment", "xss-title", "xss-problem"])
    response = client.get(reverse("practices:mine"))
    assert_inert(response.content.decode(), ["xss-comment"])


def test_every_attempt_is_inert_on_the_published_page(client, xss_page, lan_viewer, hoa_reviewer):
    xss_page.save_revision().publish()
    xss_page.refresh_from_db()
    assert xss_page.live
    for reader in (lan_viewer, hoa_reviewer):
        client.force_login(reader)
        response = client.get(xss_page.url)
        assert response.status_code == 200
        assert_inert(response.content.decode(), MARKERS)
