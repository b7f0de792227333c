"""Training editors and administrators manage recordings (media.Video): upload, edit, retry, delete,
download originals."""

from django.db import migrations

ROLES = ["Biên tập viên tập huấn", "Quản trị viên"]
CODENAMES = ["add_video", "change_video", "delete_video", "view_video"]


def grant(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    ContentType = apps.get_model("contenttypes.ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="media", model="video")
    permissions = [
        Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": codename.replace("_", " ").capitalize()}
        )[0]
        for codename in CODENAMES
    ]
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*group.permissions.filter(content_type__app_label="media"))


class Migration(migrations.Migration):
    dependencies = [("units", "0002_roles"), ("media", "0002_uploadsession_playbackposition")]

    operations = [migrations.RunPython(grant, revoke)]
