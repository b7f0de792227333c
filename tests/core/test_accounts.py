"""Password change and reset work for staff who never see the admin."""

from __future__ import annotations

import re

from django.core import mail
from django.urls import reverse

import pytest

pytestmark = pytest.mark.django_db


def test_a_member_of_staff_changes_their_password(client, lan_viewer):
    client.force_login(lan_viewer)
    response = client.post(
        reverse("password_change"),
        {"old_password": "demo12345", "new_password1": "Kiem-sat-2026!", "new_password2": "Kiem-sat-2026!"},
    )
    assert response.status_code == 302
    lan_viewer.refresh_from_db()
    assert lan_viewer.check_password("Kiem-sat-2026!")


def test_a_forgotten_password_is_reset_through_a_link_sent_by_e_mail(client, lan_viewer):
    response = client.post(reverse("password_reset"), {"email": lan_viewer.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "Đặt lại mật khẩu" in message.subject
    assert "Tên đăng nhập của đồng chí là: lan" in message.body
    link = re.search(r"https?://[^/\s]+(/dat-lai-mat-khau/\S+)", message.body).group(1)
    form_url = client.get(link).url  # Django swaps the token for a session-bound address
    response = client.post(form_url, {"new_password1": "Moi-2026-an-toan", "new_password2": "Moi-2026-an-toan"})
    assert response.status_code == 302
    lan_viewer.refresh_from_db()
    assert lan_viewer.check_password("Moi-2026-an-toan")


def test_an_unknown_address_reveals_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "khong-co@vks.test"})
    assert response.status_code == 302
    assert mail.outbox == []
