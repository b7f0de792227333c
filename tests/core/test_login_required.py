"""Every page and every file needs a logged-in user; anonymous visitors go to the login page."""

from __future__ import annotations

from io import BytesIO

from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.urls import reverse

from wagtail.documents.models import Document
from wagtail.images.models import Image

import pytest
from PIL import Image as PILImage

pytestmark = pytest.mark.django_db

LOGIN_PATH = "/dang-nhap/"


def png_bytes() -> bytes:
    buffer = BytesIO()
    PILImage.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def document(settings, tmp_path) -> Document:
    settings.MEDIA_ROOT = tmp_path
    doc = Document(title="Đề cương tập huấn")
    doc.file.save("de-cuong.pdf", ContentFile(b"%PDF-1.4 tiny"), save=True)
    return doc


@pytest.fixture
def image(settings, tmp_path) -> Image:
    settings.MEDIA_ROOT = tmp_path
    return Image.objects.create(title="Ảnh hội trường", file=ImageFile(BytesIO(png_bytes()), name="hoi-truong.png"))


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/tap-huan/",
        "/cach-lam-hay/",
        "/chu-de/",
        "/chu-de/bat-ky/",
        "/tim-kiem/?q=x",
        "/admin/",
        "/doi-mat-khau/",
        "/khong-ton-tai/",
    ],
)
def test_it_sends_anonymous_visitors_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_PATH)


def test_it_protects_documents(client, document):
    response = client.get(document.url)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_PATH)


def test_it_protects_image_files(client, image):
    url = "/media/" + image.file.name
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_PATH)


def test_it_serves_documents_and_images_to_logged_in_staff(client, lan_viewer, document, image):
    from portal.trainings.models import Attachment
    from tests.practices.pages import add_training

    Attachment.objects.create(page=add_training("Tập huấn nghiệp vụ"), document=document)  # what shows it
    client.force_login(lan_viewer)
    assert client.get(document.url).status_code == 200
    response = client.get("/media/" + image.file.name)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == image.file.open("rb").read()


def test_the_media_view_never_sends_documents_around_their_own_checks(client, lan_viewer, document):
    client.force_login(lan_viewer)
    assert client.get("/media/" + document.file.name).status_code == 404
    assert client.get("/media/images/../documents/" + document.file.name.split("/")[-1]).status_code == 404


def test_the_login_page_itself_is_open_and_in_vietnamese(client):
    response = client.get(LOGIN_PATH)
    assert response.status_code == 200
    assert '<html lang="vi">' in response.content.decode()
    assert "Đăng nhập" in response.content.decode()


def test_the_admin_login_page_can_load_its_own_translations_and_icons(client):
    assert client.get("/admin/login/").status_code == 200
    assert client.get("/admin/jsi18n/").status_code == 200
    assert client.get("/admin/sprite/").status_code == 200


def test_password_reset_and_health_are_open(client):
    assert client.get(reverse("password_reset")).status_code == 200
    assert client.get(reverse("healthz")).status_code in (200, 503)


def test_logged_in_staff_see_the_home_page(client, lan_viewer):
    client.force_login(lan_viewer)
    response = client.get("/")
    assert response.status_code == 200
    assert "Tập huấn mới" in response.content.decode()


def test_logout_ends_the_session(client, lan_viewer):
    client.force_login(lan_viewer)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get("/").status_code == 302
