"""The search as JSON: `GET /api/v1/search/` for other tools, and the suggestions behind the search box.

`GET /api/v1/search/?q=&type=&topic=&unit=&field=&year=&page=&sort=` answers, for the signed-in user and with
exactly the permissions of the search page (both go through `search.query.run`)::

    {"total": 42, "page": 1, "pages": 3,
     "results": [{"type": "training", "id": 12, "title": "...", "url": "/tap-huan/...",
                  "snippet": "... <mark>kiểm sát</mark> ...", "unit": {"id": 3, "name": "..."} | null,
                  "date": "2026-01-31" | null,
                  "moments": [{"part": 1, "start": 754.0, "text": "... <mark>...</mark> ...",
                               "url": "/tap-huan/...?part=1&t=754"}],
                  "document": {"id": 7, "page_id": 40, "page_title": "...", "page_url": "/cach-lam-hay/..."}}],
     "facets": {"type": [{"value": "training", "label": "Tập huấn", "count": 3}], "topic": [...], "unit": [...],
                "field": [...], "year": [...]},
     "suggestion": "đào tạo" | null, "degraded": false}

- `id` is the page's id for trainings and good practices. For a document it is the Wagtail document's id;
  `document` (present on documents only) names the page it belongs to, whose id is `document.page_id`.
- `url`s are absolute paths on this site; a moment's `url` opens the player at that second. A moment that is a
  page of the training's slides also has `"slide": 12`; its `url` opens the player at the time an editor tied
  the slide to, or else the PDF at that page (`part` is then 0).
- `snippet` and a moment's `text` are HTML: escaped text with `<mark>` around what matched.
- Filters repeat or take commas (`type=training&type=document`, `topic=3,5`); unknown values are ignored.
- `facets` count each value with the other filters applied; `degraded` is true when the configured engine is
  down and the database answered; `suggestion` is a better spelling when the query found little or nothing.

`GET /api/v1/search/complete/?q=` suggests what to search for as the user types: titles and topics they may
see, and acronyms: `{"query": "...", "suggestions": [{"text": "...", "kind": "title"|"topic"|"acronym",
"value": "..."}]}` (`value` is what goes into the box).

Both need a signed-in user. The portal's middleware would send anonymous requests to the login page, which
is no answer for a script, so these views opt out of it and answer 401 with a JSON body themselves.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from search.engines.base import DOCUMENT, FACETS, Hit
from search.query import TooManyFilters, check_parameter_count, complete, parse_request, run
from search.views import moment_text, moment_url

MAX_PREFIX_LENGTH = 100


def _unauthorised() -> JsonResponse:
    return JsonResponse({"error": "unauthorised", "detail": _("Log in to search.")}, status=401)


def _document_id(hit: Hit) -> int | None:
    """The Wagtail document's id from a document key, "document:<page id>:<document id>"."""
    tail = hit.key.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None


def hit_data(hit: Hit) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": hit.type,
        "id": _document_id(hit) if hit.type == DOCUMENT else hit.page_id,
        "title": hit.title,
        "url": hit.url,
        "snippet": hit.snippet,
        "unit": {"id": hit.unit_id, "name": hit.unit_name} if hit.unit_id else None,
        "date": hit.date.isoformat() if hit.date else None,
        "moments": [
            {
                "part": moment.part,
                "start": moment.start,
                "text": moment_text(moment),
                "url": moment_url(hit.url, moment),
                **({"slide": moment.slide} if moment.slide is not None else {}),
            }
            for moment in hit.moments
        ],
    }
    if hit.type == DOCUMENT:
        data["document"] = {
            "id": data["id"],
            "page_id": hit.page_id,
            "page_title": hit.parent_title,
            "page_url": hit.parent_url,
        }
    return data


@login_not_required
@require_safe
def search(request: HttpRequest) -> JsonResponse:
    if not request.user.is_authenticated:
        return _unauthorised()
    try:
        check_parameter_count(request.META.get("QUERY_STRING", ""))
        search_request = parse_request(request.GET)
    except TooManyFilters as refusal:
        return JsonResponse({"error": "too_many_filters", "detail": refusal.message}, status=400)
    outcome = run(search_request, request.user)
    result = outcome.result
    return JsonResponse(
        {
            "total": result.total,
            "page": outcome.request.page,
            "pages": outcome.page_count,
            "results": [hit_data(hit) for hit in result.hits],
            "facets": {
                facet: [
                    {"value": value.value, "label": value.label or value.value, "count": value.count}
                    for value in result.facets.get(facet, [])
                ]
                for facet in FACETS
            },
            "suggestion": result.suggestion or None,
            "degraded": result.degraded,
        },
        json_dumps_params={"ensure_ascii": False},
    )


@login_not_required
@require_safe
def suggestions(request: HttpRequest) -> JsonResponse:
    if not request.user.is_authenticated:
        return _unauthorised()
    prefix = str(request.GET.get("q", ""))[:MAX_PREFIX_LENGTH]
    return JsonResponse(
        {"query": prefix, "suggestions": complete(request.user, prefix)}, json_dumps_params={"ensure_ascii": False}
    )
