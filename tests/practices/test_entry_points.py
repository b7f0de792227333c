"""Submitters find the submission pages from the section and from their menu; other staff do not see them."""

from __future__ import annotations

from django.urls import reverse


def links_on(client, user, url: str) -> tuple[bool, bool]:
    client.force_login(user)
    html = client.get(url).content.decode()
    return reverse("practices:submit") in html, reverse("practices:mine") in html


def test_a_submitter_is_offered_to_write_up_and_to_see_their_units_write_ups(client, minh_submitter):
    assert links_on(client, minh_submitter, "/cach-lam-hay/") == (True, True)
    assert links_on(client, minh_submitter, "/")[1], "the user menu leads to the unit's write-ups"


def test_staff_without_the_submitter_role_are_not_offered_those_pages(client, lan_viewer, hoa_reviewer):
    assert links_on(client, lan_viewer, "/cach-lam-hay/") == (False, False)
    assert links_on(client, hoa_reviewer, "/cach-lam-hay/") == (False, False)
