"""The admin report of searches without results: who sees it, most searched first, filtered by period,
searchable without diacritics, exported; and a search that finds nothing feeds it."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import Permission
from django.utils import timezone

import pytest

from portal.units.models import User
from search.models import ZeroResultQuery
from search.query import record_zero_result

REPORT = "/admin/reports/searches-without-results/"


def grant(user: User, *codenames: str) -> User:
    for codename in codenames:
        app_label, name = codename.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=name))
    return User.objects.get(pk=user.pk)  # a fresh object: permissions are cached per instance


@pytest.fixture
def thu_editor(hanoi) -> User:
    """Thu, who edits content in the admin and reads the report."""
    user = User.objects.create_user(username="thu", password="demo12345", unit=hanoi, first_name="Thu")
    return grant(user, "wagtailadmin.access_admin", "search.view_zeroresultquery")


@pytest.fixture
def khoa_admin_user(hanoi) -> User:
    """Khoa, who may enter the admin but was not given the report."""
    user = User.objects.create_user(username="khoa", password="demo12345", unit=hanoi, first_name="Khoa")
    return grant(user, "wagtailadmin.access_admin")


def searched(query: str, times: int, last: datetime.datetime) -> ZeroResultQuery:
    for _ in range(times):
        record_zero_result(query)
    entry = ZeroResultQuery.objects.get(query=query)
    ZeroResultQuery.objects.filter(pk=entry.pk).update(last_searched=last, first_searched=last)
    return entry


@pytest.fixture
def queries(db):
    now = timezone.now()
    return [
        searched("giám định ADN", 2, now - datetime.timedelta(days=2)),
        searched("đào tạo từ xa", 5, now - datetime.timedelta(days=40)),
        searched("án treo", 1, now),
    ]


def rows(html: str, queries: list[str]) -> list[str]:
    """The queries in the order the report lists them."""
    return sorted((q for q in queries if q in html), key=html.index)


def test_the_report_lists_the_most_searched_first(client, thu_editor, queries):
    client.force_login(thu_editor)
    response = client.get(REPORT)
    assert response.status_code == 200
    html = response.content.decode()
    assert rows(html, ["giám định ADN", "đào tạo từ xa", "án treo"]) == ["đào tạo từ xa", "giám định ADN", "án treo"]
    assert 'href="/tim-kiem/?q=%C4%91%C3%A0o+t%E1%BA%A1o+t%E1%BB%AB+xa"' in html


def test_the_report_filters_by_when_a_query_was_last_searched(client, thu_editor, queries):
    client.force_login(thu_editor)
    since = (timezone.now() - datetime.timedelta(days=7)).date().isoformat()
    html = client.get(REPORT, {"last_searched_from": since}).content.decode()
    assert rows(html, ["giám định ADN", "đào tạo từ xa", "án treo"]) == ["giám định ADN", "án treo"]


def test_the_reports_search_ignores_diacritics(client, thu_editor, queries):
    client.force_login(thu_editor)
    html = client.get(REPORT, {"q": "dao tao"}).content.decode()
    assert rows(html, ["giám định ADN", "đào tạo từ xa", "án treo"]) == ["đào tạo từ xa"]


def test_the_report_exports_csv(client, thu_editor, queries):
    client.force_login(thu_editor)
    response = client.get(REPORT, {"export": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    lines = text.strip().splitlines()
    assert len(lines) == 4
    assert lines[1].startswith("đào tạo từ xa,5,")


def test_the_report_is_in_the_reports_menu_only_for_those_allowed(client, thu_editor, khoa_admin_user, queries):
    client.force_login(thu_editor)
    assert REPORT in client.get("/admin/").content.decode()
    client.force_login(khoa_admin_user)
    assert REPORT not in client.get("/admin/").content.decode()


def test_others_are_refused_the_report(client, khoa_admin_user, lan_viewer, queries):
    client.force_login(khoa_admin_user)
    response = client.get(REPORT)
    assert response.status_code in {302, 403}
    assert "giám định ADN" not in response.content.decode()
    client.force_login(lan_viewer)
    response = client.get(REPORT)
    assert response.status_code in {302, 403}
    client.logout()
    assert client.get(REPORT).status_code == 302


def test_superusers_see_the_report(client, queries, hanoi):
    root = User.objects.create_superuser(username="root", password="demo12345", unit=hanoi)
    client.force_login(root)
    assert "giám định ADN" in client.get(REPORT).content.decode()


def test_the_permission_is_offered_in_the_group_editor(client, queries, hanoi):
    from wagtail import hooks

    permissions = [p for fn in hooks.get_hooks("register_permissions") for p in fn()]
    assert any(p.codename == "view_zeroresultquery" and p.content_type.app_label == "search" for p in permissions)
