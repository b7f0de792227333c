"""From what the user asked (the search box, the facets, the API's parameters) to a page of results.

One function, `run`, serves the search page, the JSON API and topic pages, so they cannot disagree about
what a user may find. It normalises the text (search.text), adds acronym readings from the list editors
manage, filters by the user's permissions (search.permissions), asks the engine (search.engines, with the
database as fallback), and when nothing is found tries again tolerating typos, proposes a correction and
records the query for editors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.home.models import Topic
from portal.practices.models import FieldOfWork
from portal.units.models import Unit
from search import engines
from search.engines.base import DOCUMENT, FACETS, PRACTICE, TRAINING, TYPES, Query, ResultPage
from search.models import ZeroResultQuery, acronym_map
from search.permissions import viewer_for
from search.text import acronym_variants, fold, normalize, tokens

MAX_QUERY_LENGTH = 200
PER_PAGE = 20
MAX_PAGE = 500  # deep pages are useless to people and costly to engines
SORTS = ("relevance", "newest")

TYPE_LABELS = {
    TRAINING: _("Training"),
    PRACTICE: _("Good practice"),
    DOCUMENT: _("Document"),
}


class TooManyFilters(ValueError):
    """A request asks for more than the search answers (SEARCH_MAX_PARAMETERS, SEARCH_MAX_FILTER_VALUES): refused
    whole with `message`, for the reader, rather than cut silently or left to cost seconds and megabytes."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_parameter_count(query_string: str) -> None:
    """Refuse a query string of more than SEARCH_MAX_PARAMETERS parameters, counted on the raw string before
    Django parses it (past DATA_UPLOAD_MAX_NUMBER_FIELDS, reading request.GET raises TooManyFieldsSent)."""
    limit = settings.SEARCH_MAX_PARAMETERS
    if query_string.count("&") + query_string.count(";") >= limit:
        raise TooManyFilters(
            str(
                _(
                    "The search address holds too many parts (at most %(limit)s). "
                    "Please go back to the search page and choose fewer filters."
                )
                % {"limit": limit}
            )
        )


@dataclass(frozen=True)
class SearchRequest:
    """What was asked, validated: unknown values are dropped rather than refused."""

    q: str = ""
    types: tuple[str, ...] = ()
    topics: tuple[int, ...] = ()
    units: tuple[int, ...] = ()
    fields: tuple[int, ...] = ()
    years: tuple[int, ...] = ()
    sort: str = "relevance"
    page: int = 1

    @property
    def filtered(self) -> bool:
        return bool(self.types or self.topics or self.units or self.fields or self.years)

    def selected(self, facet: str) -> tuple[str, ...]:
        """The values selected for a facet, as strings (as in URLs and FacetValue.value)."""
        values: tuple[Any, ...] = {
            "type": self.types,
            "topic": self.topics,
            "unit": self.units,
            "field": self.fields,
            "year": self.years,
        }[facet]
        return tuple(str(value) for value in values)


