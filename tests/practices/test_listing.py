"""The good practices listing filters by field, unit, topic and year, sorts five ways and keeps both
across pages; the training listing next to it keeps working as before."""

from __future__ import annotations

import datetime
import html
import re

import pytest

from portal.practices.models import FieldOfWork, GoodPracticePage, UsefulMark
from portal.units.models import User
from tests.practices.pages import add_practice

pytestmark = pytest.mark.django_db

LIST = "/cach-lam-hay/"


def publish(title: str, *, date: datetime.date = datetime.date(2026, 3, 1), unit=None, field=None, **extra):
    return add_practice(title, date=date, unit=unit, field_of_work=field, **extra)


def card_titles(response) -> list[str]:
    assert response.status_code == 200
    found = re.findall(r'class="card__title"><a href="[^"]*">(.*?)</a>', response.content.decode())
    return [html.unescape(title) for title in found]


def options(response, select_id: str) -> list[str]:
    page = response.content.decode()
    select = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert select, select_id
    return [value for value in re.findall(r'<option value="([^"]*)"', select.group(1)) if value]


@pytest.fixture
def fields() -> dict[str, FieldOfWork]:
    return {
        "trial": FieldOfWork.objects.get(name="Thực hành quyền công tố, kiểm sát xét xử vụ án hình sự"),
        "it": FieldOfWork.objects.get(name="Ứng dụng công nghệ thông tin, chuyển đổi số"),
        "detention": FieldOfWork.objects.get(name="Kiểm sát tạm giữ, tạm giam và thi hành án hình sự"),
    }


@pytest.fixture
def practices(hanoi, hue, fields) -> dict[str, GoodPracticePage]:
    return {
        "hn_trial_2025": publish(
            "Xét xử rút kinh nghiệm trực tuyến",
            date=datetime.date(2025, 5, 2),
            unit=hanoi,
            field=fields["trial"],
            topics=["Xét xử"],
        ),
        "hn_it_2026": publish(
            "Số hóa hồ sơ vụ án",
            date=datetime.date(2026, 2, 10),
            unit=hanoi,
            field=fields["it"],
            topics=["Chuyển đổi số", "Hồ sơ điện tử"],
        ),
        "hue_it_2026": publish(
            "Phần mềm quản lý án",
            date=datetime.date(2026, 6, 1),
            unit=hue,
            field=fields["it"],
            topics=["Chuyển đổi số"],
        ),
    }


def test_filters_narrow_the_list_alone_and_combined(client, lan_viewer, practices, fields):
    client.force_login(lan_viewer)
    it = fields["it"].pk
    assert set(card_titles(client.get(LIST))) == {p.title for p in practices.values()}
    assert set(card_titles(client.get(f"{LIST}?linh-vuc={it}"))) == {"Số hóa hồ sơ vụ án", "Phần mềm quản lý án"}
    assert set(card_titles(client.get(f"{LIST}?don-vi=HN"))) == {
        "Xét xử rút kinh nghiệm trực tuyến",
        "Số hóa hồ sơ vụ án",
    }
    assert set(card_titles(client.get(f"{LIST}?chu-de=chuyen-doi-so"))) == {"Số hóa hồ sơ vụ án", "Phần mềm quản lý án"}
    assert set(card_titles(client.get(f"{LIST}?nam=2025"))) == {"Xét xử rút kinh nghiệm trực tuyến"}
    assert card_titles(client.get(f"{LIST}?linh-vuc={it}&don-vi=HN&nam=2026&chu-de=ho-so-dien-tu")) == [
        "Số hóa hồ sơ vụ án"
    ]
    assert card_titles(client.get(f"{LIST}?linh-vuc={fields['trial'].pk}&nam=2026")) == []


