"""The feed of newly published good practices: for logged-in staff, and through a personal signed
address for feed readers that cannot log in; only that address is open, and only with a valid token."""

from __future__ import annotations

import datetime
import re

from django.core import signing
from django.test import Client

from wagtail.models import PageViewRestriction

import pytest
from defusedxml import ElementTree as ET

from portal.practices.feeds import SIGNING_SALT, feed_token
from portal.practices.models import GoodPracticePage
from tests.practices.pages import add_practice

pytestmark = pytest.mark.django_db

FEED = "/cach-lam-hay/feed/"
ATOM = "{http://www.w3.org/2005/Atom}"


publish = add_practice


def rss_items(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    return [{child.tag.split("}")[-1]: (child.text or "") for child in item} for item in channel.findall("item")]


@pytest.fixture
def published(hanoi, hue) -> list[GoodPracticePage]:
    older = publish("Số hóa hồ sơ vụ án", unit=hanoi)
    newer = publish("Tiếp công dân qua mạng", unit=hue)
    GoodPracticePage.objects.filter(pk=older.pk).update(
        first_published_at=datetime.datetime(2026, 1, 5, 8, 0, tzinfo=datetime.UTC)
    )
    return [newer, older]


def test_logged_in_staff_read_the_newest_published_practices(client, lan_viewer, published):
    draft = publish("Bản nháp chưa duyệt", live=False)
    withdrawn = publish("Đã gỡ xuống")
    withdrawn.unpublish()
    restricted = publish("Hạn chế người xem")
    PageViewRestriction.objects.create(page=restricted, restriction_type=PageViewRestriction.LOGIN)
    client.force_login(lan_viewer)
    items = rss_items(client.get(FEED))
    assert [item["title"] for item in items] == ["Tiếp công dân qua mạng", "Số hóa hồ sơ vụ án"]
    newer = items[0]
    assert newer["link"] == "http://testserver" + published[0].url
    assert newer["description"] == "Tóm tắt: Tiếp công dân qua mạng"
    assert newer["creator"] == "Viện kiểm sát nhân dân thành phố Huế"
    assert newer["pubDate"]
    assert items[1]["pubDate"].startswith("Mon, 05 Jan 2026")
    titles = [item["title"] for item in items]
    assert draft.title not in titles and withdrawn.title not in titles and restricted.title not in titles


def test_the_atom_feed_lists_the_same_practices(client, lan_viewer, published):
    client.force_login(lan_viewer)
    response = client.get(FEED + "atom/")
    assert response["Content-Type"].startswith("application/atom+xml")
    entries = ET.fromstring(response.content).findall(f"{ATOM}entry")
    assert [entry.find(f"{ATOM}title").text for entry in entries] == ["Tiếp công dân qua mạng", "Số hóa hồ sơ vụ án"]


def test_anonymous_readers_without_a_token_are_sent_to_log_in(published):
    for path in (FEED, FEED + "atom/"):
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")


def test_the_index_page_offers_a_personal_address_that_works_without_logging_in(client, lan_viewer, published):
    client.force_login(lan_viewer)
    page = client.get("/cach-lam-hay/").content.decode()
    address = re.search(r'id="personal-feed-url"[^>]*value="([^"]+)"', page).group(1)
    assert address.startswith("http://testserver/cach-lam-hay/feed/")
    assert address != "http://testserver" + FEED
    reader = Client()  # a feed reader: no session, no cookies
    items = rss_items(reader.get(address.removeprefix("http://testserver")))
    assert [item["title"] for item in items] == ["Tiếp công dân qua mạng", "Số hóa hồ sơ vụ án"]
    atom = reader.get(address.removeprefix("http://testserver") + "atom/")
    assert atom.status_code == 200 and atom["Content-Type"].startswith("application/atom+xml")


@pytest.mark.parametrize(
    "token",
    [
        "khong-hop-le",
        "a" * 80,
        "signed-with-another-salt",
    ],
)
def test_a_bad_token_opens_nothing(token, lan_viewer, published):
    if token == "signed-with-another-salt":  # signed here, not at collection: its timestamp differs per worker
        token = signing.dumps([1, "0" * 16], salt="another.salt")
    assert Client().get(f"{FEED}{token}/").status_code == 404


def test_a_tampered_or_forged_token_opens_nothing(lan_viewer, minh_submitter, published):
    token = feed_token(lan_viewer)
    assert Client().get(f"{FEED}{token}/").status_code == 200
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert Client().get(f"{FEED}{tampered}/").status_code == 404
    # Someone who knows the salt but not the secret key cannot make a token for another user.
    forged = signing.dumps([minh_submitter.pk, "0" * 16], key="not-the-secret-key", salt=SIGNING_SALT)
    assert Client().get(f"{FEED}{forged}/").status_code == 404


def test_the_token_of_a_deactivated_user_is_refused(lan_viewer, published):
    token = feed_token(lan_viewer)
    lan_viewer.is_active = False
    lan_viewer.save()
    assert Client().get(f"{FEED}{token}/").status_code == 404


def test_changing_the_password_revokes_the_old_address(lan_viewer, published):
    old = feed_token(lan_viewer)
    lan_viewer.set_password("mat-khau-moi-2026")
    lan_viewer.save()
    assert Client().get(f"{FEED}{old}/").status_code == 404
    assert Client().get(f"{FEED}{feed_token(lan_viewer)}/").status_code == 200


def test_a_valid_token_opens_the_feed_and_nothing_else(lan_viewer, published):
    token = feed_token(lan_viewer)
    anonymous = Client()
    for path in (
        "/cach-lam-hay/",
        published[0].url,
        f"/cach-lam-hay/{published[0].pk}/huu-ich/",
        f"/cach-lam-hay/{token.replace(':', '-')}/",
        f"/?token={token}",
        f"/chu-de/?token={token}",
    ):
        response = anonymous.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/"), path
    # Addresses that match nothing at all are not found, as everywhere on the portal.
    assert anonymous.get(f"{FEED}{token}/khac/").status_code == 404


def test_hostile_titles_stay_inert_in_the_feed(client, lan_viewer, hanoi):
    hostile = '<script>alert("x")</script> & <b>đậm</b>'
    publish(hostile, summary=hostile, unit=hanoi)
    client.force_login(lan_viewer)
    response = client.get(FEED)
    assert b"<script>" not in response.content and b"<b>" not in response.content
    items = rss_items(response)
    assert items[0]["title"] == hostile and items[0]["description"] == hostile