@dataclass
class Outcome:
    request: SearchRequest
    result: ResultPage
    corrected: bool = False  # the results are for the typo-tolerant second pass
    related_topics: list[Topic] = field(default_factory=list)

    @property
    def page_count(self) -> int:
        return max(1, min(MAX_PAGE, -(-self.result.total // PER_PAGE)))


def _values(params: Mapping[str, Any], name: str) -> list[str]:
    getlist = getattr(params, "getlist", None)
    raw = getlist(name) if getlist else params.get(name, [])
    if isinstance(raw, str):
        raw = [raw]
    values: list[str] = []
    for item in raw:
        values.extend(part.strip() for part in str(item).split(",") if part.strip())
    return values


def _ints(params: Mapping[str, Any], name: str) -> tuple[int, ...]:
    return _capped(name, dict.fromkeys(int(value) for value in _values(params, name) if _is_number(value)))


FACET_LABELS = {
    "type": _("Type"),
    "topic": _("Topic"),
    "unit": _("Unit"),
    "field": _("Field of work"),
    "year": _("Year"),
}


def _capped(name: str, values: Any) -> tuple[Any, ...]:
    """`values` of facet `name` as a tuple, refused past SEARCH_MAX_FILTER_VALUES: every selected value is shown
    with a link naming the others, so the page grows with the square of their number."""
    values = tuple(values)
    limit = settings.SEARCH_MAX_FILTER_VALUES
    if len(values) > limit:
        raise TooManyFilters(
            str(
                _(
                    "Too many values are chosen in the “%(facet)s” filter: %(count)s, at most %(limit)s. "
                    "Please choose fewer and search again."
                )
                % {"facet": FACET_LABELS[name], "count": len(values), "limit": limit}
            )
        )
    return values


def _is_number(value: str) -> bool:
    return value.isascii() and value.isdigit() and len(value) < 10


def parse_request(params: Mapping[str, Any]) -> SearchRequest:
    """Read `q`, `type`, `topic`, `unit`, `field`, `year`, `sort` and `page` from GET parameters (a value
    may repeat or be comma-separated). Raises TooManyFilters past SEARCH_MAX_FILTER_VALUES values in a facet."""
    q = str(params.get("q", "") or "").strip()[:MAX_QUERY_LENGTH]
    types = _capped("type", dict.fromkeys(value for value in _values(params, "type") if value in TYPES))
    sort = str(params.get("sort", "") or "")
    page_text = str(params.get("page", "") or "1")
    page = int(page_text) if _is_number(page_text) else 1
    return SearchRequest(
        q=normalize(" ".join(q.split())),
        types=types,
        topics=_ints(params, "topic"),
        units=_ints(params, "unit"),
        fields=_ints(params, "field"),
        years=_ints(params, "year"),
        sort=sort if sort in SORTS else ("relevance" if q else "newest"),
        page=max(1, min(page, MAX_PAGE)),
    )


def build_query(request: SearchRequest, user: Any, *, fuzzy: bool = False) -> Query | None:
    """The engine query for `request` as `user` may run it, or None when they may find nothing."""
    viewer = viewer_for(user)
    if viewer is None:
        return None
    return Query(
        text=request.q,
        variants=tuple(acronym_variants(request.q, acronym_map())) if request.q else (),
        types=request.types,
        topics=request.topics,
        units=request.units,
        fields=request.fields,
        years=request.years,
        sort=request.sort,
        page=request.page,
        per_page=PER_PAGE,
        viewer=viewer,
        fuzzy=fuzzy,
    )


def run(request: SearchRequest, user: Any, *, record: bool = True) -> Outcome:
    """Search as `user`. With `record`, a text query that finds nothing is counted for editors."""
    query = build_query(request, user)
    if query is None:
        return Outcome(request, ResultPage(total=0, hits=[], facets={}))
    result = engines.search(query)
    outcome = Outcome(request, result)
    if request.q and result.total == 0 and request.page == 1:
        second = engines.search(build_query(request, user, fuzzy=True) or query)
        if second.total:
            second.degraded = second.degraded or result.degraded
            outcome = Outcome(request, second, corrected=True)
        outcome.result.suggestion = suggest(request.q)
        if not outcome.result.total:
            outcome.related_topics = related_topics(request.q)
            if record and not request.filtered:
                record_zero_result(request.q)
    label_facets(outcome.result)
    return outcome


def suggest(text: str) -> str:
    """A better spelling of `text` from the words of the index, or "" ("dao tso" → "đào tạo")."""
    try:
        suggestion = engines.database_engine().suggest(text)  # type: ignore[attr-defined]
    except DatabaseError:
        return ""
    return suggestion if suggestion and tokens(suggestion) != tokens(text) else ""


def related_topics(text: str, limit: int = 6) -> list[Topic]:
    """Topics sharing a word with the query, most used first: somewhere to go when nothing was found."""
    wanted = {word for word in tokens(text) if len(word) > 1}
    if not wanted:
        return []
    scored = []
    for topic in Topic.objects.all().only("pk", "name", "slug"):
        shared = wanted & set(tokens(topic.name))
        if shared:
            scored.append((-len(shared), fold(topic.name), topic))
    return [topic for *_, topic in sorted(scored, key=lambda item: item[:2])[:limit]]


def record_zero_result(text: str) -> None:
    key = " ".join(tokens(text))[:200]
    if not key:
        return
    entry, created = ZeroResultQuery.objects.get_or_create(key=key, defaults={"query": text[:200], "count": 1})
    if not created:
        ZeroResultQuery.objects.filter(pk=entry.pk).update(
            count=F("count") + 1, query=text[:200], last_searched=timezone.now()
        )


def label_facets(result: ResultPage) -> None:
    """Give facet values their names from the database (engines only know ids)."""
    names: dict[str, dict[str, str]] = {
        "type": {key: str(label) for key, label in TYPE_LABELS.items()},
    }
    ids = {facet: [int(v.value) for v in result.facets.get(facet, []) if v.value.isdigit()] for facet in FACETS}
    names["topic"] = {str(pk): name for pk, name in Topic.objects.filter(pk__in=ids["topic"]).values_list("pk", "name")}
    names["unit"] = {
        str(pk): short or name
        for pk, short, name in Unit.objects.filter(pk__in=ids["unit"]).values_list("pk", "short_name", "name")
    }
    names["field"] = {
        str(pk): name for pk, name in FieldOfWork.objects.filter(pk__in=ids["field"]).values_list("pk", "name")
    }
    for facet, values in result.facets.items():
        for index, value in enumerate(values):
            label = names.get(facet, {}).get(value.value, value.value)
            values[index] = type(value)(value=value.value, count=value.count, label=label)


def complete(user: Any, prefix: str, limit: int = 8) -> list[dict[str, str]]:
    """Autocomplete for the search box: titles and topics the user may see, and acronyms, as
    [{"text": ..., "kind": "title"|"topic"|"acronym"}]."""
    viewer = viewer_for(user)
    prefix = normalize(" ".join(prefix.split()))[:MAX_QUERY_LENGTH]
    if viewer is None or not tokens(prefix):
        return []
    folded = fold(prefix)
    items: list[dict[str, str]] = []
    for short, expansion in sorted(acronym_map().items()):
        if fold(short).startswith(folded) or (len(folded) > 2 and fold(expansion).startswith(folded)):
            items.append({"text": f"{short} ({expansion})", "kind": "acronym", "value": short})
    found = engines.complete(prefix, viewer, limit)
    topics = {fold(name) for name in Topic.objects.values_list("name", flat=True)}
    for text in found:
        kind = "topic" if fold(text) in topics else "title"
        items.append({"text": text, "kind": kind, "value": text})
    return items[:limit]
