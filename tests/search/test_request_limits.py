"""Limits on what one search may ask: values per filter and parameters per address are capped (a 400 with the
portal's page and a Vietnamese message past them, never a 500), and facet links cost what they write."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from django.utils import translation

import pytest

from search.engines.base import FacetValue, ResultPage
from search.query import parse_request
from search.views import facet_groups


def vi(message: str, **values: object) -> str:
    with translation.override("vi"):
        text = str(translation.gettext(message))
    return text % values if values else text


def test_a_filter_with_too_many_values_is_refused_with_a_message(as_lan, index, settings):
    limit = settings.SEARCH_MAX_FILTER_VALUES
    units = ",".join(str(number) for number in range(limit + 1))
    response = as_lan.get(f"/tim-kiem/?q=kiem+sat&unit={units}", HTTP_ACCEPT_LANGUAGE="vi")

    assert response.status_code == 400
    page = response.content.decode()
    assert f"{limit + 1}, tối đa {limit}" in page
    assert "“Đơn vị”" in page
    assert 'class="site-header' in page or "<header" in page  # the portal's own page, not Django's bare one
    assert len(response.content) < 100_000

    assert as_lan.get(f"/tim-kiem/?q=kiem+sat&unit={','.join(map(str, range(limit)))}").status_code == 200


def test_the_api_refuses_too_many_values_with_a_message_too(as_lan, index, settings):
    settings.SEARCH_MAX_FILTER_VALUES = 3
    response = as_lan.get("/api/v1/search/?q=x&topic=1&topic=2&topic=3&topic=4", HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 400
    assert "tối đa 3" in response.json()["detail"]


@pytest.mark.parametrize("debug", [False, True])
def test_two_thousand_repeated_parameters_never_give_a_500(as_lan, index, settings, debug):
    settings.DEBUG = debug  # the dev settings: Django's debug page read request.GET again and failed with a 500
    query = "&".join(f"unit={number}" for number in range(2000))
    for address in (f"/tim-kiem/?{query}", f"/api/v1/search/?{query}"):
        response = as_lan.get(address, HTTP_ACCEPT_LANGUAGE="vi")
        assert response.status_code == 400, address
    assert vi("Search the portal") in as_lan.get(f"/tim-kiem/?{query}", HTTP_ACCEPT_LANGUAGE="vi").content.decode()


def calls_to(function_name: str, action: Callable[[], Any]) -> int:
    """How many times a Python function called `function_name` runs during `action` (a count of work, not time)."""
    count = 0

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal count
        if event == "call" and frame.f_code.co_name == function_name:
            count += 1

    sys.setprofile(profile)
    try:
        action()
    finally:
        sys.setprofile(None)
    return count


def test_facet_links_are_built_in_linear_time(settings):
    settings.SEARCH_MAX_FILTER_VALUES = 100

    def encodings(selected: int) -> int:
        request = parse_request({"q": "kiểm sát", "unit": ",".join(str(n) for n in range(selected))})
        facets = {"unit": [FacetValue(str(n), 1, f"Đơn vị {n}") for n in range(2 * selected)]}
        groups = facet_groups(request, ResultPage(total=1, hits=[], facets=facets))
        assert len(groups[0].options) == 2 * selected
        return calls_to("quote_plus", lambda: facet_groups(request, ResultPage(total=1, hits=[], facets=facets)))

    small, large = encodings(20), encodings(80)
    # Each value is encoded a bounded number of times: four times the values, about four times the work (the
    # links encoded afresh did sixteen times the work).
    assert large <= 5 * small
    assert large <= 4 * 3 * 80