def test_filter_choices_come_only_from_published_write_ups(client, lan_viewer, practices, fields, supreme):
    publish(
        "Bản nháp chưa duyệt",
        date=datetime.date(2019, 1, 1),
        unit=supreme,
        field=fields["detention"],
        topics=["Chủ đề của bản nháp"],
        live=False,
    )
    client.force_login(lan_viewer)
    response = client.get(LIST)
    assert "Bản nháp chưa duyệt" not in card_titles(response)
    assert options(response, "filter-field") == [str(fields["trial"].pk), str(fields["it"].pk)]  # the admin's order
    assert sorted(options(response, "filter-unit")) == ["HN", "HUE"]
    assert options(response, "filter-year") == ["2026", "2025"]
    assert "chu-de-cua-ban-nhap" not in options(response, "filter-topic")
    assert set(options(response, "filter-topic")) == {"xet-xu", "chuyen-doi-so", "ho-so-dien-tu"}


def test_the_draft_of_a_field_is_not_reachable_through_its_filter(client, lan_viewer, fields, hanoi):
    publish("Bản nháp kiểm sát tạm giam", unit=hanoi, field=fields["detention"], live=False)
    client.force_login(lan_viewer)
    assert card_titles(client.get(f"{LIST}?linh-vuc={fields['detention'].pk}")) == []


def test_it_sorts_newest_first_by_default_and_five_ways_on_request(client, lan_viewer, practices, hanoi):
    GoodPracticePage.objects.filter(pk=practices["hn_trial_2025"].pk).update(view_count=50)
    GoodPracticePage.objects.filter(pk=practices["hue_it_2026"].pk).update(view_count=7)
    readers = [User.objects.create_user(f"reader{n}", password="x", unit=hanoi) for n in range(3)]
    for reader in readers:
        UsefulMark.objects.create(page=practices["hn_it_2026"], user=reader)
    UsefulMark.objects.create(page=practices["hue_it_2026"], user=readers[0])
    client.force_login(lan_viewer)

    newest = ["Phần mềm quản lý án", "Số hóa hồ sơ vụ án", "Xét xử rút kinh nghiệm trực tuyến"]
    assert card_titles(client.get(LIST)) == newest
    assert card_titles(client.get(f"{LIST}?sap-xep=moi-nhat")) == newest
    assert card_titles(client.get(f"{LIST}?sap-xep=cu-nhat")) == newest[::-1]
    assert card_titles(client.get(f"{LIST}?sap-xep=xem-nhieu")) == [
        "Xét xử rút kinh nghiệm trực tuyến",
        "Phần mềm quản lý án",
        "Số hóa hồ sơ vụ án",
    ]
    assert card_titles(client.get(f"{LIST}?sap-xep=huu-ich")) == [
        "Số hóa hồ sơ vụ án",
        "Phần mềm quản lý án",
        "Xét xử rút kinh nghiệm trực tuyến",
    ]
    assert card_titles(client.get(f"{LIST}?sap-xep=ten")) == [
        "Phần mềm quản lý án",
        "Số hóa hồ sơ vụ án",
        "Xét xử rút kinh nghiệm trực tuyến",
    ]
    assert card_titles(client.get(f"{LIST}?sap-xep=khong-co")) == newest


def test_title_order_follows_vietnamese_letters_not_byte_values(client, lan_viewer):
    # In byte order "Á", "Đ" and "Ô" come after "Z"; a Vietnamese reader expects them beside A, D and O.
    for title in ["Zalo cho tiếp dân", "Ứng dụng chữ ký số", "Điều tra viên trẻ", "Ánh sáng pháp luật", "An ninh mạng"]:
        publish(title)
    publish("Ôn tập nghiệp vụ")
    publish("Bảo vệ nhân chứng")
    client.force_login(lan_viewer)
    assert card_titles(client.get(f"{LIST}?sap-xep=ten")) == [
        "An ninh mạng",
        "Ánh sáng pháp luật",
        "Bảo vệ nhân chứng",
        "Điều tra viên trẻ",
        "Ôn tập nghiệp vụ",
        "Ứng dụng chữ ký số",
        "Zalo cho tiếp dân",
    ]


