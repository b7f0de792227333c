"""Put the good-practice review task in place of Wagtail's plain group approval.

units.0002_roles made Wagtail's "Moderators approval" workflow the review of the good-practices section,
with a GroupApprovalTask for the Reviewer role. This migration gives that workflow a PracticeReviewTask
instead (approve, request changes, reject with a reason). Write-ups already in review move to the new task.
Tasks are created with WorkflowTask.objects.create: adding them through the related manager of the
workflow silently does nothing (then the workflow publishes at once).
"""

from django.db import migrations

REVIEWER = "Người duyệt"
REVIEW_WORKFLOW = "Duyệt cách làm hay"
REVIEW_TASK = "Người duyệt phê duyệt"


def use_review_task(apps, schema_editor):
    Workflow = apps.get_model("wagtailcore.Workflow")
    WorkflowTask = apps.get_model("wagtailcore.WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore.WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore.GroupApprovalTask")
    TaskState = apps.get_model("wagtailcore.TaskState")
    PracticeReviewTask = apps.get_model("practices.PracticeReviewTask")
    Group = apps.get_model("auth.Group")
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")

    workflow = Workflow.objects.filter(name=REVIEW_WORKFLOW).first()
    if workflow is None:
        workflow = Workflow.objects.create(name=REVIEW_WORKFLOW, active=True)
    if PracticeReviewTask.objects.filter(workflow_tasks__workflow=workflow).exists():
        return
    task_type, _ = ContentType.objects.get_or_create(app_label="practices", model="practicereviewtask")
    task = PracticeReviewTask.objects.create(name=REVIEW_TASK, content_type=task_type, active=True)
    reviewers = Group.objects.filter(name=REVIEWER).first()
    if reviewers is not None:
        task.groups.set([reviewers])

    old_tasks = list(GroupApprovalTask.objects.filter(workflow_tasks__workflow=workflow))
    WorkflowTask.objects.filter(workflow=workflow).delete()
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    for old in old_tasks:
        TaskState.objects.filter(task_id=old.pk, workflow_state__status__in=["in_progress", "needs_changes"]).update(
            task_id=task.pk
        )
        if TaskState.objects.filter(task_id=old.pk).exists():
            GroupApprovalTask.objects.filter(pk=old.pk).update(active=False)
        else:
            old.delete()

    practices_type = ContentType.objects.filter(app_label="practices", model="goodpracticeindexpage").first()
    if practices_type is not None:
        for page in Page.objects.filter(content_type=practices_type):
            WorkflowPage.objects.update_or_create(page=page, defaults={"workflow": workflow})


def use_group_approval(apps, schema_editor):
    Workflow = apps.get_model("wagtailcore.Workflow")
    WorkflowTask = apps.get_model("wagtailcore.WorkflowTask")
    GroupApprovalTask = apps.get_model("wagtailcore.GroupApprovalTask")
    PracticeReviewTask = apps.get_model("practices.PracticeReviewTask")
    Group = apps.get_model("auth.Group")
    ContentType = apps.get_model("contenttypes.ContentType")

    workflow = Workflow.objects.filter(name=REVIEW_WORKFLOW).first()
    if workflow is None:
        return
    WorkflowTask.objects.filter(workflow=workflow).delete()
    PracticeReviewTask.objects.all().delete()
    task_type, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
    task = GroupApprovalTask.objects.create(name=REVIEW_TASK, content_type=task_type, active=True)
    task.groups.set(Group.objects.filter(name=REVIEWER))
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)


class Migration(migrations.Migration):
    dependencies = [
        ("practices", "0005_review"),
        ("units", "0002_roles"),
        ("home", "0002_site_structure"),
    ]

    operations = [migrations.RunPython(use_review_task, use_group_approval)]
