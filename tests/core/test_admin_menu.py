"""The admin's menu leads nowhere outside the sector's network."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_admin_menu_has_no_help_links_to_the_internet(client, tuan_editor):
    client.force_login(tuan_editor)
    html = client.get("/admin/").content.decode()
    assert "guide.wagtail.org" not in html
    assert "wagtail.org" not in html


def test_a_page_editor_has_no_links_to_the_internet(client, quang_admin):
    from portal.trainings.models import TrainingIndexPage

    client.force_login(quang_admin)
    html = client.get(f"/admin/pages/{TrainingIndexPage.objects.get().pk}/edit/").content.decode()
    assert "wagtail.org" not in html
