"""Errors speak the users' language: a missing page, a refused form, a server error."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.test import Client
from django.utils.translation import gettext, override

import pytest


@pytest.fixture
def vi():
    with override("vi"):
        yield


def test_a_missing_page_says_so_in_vietnamese_inside_the_portal(client, lan_viewer, vi):
    client.force_login(lan_viewer)
    response = client.get("/khong-co-trang-nay/")
    html = response.content.decode()
    assert response.status_code == 404
    assert gettext("This page cannot be found") in html
    assert gettext("This page cannot be found") != "This page cannot be found"
    assert 'href="/tim-kiem/"' in html


def test_an_expired_form_is_explained_and_nothing_changes(lan_viewer, vi):
    client = Client(enforce_csrf_checks=True)
    client.force_login(lan_viewer)
    response = client.post("/doi-mat-khau/", {"old_password": "x"})
    assert response.status_code == 403
    assert gettext("The form could not be sent") in response.content.decode()


def test_the_server_error_page_needs_nothing_from_the_database_and_reads_in_both_languages():
    html = render_to_string("500.html")
    assert "Cổng đang gặp sự cố" in html
    assert "Something went wrong" in html
