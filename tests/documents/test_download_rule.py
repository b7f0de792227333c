"""Who may download a document: the same answer for every persona, document and serving path.

A document is served to whoever may see a page showing it (published, passing its view restrictions) and to
its editors; a document no page shows to those who manage documents (a write-up's upload: its unit and the
reviewers); everyone else gets the portal's 403 page, and anonymous visitors go to the login page — whether
Django sends the file, nginx does (X-Accel-Redirect) or the portal redirects to the storage.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile

from wagtail.documents.models import Document
from wagtail.models import Collection, PageViewRestriction

import pytest

from portal.practices.models import PracticeAttachment
from portal.practices.submission import COLLECTION_NAME
from portal.trainings.collection import trainings_collection
from portal.trainings.models import Attachment
from portal.units import roles
from portal.units.models import User
from tests.conftest import make_user
from tests.practices.documents import docx_bytes
from tests.practices.pages import add_practice, add_training

pytestmark = pytest.mark.django_db

LOGIN = "login"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
DOCX = docx_bytes("Báo cáo", ["Nội dung."])

DOCUMENTS = [
    "published training",
    "draft training",
    "group-restricted training",
    "published write-up",
    "draft write-up of unit A",
    "unit A's new file in a draft revision",
    "document no page shows",
]
# One row per persona, one column per document above: 200, 403 or LOGIN (sent to the login page).
EXPECTED: dict[str, list[int | str]] = {
    "anonymous": [LOGIN] * 7,
    "viewer in the group": [200, 403, 200, 200, 403, 403, 403],
    "viewer outside it": [200, 403, 403, 200, 403, 403, 403],
    "submitter of unit A": [200, 403, 403, 200, 200, 200, 403],
    "submitter of unit B": [200, 403, 403, 200, 403, 403, 403],
    "reviewer": [200, 403, 403, 200, 200, 200, 403],
    "training editor": [200, 200, 200, 200, 403, 403, 200],
    "administrator": [200] * 7,
}
PATHS = ["django", "x-accel", "redirect"]
VIETNAMESE_403 = "Tài khoản của đồng chí không mở được trang này"


@dataclass
class World:
    people: dict[str, User | None]
    documents: dict[str, Document]


def make_document(
    name: str, content: bytes, *, collection: Collection | None = None, by: User | None = None
) -> Document:
    return Document.objects.create(
        title=name,
        file=ContentFile(content, name=name),
        collection=collection or trainings_collection(),  # where training editors keep documents
        uploaded_by_user=by,
    )


@pytest.fixture
def world(settings, tmp_path, hanoi, hue, lan_viewer, minh_submitter, hoa_reviewer, tuan_editor, quang_admin) -> World:
    settings.MEDIA_ROOT = tmp_path
    insiders = Group.objects.create(name="Tổ công tác đặc biệt")
    lan_viewer.groups.add(insiders)
    people: dict[str, User | None] = {
        "anonymous": None,
        "viewer in the group": lan_viewer,
        "viewer outside it": make_user("hung", hue, roles.VIEWER),
        "submitter of unit A": minh_submitter,
        "submitter of unit B": make_user("an", hue, roles.SUBMITTER),
        "reviewer": hoa_reviewer,
        "training editor": tuan_editor,
        "administrator": quang_admin,
    }
    practices = Collection.get_first_root_node().add_child(name=COLLECTION_NAME)

    def training_document(name: str, **page: object) -> Document:
        training = add_training(f"Tập huấn {name}", **page)  # type: ignore[arg-type]
        document = make_document(f"{name}.pdf", PDF, by=tuan_editor)
        Attachment.objects.create(page=training, document=document, title=f"Tài liệu tham khảo {name}")
        return document

    def write_up_document(name: str, **page: object) -> Document:
        write_up = add_practice(f"Cách làm {name}", unit=hanoi, **page)  # type: ignore[arg-type]
        document = make_document(f"{name}.docx", DOCX, collection=practices, by=minh_submitter)
        PracticeAttachment.objects.create(page=write_up, document=document, title=f"Tài liệu tham khảo {name}")
        return document

    restricted = training_document("noi-bo")
    restriction = PageViewRestriction.objects.create(
        page=Attachment.objects.get(document=restricted).page, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(insiders)
    documents = {
        "published training": training_document("cong-khai"),
        "draft training": training_document("ban-nhap", live=False),
        "group-restricted training": restricted,
        "published write-up": write_up_document("da-dang"),
        "draft write-up of unit A": write_up_document("chua-dang", live=False),
        "unit A's new file in a draft revision": make_document(
            "bo-sung.docx", DOCX, collection=practices, by=minh_submitter
        ),
        "document no page shows": make_document("khong-dung.pdf", PDF, by=tuan_editor),
    }
    return World(people, documents)


def serve_with(settings, path: str) -> None:
    settings.SERVE_MEDIA_WITH = "x-accel" if path == "x-accel" else "django"
    settings.WAGTAILDOCS_SERVE_METHOD = "redirect" if path == "redirect" else "serve_view"


def answer(response, document: Document, path: str) -> int | str:
    """What the response was, in the matrix's terms: LOGIN, 403, 200 when the file was served as `path` sends
    it, or a description of anything else."""
    if response.status_code == 302 and response["Location"].startswith("/dang-nhap/"):
        return LOGIN
    if response.status_code == 403:
        refused = "X-Accel-Redirect" not in response and VIETNAMESE_403 in response.content.decode()
        return 403 if refused else f"a 403 without the portal's page: {response.content[:80]!r}"
    served = {
        "redirect": response.status_code == 302 and response.get("Location") == document.file.url,
        "x-accel": response.status_code == 200
        and response.get("X-Accel-Redirect") == "/protected-media/" + quote(document.file.name, safe="/")
        and response.content == b"",
        "django": response.status_code == 200
        and "X-Accel-Redirect" not in response
        and b"".join(response.streaming_content) == document.file.open("rb").read(),
    }[path]
    return 200 if served else f"{response.status_code} {dict(response.headers)}"


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("persona", list(EXPECTED))
def test_each_persona_gets_each_document_as_the_rule_says_whatever_the_path(client, settings, world, persona, path):
    user = world.people[persona]
    if user is not None:
        client.force_login(user)
    serve_with(settings, path)

    answers = {
        name: answer(client.get(world.documents[name].url, HTTP_ACCEPT_LANGUAGE="vi"), world.documents[name], path)
        for name in DOCUMENTS
    }

    assert answers == dict(zip(DOCUMENTS, EXPECTED[persona], strict=True))


def test_search_links_the_documents_a_person_may_download_and_no_other(client, world):
    """Search lists a document under its page, for those who may find the page; each link it gives must open,
    and a reader without an editing role may download nothing search would not show them."""
    from search.sync import drain, record

    record(Attachment.objects.values_list("page_id", flat=True))
    record(PracticeAttachment.objects.values_list("page_id", flat=True))
    drain()
    readers = {"viewer in the group", "viewer outside it", "submitter of unit B"}
    linked_for_outsider: set[str] = set()
    for persona, user in world.people.items():
        if user is None:
            continue
        client.force_login(user)
        html = client.get("/tim-kiem/?q=tai+lieu+tham+khao", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
        linked = {name for name, document in world.documents.items() if f'href="{document.url}"' in html}
        downloadable = {
            name for name, document in world.documents.items() if client.get(document.url).status_code == 200
        }
        assert linked <= downloadable, persona
        if persona in readers:
            assert downloadable == linked, persona
        if persona == "viewer outside it":
            linked_for_outsider = linked
    assert linked_for_outsider == {"published training", "published write-up"}


def test_a_file_taken_off_a_published_training_is_refused_at_once(client, world, lan_viewer):
    document = world.documents["published training"]
    client.force_login(lan_viewer)
    assert client.get(document.url).status_code == 200

    Attachment.objects.filter(document=document).delete()  # what publishing the training without it does

    assert client.get(document.url).status_code == 403


def test_nginx_sends_a_document_with_the_headers_wagtail_gives_it(client, settings, world, lan_viewer):
    client.force_login(lan_viewer)
    serve_with(settings, "x-accel")
    document = world.documents["published write-up"]

    response = client.get(document.url)

    assert response["X-Accel-Redirect"] == "/protected-media/" + quote(document.file.name, safe="/")
    assert response["Content-Type"] == document.content_type
    assert response["Content-Disposition"] == document.content_disposition
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-cache" in response["Cache-Control"]


def test_a_document_sent_by_django_is_asked_for_again_each_time(client, settings, world, lan_viewer):
    # Wagtail's view sends Last-Modified only: a browser could keep showing a file whose training was since
    # unpublished or restricted.
    client.force_login(lan_viewer)
    serve_with(settings, "django")
    response = client.get(world.documents["published training"].url)
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_rich_text_offers_no_document_link_the_rule_would_not_see():
    from wagtail.rich_text import features

    from portal.trainings.models import TrainingPage

    assert "document-link" not in features.get_default_features()
    description = TrainingPage._meta.get_field("description").formfield()
    assert "document-link" not in description.widget.features


def test_linking_documents_straight_to_the_storage_is_refused_at_start(settings):
    from django.core import checks

    settings.WAGTAILDOCS_SERVE_METHOD = "direct"
    errors = [message for message in checks.run_checks() if message.id == "portal_documents.E001"]
    assert len(errors) == 1
    settings.WAGTAILDOCS_SERVE_METHOD = "redirect"
    assert not [message for message in checks.run_checks() if message.id == "portal_documents.E001"]
