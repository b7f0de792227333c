"""Seed the sector's common acronyms and let Administrators manage the list.

Permissions are created with get_or_create: Django only creates them after all migrations have run.
"""

from django.db import migrations

from search.text import fold, normalize

ACRONYMS = {
    "VKSND": "Viện kiểm sát nhân dân",
    "VKSNDTC": "Viện kiểm sát nhân dân tối cao",
    "VKS": "Viện kiểm sát",
    "VKSQS": "Viện kiểm sát quân sự",
    "KSV": "kiểm sát viên",
    "TAND": "Tòa án nhân dân",
    "TANDTC": "Tòa án nhân dân tối cao",
    "HĐXX": "Hội đồng xét xử",
    "HĐTP": "Hội đồng Thẩm phán",
    "BLHS": "Bộ luật Hình sự",
    "BLTTHS": "Bộ luật Tố tụng hình sự",
    "BLDS": "Bộ luật Dân sự",
    "BLTTDS": "Bộ luật Tố tụng dân sự",
    "BLLĐ": "Bộ luật Lao động",
    "TTHS": "tố tụng hình sự",
    "TTDS": "tố tụng dân sự",
    "TTHC": "tố tụng hành chính",
    "TNHS": "trách nhiệm hình sự",
    "THA": "thi hành án",
    "THADS": "thi hành án dân sự",
    "THAHS": "thi hành án hình sự",
    "THQCT": "thực hành quyền công tố",
    "KSĐT": "kiểm sát điều tra",
    "KSXX": "kiểm sát xét xử",
    "CQĐT": "Cơ quan điều tra",
    "ĐTV": "điều tra viên",
    "CAND": "Công an nhân dân",
    "UBND": "Ủy ban nhân dân",
    "HĐND": "Hội đồng nhân dân",
    "TTLT": "thông tư liên tịch",
    "XLVPHC": "xử lý vi phạm hành chính",
    "CNTT": "công nghệ thông tin",
}

ADMINISTRATOR = "Quản trị viên"
ACTIONS = ["add", "change", "delete", "view"]


def seed(apps, schema_editor):
    Acronym = apps.get_model("search", "Acronym")
    for short, expansion in ACRONYMS.items():
        expansion = normalize(expansion)
        Acronym.objects.get_or_create(
            short_key=fold(short),
            defaults={"short": short, "expansion": expansion, "expansion_key": fold(expansion)},
        )


def unseed(apps, schema_editor):
    apps.get_model("search", "Acronym").objects.filter(short_key__in=[fold(s) for s in ACRONYMS]).delete()


def grant(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    ContentType = apps.get_model("contenttypes.ContentType")
    group = Group.objects.filter(name=ADMINISTRATOR).first()
    if group is None:
        return
    content_type, _ = ContentType.objects.get_or_create(app_label="search", model="acronym")
    for action in ACTIONS:
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type,
            codename=f"{action}_acronym",
            defaults={"name": f"Can {action} acronym"},
        )
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_acronym"),
        ("units", "0002_roles"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
