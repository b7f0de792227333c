"""Training editors manage documents and images in a "Tập huấn" collection, not in the root collection.

0002_roles gave them add/change/delete/choose on the root collection, which Wagtail extends to every
collection under it — the good-practice collection ("Cách làm hay") included: an editor of any unit could
list, replace and delete the files of other units' draft write-ups. Their permissions move to "Tập huấn".

What was kept at the root before this collection existed moves too, so editors keep what they uploaded: a
file that a write-up shows goes to "Cách làm hay" (it is the unit's, whoever uploaded it), every other
document and image at the root goes to "Tập huấn". Files already in a sub-collection stay where they are.

Collections are a materialised-path tree (treebeard): a child's path is its parent's path plus four
base-36 characters, and the parent counts its children.
"""

from django.db import migrations

TRAINING_EDITOR = "Biên tập viên tập huấn"
TRAININGS = "Tập huấn"
PRACTICES = "Cách làm hay"
STEP = 4
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
PERMISSIONS = [
    ("wagtaildocs", "document", "add_document"),
    ("wagtaildocs", "document", "change_document"),
    ("wagtaildocs", "document", "choose_document"),
    ("wagtaildocs", "document", "delete_document"),
    ("wagtailimages", "image", "add_image"),
    ("wagtailimages", "image", "change_image"),
    ("wagtailimages", "image", "choose_image"),
    ("wagtailimages", "image", "delete_image"),
]


def _encode(number):
    digits = ""
    while number:
        number, rest = divmod(number, len(ALPHABET))
        digits = ALPHABET[rest] + digits
    return digits.rjust(STEP, "0")


def _child(apps, root, name):
    """The collection `name` directly under the root, made if missing (as Collection.add_child would)."""
    Collection = apps.get_model("wagtailcore", "Collection")
    existing = Collection.objects.filter(depth=2, name=name).first()
    if existing is not None:
        return existing
    paths = Collection.objects.filter(depth=2, path__startswith=root.path).values_list("path", flat=True)
    last = max((int(path[-STEP:], 36) for path in paths), default=0)
    child = Collection.objects.create(name=name, depth=2, path=root.path + _encode(last + 1), numchild=0)
    children = Collection.objects.filter(depth=2, path__startswith=root.path).count()
    Collection.objects.filter(pk=root.pk).update(numchild=children)
    return child


def _permission(apps, app_label, model, codename):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": codename.replace("_", " ").capitalize()}
    )
    return permission


def _move_editor_permissions(apps, source, target):
    Group = apps.get_model("auth", "Group")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    group = Group.objects.filter(name=TRAINING_EDITOR).first()
    if group is None:
        return
    for app_label, model, codename in PERMISSIONS:
        permission = _permission(apps, app_label, model, codename)
        GroupCollectionPermission.objects.filter(group=group, collection=source, permission=permission).delete()
        GroupCollectionPermission.objects.get_or_create(group=group, collection=target, permission=permission)


def to_trainings_collection(apps, schema_editor):
    Collection = apps.get_model("wagtailcore", "Collection")
    Document = apps.get_model("wagtaildocs", "Document")
    Image = apps.get_model("wagtailimages", "Image")
    PracticeAttachment = apps.get_model("practices", "PracticeAttachment")
    root = Collection.objects.filter(depth=1).order_by("path").first()
    if root is None:
        return
    trainings = _child(apps, root, TRAININGS)
    at_root = Document.objects.filter(collection=root)
    write_up_files = at_root.filter(pk__in=PracticeAttachment.objects.values("document_id"))
    if write_up_files.exists():
        write_up_files.update(collection=_child(apps, root, PRACTICES))
    at_root.update(collection=trainings)
    Image.objects.filter(collection=root).update(collection=trainings)
    _move_editor_permissions(apps, root, trainings)


def to_root_collection(apps, schema_editor):
    Collection = apps.get_model("wagtailcore", "Collection")
    root = Collection.objects.filter(depth=1).order_by("path").first()
    trainings = Collection.objects.filter(depth=2, name=TRAININGS).first()
    if root is not None and trainings is not None:
        _move_editor_permissions(apps, trainings, root)


class Migration(migrations.Migration):
    dependencies = [
        ("units", "0003_media_permissions"),
        ("practices", "0006_review_task"),
        ("trainings", "0004_slides"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(to_trainings_collection, to_root_collection)]
