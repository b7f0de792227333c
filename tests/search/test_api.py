"""The JSON API, /api/v1/search/, and the search box's suggestions, /api/v1/search/complete/: their shape,
that they answer only signed-in users (with JSON, not a login page) and only GET/HEAD, and that they find
exactly what the search page finds."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import Group
from django.utils import translation

from wagtail.models import PageViewRestriction

import pytest

from portal.home.models import Topic
from portal.units import roles
from search.engines.base import DOCUMENT, PRACTICE, TRAINING, Moment
from search.models import Acronym
from search.sync import drain
from tests.practices.pages import add_practice, add_training
from tests.search.docs import doc

API = "/api/v1/search/"
COMPLETE = "/api/v1/search/complete/"


def vi(message: str) -> str:
    with translation.override("vi"):
        return str(translation.gettext(message))


def test_the_answer_has_exactly_the_documented_shape(as_lan, index, hanoi):
    topic = Topic.objects.create(name="Ma túy")
    index.upsert(
        [
            doc(
                "training:11",
                "Kiểm sát án ma túy",
                summary="Kỹ năng kiểm sát các vụ án ma túy.",
                unit_id=hanoi.pk,
                unit_name="VKSND TP Hà Nội",
                topics=((topic.pk, "Ma túy"),),
                moments=(Moment(part=2, start=754.6, end=780, text="Thu giữ ma túy tại hiện trường"),),
            )
        ]
    )
    response = as_lan.get(API, {"q": "ma tuy"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()

    assert set(body) == {"total", "page", "pages", "results", "facets", "suggestion", "degraded"}
    assert (body["total"], body["page"], body["pages"], body["degraded"]) == (1, 1, 1, False)
    assert body["suggestion"] is None
    [result] = body["results"]
    assert set(result) == {"type", "id", "title", "url", "snippet", "unit", "date", "moments"}
    assert result["type"] == TRAINING
    assert result["id"] == 11
    assert result["title"] == "Kiểm sát án ma túy"
    assert result["url"] == "/tap-huan/trang-11/"
    assert "<mark>" in result["snippet"]
    assert result["unit"] == {"id": hanoi.pk, "name": "VKSND TP Hà Nội"}
    assert result["date"] == "2026-03-15"
    [moment] = result["moments"]
    assert set(moment) == {"part", "start", "text", "url"}
    assert (moment["part"], moment["start"]) == (2, 754.6)
    assert moment["url"] == "/tap-huan/trang-11/?part=2&t=754"
    assert "<mark>" in moment["text"]

    assert set(body["facets"]) == {"type", "topic", "unit", "field", "year"}
    assert body["facets"]["type"] == [{"value": "training", "label": vi("Training"), "count": 1}]
    assert body["facets"]["topic"] == [{"value": str(topic.pk), "label": "Ma túy", "count": 1}]
    assert body["facets"]["unit"] == [{"value": str(hanoi.pk), "label": hanoi.short_name, "count": 1}]
    assert body["facets"]["year"] == [{"value": "2026", "label": "2026", "count": 1}]
    for values in body["facets"].values():
        for value in values:
            assert set(value) == {"value", "label", "count"}


def test_a_document_is_identified_by_its_wagtail_document_and_names_its_page(as_lan, index):
    index.upsert(
        [
            doc(
                "document:31:7",
                "Giáo trình kiểm sát án ma túy",
                type=DOCUMENT,
                url="/documents/7/giao-trinh.pdf",
                parent_title="Tập huấn án ma túy",
                parent_url="/tap-huan/an-ma-tuy/",
            )
        ]
    )
    [result] = as_lan.get(API, {"q": "giao trinh"}).json()["results"]
    assert result["type"] == DOCUMENT
    assert result["id"] == 7
    assert result["url"] == "/documents/7/giao-trinh.pdf"
    assert result["document"] == {
        "id": 7,
        "page_id": 31,
        "page_title": "Tập huấn án ma túy",
        "page_url": "/tap-huan/an-ma-tuy/",
    }
    assert result["unit"] is None


def test_filters_pages_and_sorting_follow_the_page_parameters(as_lan, index):
    index.upsert(
        [doc(f"training:{100 + n}", f"Bài giảng số {n}", date=datetime.date(2020 + n % 3, 1, 1)) for n in range(25)]
        + [doc("practice:200", "Bài giảng cách làm hay", type=PRACTICE)]
    )
    first = as_lan.get(API, {"q": "bai giang", "type": "training"}).json()
    assert (first["total"], first["pages"], len(first["results"])) == (25, 2, 20)
    assert {result["type"] for result in first["results"]} == {TRAINING}
    second = as_lan.get(API, {"q": "bai giang", "type": "training", "page": 2}).json()
    assert (second["page"], len(second["results"])) == (2, 5)

    newest = as_lan.get(API, {"q": "bai giang", "type": "training", "sort": "newest"}).json()["results"]
    dates = [result["date"] for result in newest]
    assert dates == sorted(dates, reverse=True)

    both = as_lan.get(API, {"q": "bai giang", "type": "training,practice", "year": "2022"}).json()
    assert {result["type"] for result in both["results"]} == {TRAINING}
    assert all(result["date"].startswith("2022") for result in both["results"])


def test_a_misspelling_gets_a_suggestion(as_lan, index):
    index.upsert([doc("training:71", "Kỹ năng đào tạo kiểm sát viên", summary="Đào tạo kiểm sát viên.")])
    assert as_lan.get(API, {"q": "dao tso"}).json()["suggestion"] == "đào tạo"


def test_degraded_is_true_when_the_configured_engine_is_down(as_lan, index, settings, closed_port_url):
    index.upsert([doc("training:81", "Kiểm sát án kinh tế")])
    settings.ELASTICSEARCH_URL = closed_port_url
    settings.ELASTICSEARCH_TIMEOUT = 1
    body = as_lan.get(API, {"q": "kinh te"}).json()
    assert body["degraded"] is True
    assert [result["title"] for result in body["results"]] == ["Kiểm sát án kinh tế"]


@pytest.mark.parametrize("url", [API, COMPLETE])
def test_anonymous_callers_get_a_json_401_not_the_login_page(client, db, url):
    response = client.get(url, {"q": "kiem sat"})
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "unauthorised"


@pytest.mark.parametrize("url", [API, COMPLETE])
def test_only_get_and_head_are_allowed(as_lan, index, url):
    assert as_lan.head(url, {"q": "x"}).status_code == 200
    for method in (as_lan.post, as_lan.put, as_lan.delete):
        assert method(url).status_code == 405


@pytest.fixture
def hidden_pages(db):
    open_page = add_training("Tập huấn phòng chống tham nhũng công khai")
    restricted = add_training("Tập huấn phòng chống tham nhũng nội bộ")
    restriction = PageViewRestriction.objects.create(page=restricted, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(Group.objects.get(name=roles.ADMINISTRATOR))
    draft = add_practice("Cách làm phòng chống tham nhũng chưa duyệt", live=False)
    drain()
    return open_page, restricted, draft


def test_drafts_and_restricted_pages_are_not_returned(as_lan, hidden_pages):
    open_page, _restricted, _draft = hidden_pages
    body = as_lan.get(API, {"q": "tham nhung"}).json()
    assert [(result["id"], result["url"]) for result in body["results"]] == [(open_page.pk, open_page.url)]
    assert body["total"] == 1


def test_suggestions_offer_titles_topics_and_acronyms(as_lan, index):
    Topic.objects.create(name="Kiểm sát hình sự")
    Acronym.objects.create(short="KSHS", expansion="kiểm sát hình sự")
    index.upsert([doc("training:91", "Kiểm sát hình sự trong tố tụng", topics=())])
    body = as_lan.get(COMPLETE, {"q": "kiem sat h"}).json()
    assert body["query"] == "kiem sat h"
    kinds = {item["kind"] for item in body["suggestions"]}
    texts = {item["text"] for item in body["suggestions"]}
    assert "Kiểm sát hình sự trong tố tụng" in texts
    assert {"title"} <= kinds
    for item in body["suggestions"]:
        assert set(item) == {"text", "kind", "value"}

    acronyms = as_lan.get(COMPLETE, {"q": "KSH"}).json()["suggestions"]
    assert {"text": "KSHS (kiểm sát hình sự)", "kind": "acronym", "value": "KSHS"} in acronyms


def test_suggestions_never_name_a_page_the_user_may_not_see(as_lan, hidden_pages):
    texts = {item["text"] for item in as_lan.get(COMPLETE, {"q": "tap huan phong"}).json()["suggestions"]}
    assert "Tập huấn phòng chống tham nhũng công khai" in texts
    assert "Tập huấn phòng chống tham nhũng nội bộ" not in texts


def test_an_empty_prefix_suggests_nothing(as_lan, index):
    assert as_lan.get(COMPLETE, {"q": "  "}).json() == {"query": "  ", "suggestions": []}


@pytest.mark.parametrize(
    "query",
    [
        "q=ma+t%C3%BAy&page=%C2%B2",
        "q=ma+t%C3%BAy&topic=%C2%B2&unit=abc",
        "q=%CD%8F%E1%A6%B0",
        "q=" + "kiem+" * 80,
        "q=%21%21%3F",
    ],
)
def test_odd_input_never_breaks_the_answer(as_lan, index, query):
    index.upsert([doc("training:11", "Kiểm sát án ma túy")])
    response = as_lan.get(f"{API}?{query}")
    assert response.status_code == 200
    assert set(response.json()) >= {"total", "results", "facets"}


def test_a_slide_moment_says_its_page_and_links_to_the_pdf(as_lan, index):
    index.upsert(
        [
            doc(
                "training:12",
                "Kiểm sát án ma túy",
                moments=(
                    Moment(part=0, start=0, end=0, text="Giám định ma túy", slide=7, link="/documents/3/a.pdf#page=7"),
                ),
            )
        ]
    )
    [result] = as_lan.get(API, {"q": "giam dinh"}).json()["results"]
    [moment] = result["moments"]
    assert moment["slide"] == 7
    assert (moment["part"], moment["url"]) == (0, "/documents/3/a.pdf#page=7")
