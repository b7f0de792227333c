"""The portal's roles. Each is a Django group, created with its Wagtail permissions by migration
units.0002_roles; code refers to them through these constants, never by a literal name."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

VIEWER = "Người xem"
SUBMITTER = "Người gửi của đơn vị"
REVIEWER = "Người duyệt"
TRAINING_EDITOR = "Biên tập viên tập huấn"
ADMINISTRATOR = "Quản trị viên"

ROLES = [VIEWER, SUBMITTER, REVIEWER, TRAINING_EDITOR, ADMINISTRATOR]

ROLE_DESCRIPTIONS = {
    VIEWER: _("All staff: watch trainings, read good practices, search."),
    SUBMITTER: _("Writes up and submits the good practices of their own unit."),
    REVIEWER: _("Reviews submitted good practices: approves, requests changes or rejects."),
    TRAINING_EDITOR: _("Uploads recordings and publishes trainings."),
    ADMINISTRATOR: _("Manages units, users, roles and all content."),
}


def role_group(name: str) -> Group:
    return Group.objects.get(name=name)
