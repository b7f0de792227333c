"""Fixtures shared by the whole suite: a small unit tree and one named persona per role."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

import pytest

from portal.units import roles
from portal.units.models import Unit, UnitKind, User

PASSWORD = "demo12345"


@pytest.fixture
def supreme(db) -> Unit:
    return Unit.objects.create(
        name="Viện kiểm sát nhân dân tối cao", short_name="VKSND tối cao", code="VKSNDTC", kind=UnitKind.SUPREME
    )


@pytest.fixture
def hanoi(supreme) -> Unit:
    return Unit.objects.create(
        name="Viện kiểm sát nhân dân thành phố Hà Nội",
        short_name="VKSND TP Hà Nội",
        code="HN",
        kind=UnitKind.PROVINCIAL,
        parent=supreme,
    )


@pytest.fixture
def hue(supreme) -> Unit:
    return Unit.objects.create(
        name="Viện kiểm sát nhân dân thành phố Huế",
        short_name="VKSND TP Huế",
        code="HUE",
        kind=UnitKind.PROVINCIAL,
        parent=supreme,
    )


def make_user(username: str, unit: Unit, role: str | None, **extra: object) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, unit=unit, email=f"{username}@vks.test", **extra
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def lan_viewer(hanoi) -> User:
    """Nguyễn Thị Lan, a prosecutor in Hà Nội who only watches and reads."""
    return make_user("lan", hanoi, roles.VIEWER, first_name="Lan", last_name="Nguyễn Thị")


@pytest.fixture
def minh_submitter(hanoi) -> User:
    return make_user("minh", hanoi, roles.SUBMITTER, first_name="Minh", last_name="Trần Văn")


@pytest.fixture
def hoa_reviewer(supreme) -> User:
    return make_user("hoa", supreme, roles.REVIEWER, first_name="Hòa", last_name="Lê Thị")


@pytest.fixture
def tuan_editor(supreme) -> User:
    return make_user("tuan", supreme, roles.TRAINING_EDITOR, first_name="Tuấn", last_name="Phạm Anh")


@pytest.fixture
def quang_admin(supreme) -> User:
    return make_user("quang", supreme, roles.ADMINISTRATOR, first_name="Quang", last_name="Đỗ Minh")


@pytest.fixture
def binh_admin_user(hanoi) -> User:
    """Trần Thị Bình works in the admin (she has admin access) but may neither manage recordings nor edit
    trainings: the user whose refusal a permission check in the admin must produce itself."""
    group = Group.objects.create(name="Biên tập trang tin")
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    user = make_user("binh", hanoi, None, first_name="Bình", last_name="Trần Thị")
    user.groups.add(group)
    return user
