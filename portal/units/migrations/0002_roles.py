"""Create the portal's roles as groups with their Wagtail permissions.

Permissions are created with get_or_create because Django only creates them after all migrations
have run (post_migrate), and this migration runs in the same pass as the models it grants on.
Wagtail's sample groups "Editors" and "Moderators" are removed: they are not roles of this portal.
"""

from django.db import migrations

VIEWER = "Người xem"
SUBMITTER = "Người gửi của đơn vị"
REVIEWER = "Người duyệt"
TRAINING_EDITOR = "Biên tập viên tập huấn"
ADMINISTRATOR = "Quản trị viên"

ALL_PAGE = ["add", "change", "publish", "bulk_delete", "lock", "unlock"]
# Without bulk_delete: deleting a page with children (a whole section) stays with administrators.
EDIT_PAGE = ["add", "change", "publish", "lock", "unlock"]
DOCUMENTS_FULL = ["add_document", "change_document", "choose_document", "delete_document"]
IMAGES_FULL = ["add_image", "change_image", "choose_image", "delete_image"]

# role: (model permissions "app_label.codename", {page model: page permission types}, collection perms)
ROLES = {
    VIEWER: ([], {}, []),
    SUBMITTER: ([], {}, []),
    REVIEWER: (
        ["wagtailadmin.access_admin"],
        {("practices", "goodpracticeindexpage"): ["change", "publish", "lock", "unlock"]},
        [("wagtaildocs", "document", "choose_document"), ("wagtailimages", "image", "choose_image")],
    ),
    TRAINING_EDITOR: (
        ["wagtailadmin.access_admin"],
        {("trainings", "trainingindexpage"): EDIT_PAGE},
        [("wagtaildocs", "document", c) for c in DOCUMENTS_FULL]
        + [("wagtailimages", "image", c) for c in IMAGES_FULL],
    ),
    ADMINISTRATOR: (
        [
            "wagtailadmin.access_admin",
            "units.add_unit",
            "units.change_unit",
            "units.delete_unit",
            "units.view_unit",
            "units.add_user",
            "units.change_user",
            "units.delete_user",
            "units.view_user",
            "wagtailcore.add_collection",
            "wagtailcore.change_collection",
            "wagtailcore.delete_collection",
            "wagtailcore.add_workflow",
            "wagtailcore.change_workflow",
            "wagtailcore.delete_workflow",
            "wagtailcore.add_task",
            "wagtailcore.change_task",
            "wagtailcore.delete_task",
            "wagtailredirects.add_redirect",
            "wagtailredirects.change_redirect",
            "wagtailredirects.delete_redirect",
            "home.add_topic",
            "home.change_topic",
            "home.delete_topic",
        ],
        {("home", "homepage"): ALL_PAGE},
        [("wagtaildocs", "document", c) for c in DOCUMENTS_FULL]
        + [("wagtailimages", "image", c) for c in IMAGES_FULL],
    ),
}


def _permission(apps, app_label, model, codename):
    ContentType = apps.get_model("contenttypes.ContentType")
    Permission = apps.get_model("auth.Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": codename.replace("_", " ").capitalize()}
    )
    return permission


def _model_permission(apps, dotted):
    app_label, codename = dotted.split(".")
    if codename == "access_admin":
        return _permission(apps, "wagtailadmin", "admin", codename)
    model = codename.split("_", 1)[1]
    return _permission(apps, app_label, model, codename)


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    Page = apps.get_model("wagtailcore.Page")
    Collection = apps.get_model("wagtailcore.Collection")
    GroupPagePermission = apps.get_model("wagtailcore.GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore.GroupCollectionPermission")
    ContentType = apps.get_model("contenttypes.ContentType")

    Group.objects.filter(name__in=["Editors", "Moderators"]).delete()
    root_collection = Collection.objects.filter(depth=1).first()

    for name, (model_perms, page_perms, collection_perms) in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for dotted in model_perms:
            group.permissions.add(_model_permission(apps, dotted))
        for (app_label, model), kinds in page_perms.items():
            content_type = ContentType.objects.get(app_label=app_label, model=model)
            for page in Page.objects.filter(content_type=content_type):
                for kind in kinds:
                    GroupPagePermission.objects.get_or_create(
                        group=group, page=page, permission=_permission(apps, "wagtailcore", "page", f"{kind}_page")
                    )
        if root_collection is not None:
            for app_label, model, codename in collection_perms:
                GroupCollectionPermission.objects.get_or_create(
                    group=group,
                    collection=root_collection,
                    permission=_permission(apps, app_label, model, codename),
                )


REVIEW_WORKFLOW = "Duyệt cách làm hay"
REVIEW_TASK = "Người duyệt phê duyệt"


def point_review_at_reviewers(apps, schema_editor):
    """Wagtail installs a "Moderators approval" workflow on the whole site for its Moderators group,
    which is gone. Good practices are what gets reviewed here: the workflow now applies to that
    section only, and its task belongs to the Reviewer role. Trainings are published by their editors."""
    Workflow = apps.get_model("wagtailcore.Workflow")
    WorkflowPage = apps.get_model("wagtailcore.WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore.GroupApprovalTask")
    Group = apps.get_model("auth.Group")
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")

    workflow = Workflow.objects.filter(name="Moderators approval").first()
    if workflow is None:
        return
    workflow.name = REVIEW_WORKFLOW
    workflow.save(update_fields=["name"])
    for task in GroupApprovalTask.objects.filter(workflow_tasks__workflow=workflow):
        task.name = REVIEW_TASK
        task.save(update_fields=["name"])
        task.groups.set([Group.objects.get(name=REVIEWER)])
    practices_type = ContentType.objects.get(app_label="practices", model="goodpracticeindexpage")
    WorkflowPage.objects.filter(workflow=workflow).delete()
    for page in Page.objects.filter(content_type=practices_type):
        WorkflowPage.objects.create(workflow=workflow, page=page)


def remove_roles(apps, schema_editor):
    apps.get_model("auth.Group").objects.filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("units", "0001_initial"),
        ("home", "0002_site_structure"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailimages", "0027_image_description"),
        ("wagtailredirects", "0008_add_verbose_name_plural"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(create_roles, remove_roles),
        migrations.RunPython(point_review_at_reviewers, migrations.RunPython.noop),
    ]
