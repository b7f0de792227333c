"""The search page, `/tim-kiem/?q=...`: one box, results with their moments, facets that combine, sorting and
pages.

Everything the page shows comes from `search.query.run`, as in the JSON API (search.api), so the two cannot
disagree about what a user may find. Links are built from the validated `SearchRequest`, not copied from the
address bar: a facet link keeps the query and every other filter, drops the page number, and carries only
parameters the search understands.

Facet links are built from pieces encoded once (`FacetLinks`): each link costs the length of what it writes,
where encoding every link afresh cost the square of the selected values. Their number is capped
(SEARCH_MAX_FILTER_VALUES per facet, SEARCH_MAX_PARAMETERS per request): past it the page answers 400 with a
message, since each selected value's link names all the others and the page would grow with their square.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, urlencode

from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from media.timecode import format_timecode
from portal.trainings.cards import Recordings, recordings_for
from search.engines.base import DOCUMENT, FACETS, TRAINING, FacetValue, Hit, Moment, ResultPage
from search.query import (
    FACET_LABELS,
    PER_PAGE,
    TYPE_LABELS,
    Outcome,
    SearchRequest,
    TooManyFilters,
    check_parameter_count,
    label_facets,
    parse_request,
    run,
)

SORT_LABELS = {"relevance": _("Relevance"), "newest": _("Newest")}
# Facet values shown before "Show more": the rest stay in the page, folded away (no script needed).
FACET_VISIBLE = 8


def params_for(request: SearchRequest, **changes: Any) -> list[tuple[str, str]]:
    """The query-string parameters that ask for `request` with `changes` (q, type, topic, unit, field, year,
    sort, page): facet values repeat their name, defaults are left out, so links stay short and stable."""
    values: dict[str, Any] = {
        "q": request.q,
        **{facet: request.selected(facet) for facet in FACETS},
        "sort": request.sort,
        "page": 1,
        **changes,
    }
    params: list[tuple[str, str]] = []
    if values["q"]:
        params.append(("q", values["q"]))
    for facet in FACETS:
        params.extend((facet, str(value)) for value in values[facet])
    if values["sort"] != ("relevance" if values["q"] else "newest"):
        params.append(("sort", values["sort"]))
    if int(values["page"]) > 1:
        params.append(("page", str(values["page"])))
    return params


def search_url(request: SearchRequest, **changes: Any) -> str:
    """The search page's address for `request` with `changes` (see `params_for`)."""
    query = urlencode(params_for(request, **changes))
    return reverse("search") + (f"?{query}" if query else "")


def moment_url(page_url: str, moment: Moment) -> str:
    """Where the player opens at `moment`: the training page with ?part=N&t=SECONDS (player.js reads both);
    for a slide not tied to a time, the PDF at that page."""
    if moment.part < 1 and moment.link:
        return moment.link
    return f"{page_url}?{urlencode({'part': moment.part, 't': int(moment.start)})}"


class FacetLinks:
    """The addresses that change one facet of `request` (as `search_url(request, facet=...)` writes them, page
    dropped), from parameters encoded once: a link costs the length of the link, not a fresh encoding of every
    selected value."""

    def __init__(self, request: SearchRequest) -> None:
        self.request = request
        self.path = reverse("search")
        self.head = f"q={quote_plus(request.q)}" if request.q else ""
        self.encoded = {facet: [self.encode(facet, value) for value in request.selected(facet)] for facet in FACETS}
        self.joined = {facet: "&".join(parts) for facet, parts in self.encoded.items()}
        default_sort = "relevance" if request.q else "newest"
        self.tail = f"sort={quote_plus(request.sort)}" if request.sort != default_sort else ""

    @staticmethod
    def encode(facet: str, value: str) -> str:
        return f"{facet}={quote_plus(value)}"

    def url(self, facet: str, facet_part: str) -> str:
        pieces = [self.head, *(facet_part if name == facet else self.joined[name] for name in FACETS), self.tail]
        query = "&".join(piece for piece in pieces if piece)
        return self.path + (f"?{query}" if query else "")

    def adding(self, facet: str, value: str) -> str:
        return self.url(facet, "&".join(piece for piece in (self.joined[facet], self.encode(facet, value)) if piece))

    def removing(self, facet: str, index: int) -> str:
        parts = self.encoded[facet]
        return self.url(facet, "&".join(parts[:index] + parts[index + 1 :]))

    def clearing(self, facet: str) -> str:
        return self.url(facet, "")


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool
    url: str  # selects it (added to the others of the facet), or, when selected, removes it


