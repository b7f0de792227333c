"""The acronym list editors manage: seeded by a migration, unique whatever the spelling, cached for
queries, and edited by administrators in the admin under Settings."""

from __future__ import annotations

from django.core.exceptions import ValidationError

import pytest

from search.models import Acronym, acronym_map
from search.text import expand_acronyms


@pytest.mark.django_db
def test_the_sectors_common_acronyms_are_seeded():
    acronyms = acronym_map()
    for short in ["VKSND", "VKS", "VKSNDTC", "KSV", "BLHS", "BLTTHS", "BLDS", "BLTTDS", "TTHS", "THA", "THADS"]:
        assert short in acronyms
    assert acronyms["CQĐT"] == "Cơ quan điều tra"
    assert acronyms["CNTT"] == "công nghệ thông tin"


@pytest.mark.django_db
def test_the_seeded_list_expands_a_query_both_ways():
    acronyms = acronym_map()
    assert expand_acronyms("kinh nghiệm KSV", acronyms) == "kinh nghiệm KSV kiểm sát viên"
    assert expand_acronyms("vien kiem sat nhan dan toi cao", acronyms) == "vien kiem sat nhan dan toi cao VKSNDTC"


@pytest.mark.django_db
def test_an_acronym_is_unique_whatever_its_case_or_diacritics():
    Acronym.objects.create(short="VPTT", expansion="văn phòng tổng hợp")
    for spelling in ["vptt", "VPTT ", "VPTT"]:
        with pytest.raises(ValidationError) as raised:
            Acronym(short=spelling, expansion="khác").full_clean()
        assert "short" in raised.value.error_dict
    with pytest.raises(ValidationError):
        Acronym(short="cqdt", expansion="khác").full_clean()  # "CQĐT" is seeded


@pytest.mark.django_db
def test_saving_stores_nfc_text_and_one_tone_placement():
    acronym = Acronym.objects.create(short="UBTP", expansion="  Uỷ ban  tư pháp ")
    acronym.refresh_from_db()
    assert acronym.expansion == "Ủy ban tư pháp"
    assert acronym.short_key == "ubtp"


@pytest.mark.django_db
def test_the_cached_map_follows_saves_and_deletes():
    assert "VPTT" not in acronym_map()
    acronym = Acronym.objects.create(short="VPTT", expansion="văn phòng tổng hợp")
    assert acronym_map()["VPTT"] == "văn phòng tổng hợp"
    acronym.active = False
    acronym.save()
    assert "VPTT" not in acronym_map()
    acronym.active = True
    acronym.save()
    assert "VPTT" in acronym_map()
    acronym.delete()
    assert "VPTT" not in acronym_map()


def test_an_administrator_sees_and_searches_the_acronym_list(client, quang_admin):
    client.force_login(quang_admin)
    response = client.get("/admin/snippets/search/acronym/")
    assert response.status_code == 200
    assert "BLTTHS" in response.content.decode()
    found = client.get("/admin/snippets/search/acronym/", {"q": "kiem sat vien"}).content.decode()
    assert "KSV" in found
    assert "BLTTHS" not in found


def test_an_administrator_adds_an_acronym_in_the_admin(client, quang_admin):
    client.force_login(quang_admin)
    response = client.post(
        "/admin/snippets/search/acronym/add/",
        {"short": "VPTT", "expansion": "văn phòng tổng hợp", "active": "on"},
    )
    assert response.status_code == 302
    assert acronym_map()["VPTT"] == "văn phòng tổng hợp"
    duplicate = client.post("/admin/snippets/search/acronym/add/", {"short": "vptt", "expansion": "khác"})
    assert duplicate.status_code == 200
    assert Acronym.objects.filter(short_key="vptt").count() == 1


def test_a_viewer_cannot_open_the_acronym_list(client, lan_viewer):
    client.force_login(lan_viewer)
    assert client.get("/admin/snippets/search/acronym/").status_code in {302, 403}
