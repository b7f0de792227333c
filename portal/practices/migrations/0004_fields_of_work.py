"""The procuracy's fields of work, as a starting list administrators then edit in the admin."""

from django.db import migrations

FIELDS = [
    "Thực hành quyền công tố, kiểm sát khởi tố, điều tra vụ án hình sự",
    "Thực hành quyền công tố, kiểm sát xét xử vụ án hình sự",
    "Kiểm sát giải quyết vụ án dân sự, hôn nhân và gia đình",
    "Kiểm sát giải quyết vụ án hành chính, kinh doanh, thương mại, lao động",
    "Kiểm sát thi hành án dân sự, thi hành án hành chính",
    "Kiểm sát tạm giữ, tạm giam và thi hành án hình sự",
    "Kiểm sát giải quyết khiếu nại, tố cáo trong hoạt động tư pháp",
    "Thống kê tội phạm",
    "Hợp tác quốc tế và tương trợ tư pháp",
    "Quản lý, chỉ đạo, điều hành",
    "Ứng dụng công nghệ thông tin, chuyển đổi số",
    "Tổ chức cán bộ, đào tạo, bồi dưỡng",
]


def add_fields(apps, schema_editor):
    FieldOfWork = apps.get_model("practices", "FieldOfWork")
    for order, name in enumerate(FIELDS, start=1):
        FieldOfWork.objects.get_or_create(name=name, defaults={"sort_order": order * 10})
    # Administrators manage the list (Settings → Fields of work).
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    ContentType = apps.get_model("contenttypes.ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="practices", model="fieldofwork")
    permissions = [
        Permission.objects.get_or_create(
            content_type=content_type, codename=f"{action}_fieldofwork", defaults={"name": f"Can {action} field of work"}
        )[0]
        for action in ("add", "change", "delete", "view")
    ]
    for group in Group.objects.filter(name="Quản trị viên"):
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [("practices", "0003_write_up_fields"), ("units", "0002_roles")]

    operations = [migrations.RunPython(add_fields, migrations.RunPython.noop)]
