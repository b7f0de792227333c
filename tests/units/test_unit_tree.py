"""Units form a tree that administrators edit; every user belongs to a unit."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError

import pytest

from portal.units.models import Unit, UnitKind, User, walk_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def hanoi_kv1(hanoi) -> Unit:
    return Unit.objects.create(
        name="Viện kiểm sát nhân dân khu vực 1 - Hà Nội", code="HN-KV1", kind=UnitKind.REGIONAL, parent=hanoi
    )


def test_a_unit_knows_its_ancestors_and_descendants(supreme, hanoi, hue, hanoi_kv1):
    assert hanoi_kv1.ancestors() == [supreme, hanoi]
    assert {u.code for u in supreme.descendants()} == {"HN", "HUE", "HN-KV1"}
    assert hanoi_kv1.full_name.endswith("Viện kiểm sát nhân dân khu vực 1 - Hà Nội")
    assert [(depth, u.code) for depth, u in walk_tree(list(Unit.objects.all()))] == [
        (0, "VKSNDTC"),
        (1, "HN"),
        (2, "HN-KV1"),
        (1, "HUE"),
    ]


def test_a_unit_cannot_be_moved_under_itself_or_its_own_sub_unit(supreme, hanoi, hanoi_kv1):
    hanoi.parent = hanoi_kv1
    with pytest.raises(ValidationError) as error:
        hanoi.full_clean()
    assert "parent" in error.value.message_dict
    hanoi.parent = hanoi
    with pytest.raises(ValidationError):
        hanoi.full_clean()


def test_unit_codes_are_unique_and_plain(supreme):
    with pytest.raises(ValidationError):
        Unit(name="Sai mã", code="mã có dấu").full_clean()
    with pytest.raises(IntegrityError):
        Unit.objects.create(name="Trùng", code="VKSNDTC")


def test_every_user_has_a_unit(hanoi):
    with pytest.raises(IntegrityError):
        User.objects.create_user(username="khong-don-vi", password="x")


def test_a_unit_with_members_cannot_be_deleted(lan_viewer, hanoi):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        hanoi.delete()


def test_the_units_admin_lists_searches_and_filters(client, quang_admin, hanoi, hue):
    client.force_login(quang_admin)
    listing = client.get("/admin/snippets/units/unit/results/", {"q": "Huế"})
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "VKSND TP Huế" in html and "VKSND TP Hà Nội" not in html
    filtered = client.get("/admin/snippets/units/unit/results/", {"kind": UnitKind.SUPREME}).content.decode()
    assert "VKSND tối cao" in filtered and "VKSND TP Huế" not in filtered


def test_an_administrator_creates_a_user_with_a_unit(client, quang_admin, hanoi):
    client.force_login(quang_admin)
    response = client.post(
        "/admin/users/new/",
        {
            "username": "thu",
            "email": "thu@vks.test",
            "first_name": "Thu",
            "last_name": "Vũ",
            "password1": "mat-khau-dai-hon-8",
            "password2": "mat-khau-dai-hon-8",
            "unit": hanoi.pk,
            "position": "Kiểm tra viên",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert User.objects.get(username="thu").unit == hanoi


def test_the_user_form_refuses_a_user_without_a_unit(client, quang_admin):
    client.force_login(quang_admin)
    response = client.post(
        "/admin/users/new/",
        {
            "username": "vo-danh",
            "email": "a@b.vn",
            "first_name": "A",
            "last_name": "B",
            "password1": "mat-khau-dai-hon-8",
            "password2": "mat-khau-dai-hon-8",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="vo-danh").exists()


def test_names_read_in_vietnamese_order(lan_viewer):
    assert lan_viewer.get_full_name() == "Nguyễn Thị Lan"
    assert str(lan_viewer) == "Nguyễn Thị Lan"


def test_an_administrator_cannot_grant_superuser_status(client, quang_admin, lan_viewer, hanoi):
    client.force_login(quang_admin)
    form_html = client.get(f"/admin/users/edit/{lan_viewer.pk}/").content.decode()
    assert 'name="is_superuser"' not in form_html
    client.post(
        f"/admin/users/edit/{lan_viewer.pk}/",
        {
            "username": "lan",
            "email": "lan@vks.test",
            "first_name": "Lan",
            "last_name": "Nguyễn Thị",
            "unit": hanoi.pk,
            "is_active": "on",
            "is_superuser": "on",
            "groups": [],
        },
    )
    lan_viewer.refresh_from_db()
    assert not lan_viewer.is_superuser


def test_an_administrator_cannot_touch_a_superuser(client, quang_admin, supreme):
    root = User.objects.create_superuser("root", "root@vks.test", "demo12345", unit=supreme)
    client.force_login(quang_admin)
    assert client.get(f"/admin/users/edit/{root.pk}/").status_code in (302, 403)
    client.post(
        f"/admin/users/edit/{root.pk}/", {"username": "root", "password1": "x-y-z-123", "password2": "x-y-z-123"}
    )
    assert client.get(f"/admin/users/delete/{root.pk}/").status_code in (302, 403)
    client.post(f"/admin/users/delete/{root.pk}/")
    root.refresh_from_db()
    assert root.check_password("demo12345")


def test_a_superuser_can_still_grant_superuser_status(client, supreme, lan_viewer):
    root = User.objects.create_superuser("root", "root@vks.test", "demo12345", unit=supreme)
    client.force_login(root)
    assert 'name="is_superuser"' in client.get(f"/admin/users/edit/{lan_viewer.pk}/").content.decode()
