"""Deleting a unit in the admin: one with staff or sub-units is kept and the administrator is told why."""

from __future__ import annotations

from django.urls import reverse

import pytest

from portal.units.models import Unit

pytestmark = pytest.mark.django_db


def test_a_unit_with_staff_is_not_deleted_and_the_administrator_is_told_why(client, quang_admin, lan_viewer, hanoi):
    client.force_login(quang_admin)
    address = reverse("wagtailsnippets_units_unit:delete", args=[hanoi.pk])
    assert client.get(address).status_code == 200

    response = client.post(address, follow=True)

    assert response.status_code == 200
    assert Unit.objects.filter(pk=hanoi.pk).exists()
    said = [str(message) for message in response.context["messages"]]
    assert any("was not deleted" in text or "chưa bị xóa" in text for text in said), said


def test_a_unit_nothing_belongs_to_is_deleted(client, quang_admin, supreme):
    empty = Unit.objects.create(name="Phòng thử nghiệm", code="THU", parent=supreme)
    client.force_login(quang_admin)
    client.post(reverse("wagtailsnippets_units_unit:delete", args=[empty.pk]))
    assert not Unit.objects.filter(pk=empty.pk).exists()
