"""The one small interface every search engine honours (Elasticsearch, the database fallback).

Everything above an engine (the search page, the JSON API, topic pages, the sync task, `search_index`)
speaks only these types, so the same contract tests run against every engine.

Flow: `search.documents` turns a model object into `SearchDoc`s (plain data, already normalised); the sync
task hands them to `Engine.upsert`/`Engine.delete`; a request builds a `Query` (normalised text, acronym
variants, filters, the viewer's permissions) and gets a `ResultPage` back.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

T = TypeVar("T")

# Types of searchable things, in the order the facet lists them.
TRAINING = "training"
PRACTICE = "practice"
DOCUMENT = "document"
TYPES = (TRAINING, PRACTICE, DOCUMENT)

# Facets, by the name used in URLs and in the API (`?type=&topic=&unit=&field=&year=`).
FACETS = ("type", "topic", "unit", "field", "year")

# Stands in `SearchDoc.groups` for a restriction no group satisfies (a password): only superusers.
NOBODY = -1


@dataclass(frozen=True)
class Moment:
    """A timed window of what was said in one recording part (about 20-40 s of transcript), or one page of
    the slides shown, tied by an editor to a time in a recording or not."""

    part: int  # 1-based recording part; 0 for a slide not tied to a time in a recording
    start: float  # seconds from the start of the part
    end: float
    text: str  # normalised (search.text.normalize)
    slide: int | None = None  # a page of the training's slides (1-based), when the moment is one
    link: str = ""  # where a slide opens (the PDF at that page) when it is not tied to a time


def keep_a_slide(ranked: Sequence[T], is_slide: Callable[[T], bool], size: int) -> list[T]:
    """The first `size` of the `ranked` moments of a hit, with its best slide in place of the last one when
    no slide made it: a training whose recording says a word many times still shows that a slide says it."""
    chosen = list(ranked[:size])
    if size > 0 and not any(is_slide(item) for item in chosen):
        slide = next((item for item in ranked[size:] if is_slide(item)), None)
        if slide is not None:
            chosen = [*chosen[: size - 1], slide]
    return chosen


@dataclass(frozen=True)
class SearchDoc:
    """One searchable thing, as every engine stores it. Text is already normalised (NFC, one tone
    placement); engines derive folded copies with `search.text.fold`.

    Permissions travel with the document: a live page is seen by everyone signed in unless `groups` is
    non-empty (then only members of one of those groups, or superusers; `NOBODY` means superusers only);
    an unpublished write-up (`live=False`) only by reviewers/administrators and the submitters of `unit_id`.
    """

    key: str  # "training:12", "practice:40", "document:40:7" (page 40, Wagtail document 7)
    type: str  # TRAINING, PRACTICE or DOCUMENT
    page_id: int  # the page it is, or belongs to (documents)
    title: str
    url: str  # path of the page (for documents, of the document file)
    date: datetime.date | None
    summary: str = ""  # shown in results when nothing is highlighted
    body: str = ""  # all other searchable text (description, write-up sections, extracted document text)
    topics: tuple[tuple[int, str], ...] = ()  # (topic id, topic name)
    unit_id: int | None = None
    unit_name: str = ""
    field_id: int | None = None  # field of work (good practices and their documents)
    field_name: str = ""
    parent_title: str = ""  # documents: the page the document belongs to
    parent_url: str = ""
    live: bool = True
    groups: tuple[int, ...] = ()
    moments: tuple[Moment, ...] = ()  # trainings: transcript windows of all parts
    digest: str = ""  # hash of everything above, so `search_index --check` sees stale entries

    @property
    def year(self) -> int | None:
        return self.date.year if self.date else None


@dataclass(frozen=True)
class Viewer:
    """What a query may see: built from the user by `search.permissions.viewer_for`."""

    superuser: bool = False
    groups: tuple[int, ...] = ()
    all_drafts: bool = False  # reviewers and administrators of good practices
    draft_unit: int | None = None  # a submitter sees their own unit's unpublished write-ups


@dataclass(frozen=True)
class Query:
    """A search, already analysed by `search.query.build_query`.

    `text` is the normalised query as typed. `variants` are other whole readings of it with acronyms
    expanded or contracted ("quy chế VKSND" → "quy chế Viện kiểm sát nhân dân"); a document matches when it
    matches `text` or any variant. Matching is by words: every word of the reading must occur (folded, so
    "dao tao" finds "đào tạo"), in any field or, for trainings, within one transcript window. An empty text
    with filters lists everything that matches the filters (newest first), which is how topic pages and
    facet-only browsing work.
    """

    text: str = ""
    variants: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    topics: tuple[int, ...] = ()
    units: tuple[int, ...] = ()
    fields: tuple[int, ...] = ()
    years: tuple[int, ...] = ()
    sort: str = "relevance"  # or "newest"
    page: int = 1
    per_page: int = 20
    viewer: Viewer = field(default_factory=Viewer)
    fuzzy: bool = False  # second pass for typos: the engine tolerates one or two wrong letters per word


@dataclass(frozen=True)
class Hit:
    key: str
    type: str
    page_id: int
    title: str
    url: str
    date: datetime.date | None
    unit_id: int | None
    unit_name: str
    snippet: str  # HTML: escaped text with <mark>…</mark> around matches; never raw stored HTML
    score: float = 0.0
    parent_title: str = ""
    parent_url: str = ""
    moments: tuple[Moment, ...] = ()  # the matching transcript windows, best first, text with <mark>


@dataclass(frozen=True)
class FacetValue:
    value: str  # as it goes in the URL: "training", "12", "2025"
    count: int
    label: str = ""  # filled from the database by the caller when the engine only knows ids


@dataclass
class ResultPage:
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]  # keyed by FACETS; each facet counted with the *other* filters applied
    engine: str = ""  # "elasticsearch", "database"
    degraded: bool = False  # answered by the fallback because the configured engine is down
    suggestion: str = ""  # "Có phải đồng chí muốn tìm…", when the query found little or nothing


class EngineUnavailable(Exception):
    """The engine cannot be reached or refused the request; callers fall back and keep the outbox."""


class Engine(Protocol):
    name: str

    def upsert(self, docs: Sequence[SearchDoc]) -> None:
        """Add or replace documents (by key), in bulk. Raises EngineUnavailable."""

    def delete(self, keys: Sequence[str]) -> None:
        """Remove documents by key; unknown keys are ignored. Raises EngineUnavailable."""

    def delete_page(self, page_id: int, keep: Iterable[str] = ()) -> None:
        """Remove every document of a page (the page and its documents) except the keys in `keep`."""

    def search(self, query: Query) -> ResultPage:
        """Run a query with permission filtering, facets, highlighting and moments."""

    def complete(self, prefix: str, viewer: Viewer, limit: int = 8) -> list[str]:
        """Titles (and topic names) that start with, or contain a word starting with, `prefix`."""

    def digests(self) -> dict[str, str]:
        """Every key in the index with its digest, for `search_index --check`."""

    def rebuild(self, docs: Iterator[SearchDoc]) -> int:
        """Build a fresh index from `docs` and switch to it without downtime; returns the count."""

    def rebuild_reason(self) -> str:
        """Why the index cannot be trusted to hold everything and must be rebuilt from the database (lost, built
        by someone else, of another mapping version), or "" when it is sound."""

    def ping(self, timeout: float | None = None) -> bool:
        """True when the engine answers (within `timeout` seconds, when given)."""