def test_sorting_by_title_combines_with_filters_and_paginates(client, lan_viewer, fields, hanoi, hue):
    for number in range(1, 16):
        publish(f"Cách làm số {number:02d}", unit=hanoi, field=fields["it"])
    publish("Cách làm của Huế", unit=hue, field=fields["it"])
    client.force_login(lan_viewer)
    query = f"?linh-vuc={fields['it'].pk}&don-vi=HN&sap-xep=ten"
    first = client.get(LIST + query)
    assert card_titles(first) == [f"Cách làm số {n:02d}" for n in range(1, 13)]
    second = client.get(LIST + query + "&page=2")
    assert card_titles(second) == [f"Cách làm số {n:02d}" for n in range(13, 16)]


def test_pagination_links_keep_the_filters_and_the_order(client, lan_viewer, fields, hanoi):
    for day in range(1, 15):
        publish(f"Bài số {day}", date=datetime.date(2026, 1, day), unit=hanoi, field=fields["it"])
    client.force_login(lan_viewer)
    page = client.get(f"{LIST}?linh-vuc={fields['it'].pk}&sap-xep=cu-nhat").content.decode()
    next_link = html.unescape(re.search(r'<a href="([^"]*)" rel="next"', page).group(1))
    assert f"linh-vuc={fields['it'].pk}" in next_link and "sap-xep=cu-nhat" in next_link and "page=2" in next_link
    assert next_link.startswith("?")
    assert card_titles(client.get(LIST + next_link)) == ["Bài số 13", "Bài số 14"]


def test_the_form_is_labelled_and_shows_the_choices_made(client, lan_viewer, practices, fields):
    client.force_login(lan_viewer)
    page = client.get(f"{LIST}?linh-vuc={fields['it'].pk}&sap-xep=ten").content.decode()
    for select_id in ("filter-field", "filter-topic", "filter-unit", "filter-year", "filter-sort"):
        assert f'<label for="{select_id}">' in page and f'<select id="{select_id}"' in page
    assert f'<option value="{fields["it"].pk}" selected>' in page
    assert '<option value="ten" selected>' in page
    assert 'role="status"' in page


def test_cards_show_unit_field_date_summary_and_topics(client, lan_viewer, practices):
    client.force_login(lan_viewer)
    page = client.get(f"{LIST}?don-vi=HUE").content.decode()
    card = page[page.index('<article class="card">') :]
    card = card[: card.index("</article>")]
    assert "Viện kiểm sát nhân dân thành phố Huế" in card
    assert "Ứng dụng công nghệ thông tin, chuyển đổi số" in card
    assert 'datetime="2026-06-01"' in card
    assert "Tóm tắt: Phần mềm quản lý án" in card
    assert 'href="/chu-de/chuyen-doi-so/"' in card


def test_malformed_parameters_are_ignored(client, lan_viewer, practices):
    client.force_login(lan_viewer)
    response = client.get(f"{LIST}?linh-vuc=abc&nam=x&sap-xep=%3Cscript%3E&page=-1")
    assert len(card_titles(response)) == 3


def test_hostile_titles_are_escaped_in_the_listing(client, lan_viewer, hanoi):
    publish('<script>alert("x")</script> Cách làm <b>đậm</b>', unit=hanoi)
    client.force_login(lan_viewer)
    page = client.get(LIST).content.decode()
    assert "<script>alert" not in page and "<b>đậm</b>" not in page
    assert "&lt;script&gt;alert" in page


def test_the_training_listing_offers_no_sorting_and_still_filters(client, lan_viewer):
    client.force_login(lan_viewer)
    page = client.get("/tap-huan/?sap-xep=ten").content.decode()
    assert 'id="filter-sort"' not in page and 'id="filter-field"' not in page
    assert 'id="filter-topic"' in page