@dataclass
class FacetGroup:
    name: str
    label: str
    options: list[FacetOption]
    clear_url: str = ""  # set when something is selected in this facet

    @property
    def visible(self) -> list[FacetOption]:
        return self.options[:FACET_VISIBLE]

    @property
    def folded(self) -> list[FacetOption]:
        return self.options[FACET_VISIBLE:]


def facet_groups(request: SearchRequest, result: ResultPage) -> list[FacetGroup]:
    """The facets as lists of links: selected values first (kept even when nothing matches them any more,
    so they can be removed), then the others as the engine ranked them (years newest first)."""
    missing: dict[str, list[FacetValue]] = {}
    for facet in FACETS:
        present = {value.value for value in result.facets.get(facet, [])}
        absent = [value for value in request.selected(facet) if value not in present]
        if absent:
            missing[facet] = [FacetValue(value=value, count=0) for value in absent]
    if missing:
        label_facets(extra := ResultPage(total=0, hits=[], facets=missing))
        missing = extra.facets

    links = FacetLinks(request)
    groups = []
    for facet in FACETS:
        position = {value: index for index, value in enumerate(request.selected(facet))}
        values = list(result.facets.get(facet, [])) + missing.get(facet, [])
        if facet == "year":
            values.sort(key=lambda value: value.value, reverse=True)
        values.sort(key=lambda value: value.value not in position)  # stable: keeps the order within each half
        options = []
        for value in values:
            index = position.get(value.value)
            options.append(
                FacetOption(
                    value=value.value,
                    label=value.label or value.value,
                    count=value.count,
                    selected=index is not None,
                    url=links.adding(facet, value.value) if index is None else links.removing(facet, index),
                )
            )
        if options:
            groups.append(
                FacetGroup(
                    name=facet,
                    label=str(FACET_LABELS[facet]),
                    options=options,
                    clear_url=links.clearing(facet) if position else "",
                )
            )
    return groups


@dataclass(frozen=True)
class MomentLink:
    time: str  # "12:34", or "1:02:03" past an hour; "" for a slide not tied to a time
    url: str
    text: str  # HTML with <mark>, escaped by the engine
    slide: int | None = None  # the page of the slides, when the moment is one

    @property
    def label(self) -> str:
        if self.slide is None:
            return self.time
        slide = _("Slide %(number)s") % {"number": self.slide}
        return f"{slide} · {self.time}" if self.time else slide


def moment_link(page_url: str, moment: Moment) -> MomentLink:
    tied = moment.slide is None or moment.part >= 1
    return MomentLink(
        time=format_timecode(moment.start) if tied else "",
        url=moment_url(page_url, moment),
        text=moment_text(moment),
        slide=moment.slide,
    )


SLIDE_TEXT_CHARS = 300  # a slide can hold a page of text: results show this much of it, around the match
MARK, UNMARK = "<mark>", "</mark>"
_MARKED_TOKEN = re.compile(r"<[^>]*>|&#?\w+;|[^<&]|[<&]")


def moment_text(moment: Moment) -> str:
    """What a result shows of the moment: a transcript window whole (20-40 s of speech), a slide's text cut to
    about SLIDE_TEXT_CHARS around what matched."""
    return clip_marked(moment.text, SLIDE_TEXT_CHARS) if moment.slide is not None else moment.text


