"""Let the people who shape content see the searches that found nothing, and let training editors keep the
acronym list too (administrators already can).

Permissions are created with get_or_create: Django only creates them after all migrations have run.
"""

from django.db import migrations

ADMINISTRATOR = "Quản trị viên"
TRAINING_EDITOR = "Biên tập viên tập huấn"
REVIEWER = "Người duyệt"

GRANTS = {
    ("zeroresultquery", "view"): [ADMINISTRATOR, TRAINING_EDITOR, REVIEWER],
    ("acronym", "view"): [TRAINING_EDITOR],
    ("acronym", "add"): [TRAINING_EDITOR],
    ("acronym", "change"): [TRAINING_EDITOR],
}
NAMES = {"zeroresultquery": "search without results", "acronym": "acronym"}


def grant(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    ContentType = apps.get_model("contenttypes.ContentType")
    for (model, action), groups in GRANTS.items():
        content_type, _ = ContentType.objects.get_or_create(app_label="search", model=model)
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=f"{action}_{model}", defaults={"name": f"Can {action} {NAMES[model]}"}
        )
        for group in Group.objects.filter(name__in=groups):
            group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0004_database_index"),
        ("search", "0002_seed_acronyms"),
        ("units", "0002_roles"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
