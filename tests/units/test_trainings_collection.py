"""Training editors manage documents and images in the "Tập huấn" collection, never in the root one.

The root collection holds the good-practice collection: permissions on the root reached every unit's draft
files. units.0004 moves the editors' permissions, and what was kept at the root, on a database made before it
(a fresh database gets the same from the migrations: the first test).
"""

from __future__ import annotations

import importlib

from django.apps import apps
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile

from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import Collection, GroupCollectionPermission
from wagtail.permissions import policy_registry

import pytest

from portal.practices.models import GoodPracticeIndexPage, GoodPracticePage, PracticeAttachment
from portal.practices.submission import COLLECTION_NAME as PRACTICES
from portal.trainings.collection import COLLECTION_NAME as TRAININGS
from portal.trainings.collection import trainings_collection
from portal.units import roles

pytestmark = pytest.mark.django_db

migration = importlib.import_module("portal.units.migrations.0004_trainings_collection")
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def png() -> bytes:
    import io

    from PIL import Image as Picture

    buffer = io.BytesIO()
    Picture.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def editor_collections() -> set[str]:
    group = Group.objects.get(name=roles.TRAINING_EDITOR)
    return set(GroupCollectionPermission.objects.filter(group=group).values_list("collection__name", flat=True))


def test_a_new_database_gives_training_editors_the_trainings_collection_only():
    assert editor_collections() == {TRAININGS}
    assert Collection.objects.get(name=TRAININGS).get_parent() == Collection.get_first_root_node()


def test_a_database_made_before_moves_the_editors_and_what_was_kept_at_the_root(settings, tmp_path, tuan_editor):
    settings.MEDIA_ROOT = tmp_path
    root = Collection.get_first_root_node()
    migration.to_root_collection(apps, None)  # the permissions as units.0002 gave them
    Collection.objects.filter(name__in=[TRAININGS, PRACTICES]).delete()
    assert editor_collections() == {root.name}
    slides = Document.objects.create(title="Slide", file=ContentFile(PDF, name="slide.pdf"), collection=root)
    report = Document.objects.create(title="Báo cáo", file=ContentFile(PDF, name="bao-cao.pdf"), collection=root)
    photo = Image.objects.create(title="Ảnh", file=ContentFile(png(), name="anh.png"), collection=root)
    page = GoodPracticePage(title="Cách làm", unit=tuan_editor.unit, live=False)
    page.attachments = [PracticeAttachment(document=report)]  # type: ignore[assignment]
    GoodPracticeIndexPage.objects.get().add_child(instance=page)
    policy = policy_registry.get_by_type(Document)
    assert policy.user_has_permission_for_instance(tuan_editor, "change", slides)

    migration.to_trainings_collection(apps, None)

    assert editor_collections() == {TRAININGS}
    for item in (slides, report, photo):
        item.refresh_from_db()
    assert slides.collection == trainings_collection()
    assert photo.collection == trainings_collection()
    assert report.collection.name == PRACTICES  # a write-up's file is its unit's, whoever uploaded it
    assert all(not problems for problems in Collection.find_problems())  # a sound tree, built by hand
    assert {c.name for c in root.get_children()} == {TRAININGS, PRACTICES}
    assert policy.user_has_permission_for_instance(tuan_editor, "change", slides)
    assert not policy.user_has_permission_for_instance(tuan_editor, "change", report)
    assert not policy.user_has_permission_for_instance(tuan_editor, "choose", report)