def clip_marked(html: str, limit: int) -> str:
    """`html` (escaped text with <mark> around matches) cut to about `limit` characters starting a little
    before the first match, on word boundaries, with "…" where text was left out and every <mark> closed."""
    tokens = _MARKED_TOKEN.findall(html)
    visible = [not piece.startswith("<") or piece == "<" for piece in tokens]
    if sum(visible) <= limit:
        return html
    first = next((i for i, piece in enumerate(tokens) if piece == MARK), 0)
    before = limit // 4
    start = first
    while start > 0 and before > 0:
        start -= 1
        before -= visible[start]
    while 0 < start < first and tokens[start - 1] != " ":  # back to the start of a word
        start -= 1
    end, shown = start, 0
    while end < len(tokens) and shown < limit:
        shown += visible[end]
        end += 1
    while end < len(tokens) and visible[end] and tokens[end] != " ":  # on to the end of the word
        end += 1
    shown_part = tokens[start:end]
    if tokens[:start].count(MARK) > tokens[:start].count(UNMARK):  # cut inside a match
        shown_part.insert(0, MARK)
    if shown_part.count(MARK) > shown_part.count(UNMARK):
        shown_part.append(UNMARK)
    text = "".join(shown_part).strip()
    return ("…" if start > 0 else "") + text + ("…" if end < len(tokens) else "")


@dataclass
class ResultItem:
    hit: Hit
    type_label: str
    moments: list[MomentLink] = field(default_factory=list)
    recordings: Recordings | None = None  # a training's poster, length and progress, as on its cards

    @property
    def is_document(self) -> bool:
        return self.hit.type == DOCUMENT

    @property
    def parent_link(self) -> str:
        """The page a document belongs to, as a link (its title alone when it has no address)."""
        if not self.hit.parent_url:
            return self.hit.parent_title
        return format_html('<a href="{}">{}</a>', self.hit.parent_url, self.hit.parent_title)


def result_items(hits: Iterable[Hit], user: Any = None) -> list[ResultItem]:
    items = [
        ResultItem(
            hit=hit,
            type_label=str(TYPE_LABELS.get(hit.type, hit.type)),
            moments=[moment_link(hit.url, moment) for moment in hit.moments],
        )
        for hit in hits
    ]
    trainings = [item for item in items if item.hit.type == TRAINING]
    found = recordings_for((item.hit.page_id for item in trainings), user)
    for item in trainings:
        item.recordings = found[item.hit.page_id]
    return items


def pages_of(outcome: Outcome) -> PaginatorPage:
    """A Django paginator page over the results' count, for templates/components/pagination.html (whose links
    keep the rest of the query string)."""
    capped = min(outcome.result.total, outcome.page_count * PER_PAGE)
    return Paginator(range(capped), PER_PAGE).get_page(outcome.request.page)


def refuse(request: HttpRequest, refusal: TooManyFilters) -> HttpResponse:
    """The portal's 400 page with what was refused and what to do."""
    return render(request, "400.html", {"message": refusal.message}, status=400)


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    try:
        check_parameter_count(request.META.get("QUERY_STRING", ""))
        search_request = parse_request(request.GET)
    except TooManyFilters as refusal:
        return refuse(request, refusal)
    context: dict[str, Any] = {"search_request": search_request, "q": search_request.q, "outcome": None}
    if not (search_request.q or search_request.filtered):
        return render(request, "search/search.html", context)

    outcome = run(search_request, request.user)
    result = outcome.result
    if result.total and search_request.page > outcome.page_count:
        return redirect(search_url(search_request, page=outcome.page_count))
    sorts = [
        {"label": label, "url": search_url(search_request, sort=sort), "current": sort == search_request.sort}
        for sort, label in SORT_LABELS.items()
    ]
    context.update(
        outcome=outcome,
        result=result,
        items=result_items(result.hits, request.user),
        facets=facet_groups(search_request, result),
        sorts=sorts if search_request.q else [],
        pages=pages_of(outcome),
        clear_filters_url=search_url(search_request, **dict.fromkeys(FACETS, ())) if search_request.filtered else "",
        suggestion_link=format_html(
            '<a href="{}">{}</a>', search_url(search_request, q=result.suggestion), result.suggestion
        )
        if result.suggestion
        else "",
    )
    return render(request, "search/search.html", context)
