"""The notifications page and the header's unread count."""

from __future__ import annotations

from django.urls import reverse

import pytest
from bs4 import BeautifulSoup

from portal.notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db


def note(user, kind=Kind.CHANGES_REQUESTED, title="Số hóa hồ sơ kiểm sát", url="/cach-lam-hay/", message=""):
    return Notification.objects.create(recipient=user, kind=kind, title=title, url=url, message=message)


def header_count(client) -> str | None:
    soup = BeautifulSoup(client.get("/chu-de/").content, "html.parser")
    link = soup.select_one("a.notifications-link")
    assert link is not None and link["href"] == reverse("notifications:list")
    count = link.select_one(".notifications-link__count")
    return count.get_text(strip=True) if count else None


def test_the_header_shows_how_many_notifications_are_unread(client, minh_submitter, lan_viewer):
    note(minh_submitter)
    note(minh_submitter, Kind.APPROVED)
    note(lan_viewer)
    client.force_login(minh_submitter)
    assert header_count(client) == "2"
    Notification.objects.filter(recipient=minh_submitter).update(read_at="2026-01-01T00:00Z")
    assert header_count(client) is None


def test_the_list_shows_ones_own_notifications_with_the_reviewers_words(client, minh_submitter, lan_viewer):
    note(minh_submitter, message="Bổ sung số liệu năm 2024.", title="Cách làm của Hà Nội")
    note(lan_viewer, title="Cách làm của người khác")
    client.force_login(minh_submitter)
    response = client.get("/thong-bao/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cách làm của Hà Nội" in html
    assert "Bổ sung số liệu năm 2024." in html
    assert "Cách làm của người khác" not in html
    assert BeautifulSoup(html, "html.parser").select(".notification--unread")


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(client, minh_submitter):
    notification = note(minh_submitter, url="/cach-lam-hay/cua-don-vi/")
    client.force_login(minh_submitter)
    response = client.get(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/cach-lam-hay/cua-don-vi/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_a_notification_never_sends_its_reader_to_another_site(client, minh_submitter):
    notification = note(minh_submitter, url="https://example.com/phishing")
    client.force_login(minh_submitter)
    response = client.get(reverse("notifications:open", args=[notification.pk]))
    assert response["Location"] == reverse("notifications:list")


def test_someone_elses_notification_does_not_exist(client, minh_submitter, lan_viewer):
    notification = note(lan_viewer)
    client.force_login(minh_submitter)
    assert client.get(reverse("notifications:open", args=[notification.pk])).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_reads_only_ones_own(client, minh_submitter, lan_viewer):
    note(minh_submitter)
    note(minh_submitter)
    other = note(lan_viewer)
    client.force_login(minh_submitter)
    assert client.get(reverse("notifications:mark_all_read")).status_code == 405
    response = client.post(reverse("notifications:mark_all_read"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=minh_submitter).unread().exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_the_notifications_page_needs_a_login(client):
    response = client.get("/thong-bao/")
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/")
