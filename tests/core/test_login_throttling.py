"""Password guessing is throttled, and the person locked out is told why and for how long."""

from __future__ import annotations

from django.urls import reverse

import pytest

pytestmark = pytest.mark.django_db


def attempt(client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.1.2.3")


def test_a_wrong_password_says_so_in_vietnamese_and_keeps_the_user_name(client, lan_viewer):
    response = attempt(client, "lan", "sai-mat-khau")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in html
    assert 'value="lan"' in html


def test_the_right_password_logs_in(client, lan_viewer):
    response = attempt(client, "lan", "demo12345")
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_too_many_failures_lock_the_account_out_with_a_clear_message(client, lan_viewer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "lan", "sai-mat-khau")
    response = attempt(client, "lan", "demo12345")  # even the right password, while locked out
    html = response.content.decode()
    assert response.status_code == 429
    assert "Tạm khóa đăng nhập" in html
    assert "15 phút" in html
    assert client.get("/").status_code == 302  # not logged in


def test_the_lock_out_is_per_user_name_and_address(client, lan_viewer, minh_submitter, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "lan", "sai-mat-khau")
    # A colleague behind the same address is not locked out by someone else's typos.
    assert attempt(client, "minh", "demo12345").status_code == 302


def test_the_admin_login_is_throttled_too(client, quang_admin, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "quang", "password": "x"}, REMOTE_ADDR="10.9.9.9")
    response = client.post("/admin/login/", {"username": "quang", "password": "demo12345"}, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429


def attempt_through_nginx(client, username: str, password: str, client_address: str):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR="10.0.0.1",  # nginx
        HTTP_X_FORWARDED_FOR=f"203.0.113.7, {client_address}",  # the first hop is whatever the client claimed
    )


def test_behind_nginx_the_lock_out_is_per_real_client_address(client, lan_viewer, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt_through_nginx(client, "lan", "sai", client_address="10.20.30.40")
    assert attempt_through_nginx(client, "lan", "demo12345", client_address="10.20.30.40").status_code == 429
    # Lan, from her own computer, is not locked out by someone guessing elsewhere behind the same nginx.
    assert attempt_through_nginx(client, "lan", "demo12345", client_address="10.20.30.41").status_code == 302


def test_a_forged_forwarded_header_does_not_escape_the_lock_out(client, lan_viewer, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for attempt_number in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("login"),
            {"username": "lan", "password": "sai"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt_number}, 10.20.30.40",
        )
    assert attempt_through_nginx(client, "lan", "demo12345", client_address="10.20.30.40").status_code == 429
