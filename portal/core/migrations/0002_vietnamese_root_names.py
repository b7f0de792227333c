"""Give Wagtail's page tree root and root collection Vietnamese names.

Wagtail creates both as "Root"; the admin shows that word in breadcrumbs, the page explorer, and every
collection chooser. Their names are data, not translatable strings, so a migration renames them (only
while they still carry Wagtail's default name: an administrator's own choice is kept).
"""

from django.db import migrations

WAGTAIL_NAME = "Root"
PAGE_ROOT = "Tất cả các trang"
COLLECTION_ROOT = "Bộ sưu tập chung"


def rename(apps, old_page: str, new_page: str, old_collection: str, new_collection: str) -> None:
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    Page.objects.filter(depth=1, title=old_page).update(title=new_page)
    Page.objects.filter(depth=1, draft_title=old_page).update(draft_title=new_page)
    Collection.objects.filter(depth=1, name=old_collection).update(name=new_collection)


def to_vietnamese(apps, schema_editor):
    rename(apps, WAGTAIL_NAME, PAGE_ROOT, WAGTAIL_NAME, COLLECTION_ROOT)


def to_wagtail(apps, schema_editor):
    rename(apps, PAGE_ROOT, WAGTAIL_NAME, COLLECTION_ROOT, WAGTAIL_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(to_vietnamese, to_wagtail)]
