"""The Elasticsearch engine: one index behind an alias, built with elasticsearch.dsl.

Layout: the alias `<prefix>-content` points at one concrete index `<prefix>-content-<timestamp>`; `rebuild`
loads a fresh concrete index and moves the alias in one atomic request, so searches never see a half-built
index. Each `SearchDoc` is one Elasticsearch document (its key is the `_id`) and its `_source` keeps every field,
so a hit is rebuilt without the database.

Vietnamese: every text field is indexed twice, `exact` (standard tokenizer + lowercase, diacritics kept) and a
`folded` subfield (+ asciifolding, which folds đ and every precomposed vowel; the text is already NFC). A query
word must occur in a folded field (so "dao tao" finds "đào tạo"); matches in the exact field and adjacent words
(phrases) only add to the score. When the user typed diacritics, a document (or window) with every word spelled
as typed gets a constant tier on top (AS_TYPED_TIER), so "đào tạo" ranks above "đạo tạo" and "dao tao" whatever
the fields' lengths make of the rest of the score; typed without diacritics, every spelling is as good.
Acronym variants arrive as whole readings from `search.query`: synonym filters are not used (osmem-server
ignores them, and the editors' list lives in the database anyway).

Transcripts are nested `moments` (one per window of 20 to 40 s, or a page of slides): a training matches when all
the words occur in one window, and nested inner_hits bring back the matching windows with highlights. Windows are
most of what a training costs to index (40 to 80 per training, against a handful of fields), so their text is
analysed once, folded only: the as-typed tier of a training found by its windows comes from `moment_words`, each
distinct word of its windows once, as written (a tenth of the words or less, no positions), so "đào tạo" said in a
recording still ranks that training above "đạo tạo" — what is lost is only that tier between two windows of the
same training. In osmem-server (bleve underneath) a window costs about 0.2 ms to index, nearly all of it analysing
and indexing its words, and bulk requests are applied one at a time: see bench/README.md.

The index says whose it is in its mapping's `_meta` (OWNER, MAPPING_VERSION, and whether it was built from the
database or created empty). `rebuild_reason` reads it: an alias that is missing (a new cluster, a lost volume),
that points at an index this portal did not build (one Elasticsearch created by itself on a write), at an index
created empty, or at one of another mapping version, means the index holds only part of the content, and the
outbox drain rebuilds it from the database before applying anything (search.sync). Bump MAPPING_VERSION with
any change to `ContentDocument` or the analysers.

The 8.x client sends `application/vnd.elasticsearch+json; compatible-with=8`, which osmem-server refuses on
requests with a body; `PlainJsonNode` sends plain `application/json`, which every Elasticsearch 8/9 accepts.
"""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from elastic_transport import HttpHeaders, TransportError, Urllib3HttpNode
from elastic_transport._node import NodeApiResponse
from elastic_transport.client_utils import DEFAULT, DefaultType
from elasticsearch import ApiError, Elasticsearch, NotFoundError
from elasticsearch.dsl import (
    A,
    Boolean,
    Date,
    Document,
    Float,
    Index,
    InnerDoc,
    Integer,
    Keyword,
    Nested,
    Q,
    Search,
    Text,
    analyzer,
)
from elasticsearch.dsl.query import Query as DslQuery
from elasticsearch.helpers import BulkIndexError, ScanError, bulk

from search.engines.base import (
    FACETS,
    NOBODY,
    TYPES,
    EngineUnavailable,
    FacetValue,
    Hit,
    Moment,
    Query,
    ResultPage,
    SearchDoc,
    Viewer,
    keep_a_slide,
)
from search.text import fold, nfc, tokens, words

ENGINE_ERRORS = (ApiError, TransportError, BulkIndexError, ScanError)

exact = analyzer("exact", tokenizer="standard", filter=["lowercase"])
folded = analyzer("folded", tokenizer="standard", filter=["lowercase", "asciifolding"])

# Boosts: where a word is found, and how.
TITLE_BOOST = 3.0
EXACT_BOOST = 2.0  # a word found with the diacritics the user typed
PHRASE_BOOST = 2.0  # the words next to each other ("kiểm sát", not "kiểm tra ... giám sát")
PHRASE_SLOP = 1
# Added to the score of a document that has every word typed with diacritics spelled just so: such documents
# rank above the ones found only through folding, whatever the field lengths make of the rest of the score.
AS_TYPED_TIER = 1000.0
# Fields that match a query, with their weight; each has an `exact` main field and a `.folded` subfield.
TEXT_FIELDS = {
    "title": TITLE_BOOST,
    "summary": 1.5,
    "body": 1.0,
    "topic_names": 2.0,
    "unit_name": 1.0,
    "field_name": 1.0,
    "parent_title": 1.0,
}
PHRASE_FIELDS = ("title", "summary", "body")
SNIPPET_FIELDS = ("summary", "body", "title")
SNIPPET_LENGTH = 200
MOMENTS_PER_HIT = 3
MOMENT_CANDIDATES = 8  # matching windows per training returned and ranked here (with a slide kept among them)
FACET_SIZE = 500
BULK_CHUNK = 500
BULK_BYTES = 8 * 1024 * 1024
WRITE_TIMEOUT = 30.0
SCAN_PAGE = 1000
MAX_WINDOW = 10_000  # Elasticsearch's default index.max_result_window
# Whose index it is, and which mapping built it: see `rebuild_reason`.
OWNER = "vksnd-portal"
MAPPING_VERSION = 1
HIGHLIGHT = {"pre_tags": ["<mark>"], "post_tags": ["</mark>"], "encoder": "html"}


def _text(**kwargs: Any) -> Text:
    return Text(analyzer=exact, fields={"folded": Text(analyzer=folded)}, **kwargs)


class MomentDocument(InnerDoc):
    # Only ever read back from _source: not indexing them saves about a third of a window's indexing time.
    part = Integer(index=False, doc_values=False)
    start = Float(index=False, doc_values=False)
    end = Float(index=False, doc_values=False)
    slide = Integer(index=False, doc_values=False)
    link = Keyword(index=False, doc_values=False)
    # Folded only: analysing every window twice doubled the cost of indexing a training (see the module docstring).
    text = Text(analyzer=folded)


class ContentDocument(Document):
    """The mapping of the content index; documents are written as plain dicts (`to_source`)."""

    key = Keyword()
    type = Keyword()
    page_id = Integer()
    title = _text()
    url = Keyword(index=False)
    date = Date(format="strict_date")
    year = Integer()
    summary = _text()
    body = _text()
    topic_ids = Keyword(multi=True)
    # `raw` gives the distinct names for completion (the names themselves, not a normalised key).
    topic_names = Text(analyzer=exact, fields={"folded": Text(analyzer=folded), "raw": Keyword()}, multi=True)
    unit_id = Keyword()
    unit_name = _text()
    field_id = Keyword()
    field_name = _text()
    parent_title = _text()
    parent_url = Keyword(index=False)
    live = Boolean()
    groups = Keyword(multi=True)
    draft_unit = Keyword()  # unit_id of an unpublished write-up, so its unit's submitters see it
    digest = Keyword()
    moments = Nested(MomentDocument)
    # Each distinct word of the moments once, as written: whether a training said the words as typed.
    moment_words = Text(analyzer=exact, index_options="docs", norms=False)


class PlainJsonNode(Urllib3HttpNode):
    """Sends `application/json` where the 8.x client asks for its versioned media type (see module docstring)."""

    _VENDOR = re.compile(r"application/vnd\.elasticsearch\+([\w-]+)\s*;\s*compatible-with=\d+")

    def perform_request(
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: HttpHeaders | None = None,
        request_timeout: DefaultType | float | None = DEFAULT,
    ) -> NodeApiResponse:
        if headers:
            headers = headers.copy()
            for name in ("accept", "content-type"):
                if name in headers:
                    headers[name] = self._VENDOR.sub(r"application/\1", headers[name])
        return super().perform_request(method, target, body=body, headers=headers, request_timeout=request_timeout)


def to_source(doc: SearchDoc) -> dict[str, Any]:
    """The stored form of a document: every field of `SearchDoc`, plus what the queries need (year, draft unit)."""
    return {
        "key": doc.key,
        "type": doc.type,
        "page_id": doc.page_id,
        "title": doc.title,
        "url": doc.url,
        "date": doc.date.isoformat() if doc.date else None,
        "year": doc.year,
        "summary": doc.summary,
        "body": doc.body,
        "topic_ids": [topic_id for topic_id, _ in doc.topics],
        "topic_names": [name for _, name in doc.topics],
        "unit_id": doc.unit_id,
        "unit_name": doc.unit_name,
        "field_id": doc.field_id,
        "field_name": doc.field_name,
        "parent_title": doc.parent_title,
        "parent_url": doc.parent_url,
        "live": doc.live,
        "groups": list(doc.groups),
        "draft_unit": None if doc.live else doc.unit_id,
        "digest": doc.digest,
        "moments": [
            {
                "part": moment.part,
                "start": moment.start,
                "end": moment.end,
                "text": moment.text,
                **({"slide": moment.slide, "link": moment.link} if moment.slide is not None else {}),
            }
            for moment in doc.moments
        ],
        "moment_words": moment_words(doc.moments),
    }


def moment_words(moments: Iterable[Moment]) -> str:
    """Every distinct word of `moments` once, lowercased and without punctuation, in order of first use."""
    return " ".join(dict.fromkeys(word.lower() for moment in moments for word in words(moment.text)))


def from_source(source: dict[str, Any]) -> SearchDoc:
    """The `SearchDoc` stored by `to_source`."""
    return SearchDoc(
        key=source["key"],
        type=source["type"],
        page_id=source["page_id"],
        title=source["title"],
        url=source["url"],
        date=_date(source.get("date")),
        summary=source.get("summary", ""),
        body=source.get("body", ""),
        topics=tuple(zip(source.get("topic_ids", []), source.get("topic_names", []), strict=True)),
        unit_id=source.get("unit_id"),
        unit_name=source.get("unit_name", ""),
        field_id=source.get("field_id"),
        field_name=source.get("field_name", ""),
        parent_title=source.get("parent_title", ""),
        parent_url=source.get("parent_url", ""),
        live=source.get("live", True),
        groups=tuple(source.get("groups", [])),
        moments=tuple(_moment(moment) for moment in source.get("moments", [])),
        digest=source.get("digest", ""),
    )


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _moment(source: dict[str, Any], text: str | None = None) -> Moment:
    return Moment(
        part=source["part"],
        start=source["start"],
        end=source["end"],
        text=source["text"] if text is None else text,
        slide=source.get("slide"),
        link=source.get("link", ""),
    )


def query_chunks(text: str) -> list[str]:
    """The words of a reading as the engine matches them: split on spaces, each chunk analysed by the field
    (so "BLHS-2015" or "2.5" stay what the tokenizer makes of them); chunks of punctuation only are dropped."""
    return [chunk for chunk in nfc(text).split() if words(chunk)]


def permission_filter(viewer: Viewer) -> DslQuery | None:
    """What `viewer` may see (see `SearchDoc`), or None for a superuser."""
    if viewer.superuser:
        return None
    groups = [group for group in viewer.groups if group != NOBODY]
    public = ~Q("exists", field="groups")
    if groups:
        public |= Q("terms", groups=groups)
    allowed = Q("bool", filter=[Q("term", live=True), public])
    if viewer.all_drafts:
        allowed |= Q("term", live=False)
    elif viewer.draft_unit is not None:
        allowed |= Q("bool", filter=[Q("term", live=False), Q("term", draft_unit=viewer.draft_unit)])
    return Q("bool", filter=[allowed], must_not=[Q("term", groups=NOBODY)])


def facet_filters(query: Query) -> dict[str, DslQuery]:
    """The chosen filters, by facet: OR within a facet, AND across facets."""
    chosen = {
        "type": ("type", list(query.types)),
        "topic": ("topic_ids", [str(topic) for topic in query.topics]),
        "unit": ("unit_id", [str(unit) for unit in query.units]),
        "field": ("field_id", [str(field) for field in query.fields]),
        "year": ("year", list(query.years)),
    }
    return {facet: Q("terms", **{name: values}) for facet, (name, values) in chosen.items() if values}


FACET_FIELDS = {"type": "type", "topic": "topic_ids", "unit": "unit_id", "field": "field_id", "year": "year"}


def has_diacritics(chunk: str) -> bool:
    return fold(chunk) != chunk.casefold()


def spelled(chunk: str, field: str) -> str:
    """Where `chunk` is found as typed: the exact field when it was typed with diacritics, else the folded one."""
    return field if has_diacritics(chunk) else f"{field}.folded"


def reading_query(reading: str, name: str = "", fuzzy: bool = False, as_typed: bool = False) -> DslQuery | None:
    """One reading of the query: all its words in the document's fields, or all in one transcript window.

    Words found with their diacritics and words next to each other score higher. With `as_typed` (the user
    typed diacritics), a document with every word spelled as typed in its fields, or with the words in one window
    and each of them said as typed somewhere in its windows (`moment_words`; words typed without diacritics match
    either way) gets AS_TYPED_TIER on top, so it ranks above those found only through folding. With a `name`, the
    matching windows come back as inner hits of that name, the best first."""
    chunks = query_chunks(reading)
    if not chunks:
        return None
    fuzziness = {"fuzziness": "AUTO"} if fuzzy else {}
    folded_fields = [f"{field}.folded^{boost}" for field, boost in TEXT_FIELDS.items()]
    exact_fields = [f"{field}^{boost}" for field, boost in TEXT_FIELDS.items()]
    words_found = [
        Q("multi_match", query=chunk, fields=folded_fields, operator="and", tie_breaker=0.3, **fuzziness)
        for chunk in chunks
    ]
    ranking = [
        Q("multi_match", query=chunk, fields=exact_fields, operator="and", tie_breaker=0.3, boost=EXACT_BOOST)
        for chunk in chunks
    ]
    window_ranking = []
    if len(chunks) > 1:
        phrase = " ".join(chunks)
        for field in PHRASE_FIELDS:
            boost = PHRASE_BOOST * TEXT_FIELDS[field]
            ranking.append(
                Q("match_phrase", **{f"{field}.folded": {"query": phrase, "slop": PHRASE_SLOP, "boost": boost}})
            )
            ranking.append(Q("match_phrase", **{field: {"query": phrase, "slop": PHRASE_SLOP, "boost": boost}}))
        window_ranking.append(
            Q("match_phrase", **{"moments.text": {"query": phrase, "slop": PHRASE_SLOP, "boost": PHRASE_BOOST}})
        )
    said_as_typed = []
    if as_typed:
        in_fields_as_typed = [
            Q("multi_match", query=chunk, fields=[spelled(chunk, field) for field in TEXT_FIELDS], operator="and")
            for chunk in chunks
        ]
        ranking.append(Q("constant_score", filter=Q("bool", filter=in_fields_as_typed), boost=AS_TYPED_TIER))
        # Only counted where a window matched (see below): each word typed with diacritics said so somewhere.
        words_as_typed = [
            Q("match", moment_words={"query": chunk, "operator": "and"}) for chunk in chunks if has_diacritics(chunk)
        ]
        said_as_typed.append(Q("constant_score", filter=Q("bool", filter=words_as_typed), boost=AS_TYPED_TIER))
    in_fields = Q("bool", must=words_found, should=ranking)
    in_window = Q(
        "bool",
        must=[Q("match", **{"moments.text": {"query": chunk, "operator": "and", **fuzziness}}) for chunk in chunks],
        should=window_ranking,
    )
    inner_hits = {
        "name": name,
        "size": MOMENT_CANDIDATES,
        "_source": True,
        "highlight": {**HIGHLIGHT, "fields": {"moments.text": {"number_of_fragments": 0}}},
    }
    moments = Q(
        "nested", path="moments", query=in_window, score_mode="max", **({"inner_hits": inner_hits} if name else {})
    )
    if said_as_typed:
        moments = Q("bool", must=[moments], should=said_as_typed)
    return Q("bool", should=[in_fields, moments], minimum_should_match=1)


def text_query(query: Query) -> DslQuery | None:
    """The text of a query and its variants: a document matches any reading. None when there is no text."""
    as_typed = has_diacritics(query.text)  # typed without diacritics, every spelling is as good
    clauses = [
        clause
        for number, reading in enumerate([query.text, *query.variants])
        if (clause := reading_query(reading, f"moments_{number}", fuzzy=query.fuzzy, as_typed=as_typed)) is not None
    ]
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else Q("bool", should=clauses, minimum_should_match=1)


def snippet_from(source: dict[str, Any], highlight: dict[str, list[str]]) -> str:
    """The highlighted fragment, or the escaped start of the summary (or body, or nothing)."""
    for field in SNIPPET_FIELDS:
        for name in (f"{field}.folded", field):
            if highlight.get(name):
                return highlight[name][0]
    text = source.get("summary") or source.get("body") or ""
    return html.escape(shorten(text, SNIPPET_LENGTH))


def shorten(text: str, length: int) -> str:
    """`text` cut at a word boundary near `length`, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    cut = text.rfind(" ", 0, length)
    return text[: cut if cut > length // 2 else length].rstrip(" ,.;:") + "…"


def starts_words(text: str, prefix: str) -> bool:
    """True when the folded `text` has the folded `prefix` at a word start: "Đào tạo cán bộ" starts "tao c"."""
    wanted = tokens(prefix)
    if not wanted:
        return False
    have = tokens(text)
    *whole, last = wanted
    for i in range(len(have) - len(wanted) + 1):
        if have[i : i + len(whole)] == whole and have[i + len(whole)].startswith(last):
            return True
    return False


class ElasticsearchEngine:
    """Elasticsearch (or osmem-server in the tests) behind the `Engine` interface.

    `refresh=True` makes every write visible to the next search (tests); otherwise writes appear within the
    index's refresh interval (one second by default), which suits the background sync.
    """

    name = "elasticsearch"

    def __init__(self, url: str, prefix: str, timeout: float = 5, *, refresh: bool = False) -> None:
        self.url = url
        self.prefix = prefix
        self.alias = f"{prefix}-content"
        self.refresh_writes = refresh
        self.client = Elasticsearch(
            url, node_class=PlainJsonNode, request_timeout=timeout, max_retries=1, retry_on_timeout=False
        )
        # Writes run in the background and may carry megabytes: they get longer than a search may take.
        self.writer = self.client.options(request_timeout=max(timeout * 6, WRITE_TIMEOUT))
        self._ready = False

    # Index management

    def index_name(self) -> str:
        """A new concrete index name: the alias plus a UTC timestamp to the microsecond."""
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d%H%M%S%f")
        return f"{self.alias}-{stamp}"

    def concrete_indexes(self) -> list[str]:
        """The concrete indexes of this prefix, whether the alias points at them or not."""
        pattern = re.compile(rf"^{re.escape(self.alias)}-\d+$")
        with self._errors():
            found = self.client.indices.get(index=f"{self.alias}-*", allow_no_indices=True, expand_wildcards="all")
        return sorted(name for name in found.body if pattern.match(name))

    def aliased_indexes(self) -> list[str]:
        """The concrete indexes the alias points at (one, unless something went wrong)."""
        with self._errors():
            try:
                return sorted(self.client.indices.get_alias(name=self.alias).body)
            except NotFoundError:
                return []

    def _create_index(self, name: str, *, with_alias: bool, loading: bool = False) -> None:
        """Create `name`; `loading` is a rebuild's index, filled from the database before the alias moves to it."""
        index = Index(name)
        index.document(ContentDocument)
        index.settings(number_of_shards=1, **({"refresh_interval": "-1"} if loading else {}))
        if with_alias:
            index.aliases(**{self.alias: {}})
        body = index.to_dict()
        body["mappings"]["_meta"] = {"owner": OWNER, "mapping_version": MAPPING_VERSION, "complete": loading}
        with self._errors():
            self.client.indices.create(index=name, body=body)

    def ensure_index(self) -> None:
        """Create the first concrete index and the alias unless the alias exists. Such an index is marked as not
        built from the database: the next drain rebuilds it (`rebuild_reason`)."""
        if self._ready:
            return
        with self._errors():
            exists = self.client.indices.exists_alias(name=self.alias)
        if not exists:
            self._create_index(self.index_name(), with_alias=True)
            # Two processes starting at once may each have created one: keep the oldest, for both.
            self._delete_quietly(self.aliased_indexes()[1:])
        self._ready = True

    def rebuild_reason(self) -> str:
        """Why the index must be rebuilt from the database before it can be trusted, or "" when the alias points
        at one index this portal built from the database with today's mapping. Asks the engine every time."""
        pattern = re.compile(rf"^{re.escape(self.alias)}-\d+$")
        with self._errors():
            aliased = self.aliased_indexes()
            if not aliased:
                self._ready = False
                if self.client.indices.exists(index=self.alias):
                    return f"{self.alias} is an index this portal did not create, not an alias"
                return f"the alias {self.alias} is missing (a new or emptied cluster)"
            mappings = self.client.indices.get_mapping(index=",".join(aliased)).body
        if len(aliased) > 1:
            return f"the alias {self.alias} points at {len(aliased)} indexes"
        name = aliased[0]
        meta = mappings.get(name, {}).get("mappings", {}).get("_meta") or {}
        if not pattern.match(name) or meta.get("owner") != OWNER:
            return f"the alias {self.alias} points at {name}, an index this portal did not build"
        if meta.get("mapping_version") != MAPPING_VERSION:
            return (
                f"the index {name} has mapping version {meta.get('mapping_version')}, this portal needs "
                f"{MAPPING_VERSION}"
            )
        if not meta.get("complete"):
            return f"the index {name} was created empty, not built from the database"
        return ""

    def drop(self) -> None:
        """Delete the alias and every concrete index of this prefix."""
        names = self.concrete_indexes()
        if names:
            with self._errors():
                self.client.indices.delete(index=",".join(names))
        self._ready = False

    def refresh(self) -> None:
        """Make every write so far visible to searches."""
        self.ensure_index()
        with self._errors():
            self.client.indices.refresh(index=self.alias)

    # Writes

    def upsert(self, docs: Sequence[SearchDoc]) -> None:
        if not docs:
            return
        self.ensure_index()
        self._bulk(self.alias, ({"_id": doc.key, "_source": to_source(doc)} for doc in docs))

    def delete(self, keys: Sequence[str]) -> None:
        if not keys:
            return
        self.ensure_index()
        self._bulk(self.alias, ({"_op_type": "delete", "_id": key} for key in keys))

    def delete_page(self, page_id: int, keep: Iterable[str] = ()) -> None:
        self.ensure_index()
        doomed = Search(index=self.alias).filter("term", page_id=page_id).exclude("ids", values=list(keep))
        with self._errors():
            # delete_by_query only sees what a refresh made searchable: documents written by the previous
            # drain a moment ago (a page unpublished right after it was published) must be seen too.
            if not self.refresh_writes:
                self.writer.indices.refresh(index=self.alias)
            self.writer.delete_by_query(
                index=self.alias,
                body={"query": doomed.to_dict()["query"]},
                refresh=self.refresh_writes,
                conflicts="proceed",
            )

    def rebuild(self, docs: Iterator[SearchDoc]) -> int:
        """Load `docs` into a new concrete index, then move the alias to it and delete the old ones."""
        name = self.index_name()
        self._create_index(name, with_alias=False, loading=True)
        count = 0

        def actions() -> Iterator[dict[str, Any]]:
            nonlocal count
            for doc in docs:
                count += 1
                yield {"_id": doc.key, "_source": to_source(doc)}

        try:
            self._bulk(name, actions(), refresh=False)
            with self._errors():
                self.writer.indices.put_settings(index=name, settings={"index": {"refresh_interval": None}})
                self.writer.indices.refresh(index=name)
        except BaseException:  # the engine, or whatever produces the documents: leave no half-built index
            self._delete_quietly([name])
            raise
        old = [index for index in self.concrete_indexes() if index != name]
        swap = [{"remove": {"index": index, "alias": self.alias}} for index in self.aliased_indexes()]
        with self._errors():
            # No alias, but an index of its name (made by Elasticsearch itself on a write): it must give way.
            if not swap and self.client.indices.exists(index=self.alias):
                self.client.indices.delete(index=self.alias)
            self.client.indices.update_aliases(actions=[*swap, {"add": {"index": name, "alias": self.alias}}])
        self._ready = True
        self._delete_quietly(old)
        return count

    def _delete_quietly(self, names: list[str]) -> None:
        """Remove leftover indexes; a failure leaves garbage, not a broken search."""
        if not names:
            return
        with suppress(*ENGINE_ERRORS):
            self.client.indices.delete(index=",".join(names), ignore_unavailable=True)

    def _bulk(self, index: str, actions: Iterable[dict[str, Any]], refresh: bool | None = None) -> None:
        refresh = self.refresh_writes if refresh is None else refresh
        with self._errors():
            _, errors = bulk(
                self.writer,
                actions,
                index=index,
                chunk_size=BULK_CHUNK,
                max_chunk_bytes=BULK_BYTES,
                refresh=refresh,
                raise_on_error=False,
                stats_only=False,
            )
        failures = [error for error in errors if not _is_missing_delete(error)]  # type: ignore[union-attr]
        if failures:
            raise EngineUnavailable(f"bulk request failed for {len(failures)} documents: {failures[:3]}")

    # Reads

    def search(self, query: Query) -> ResultPage:
        self.ensure_index()
        search = Search(index=self.alias).extra(track_total_hits=True)
        matching = text_query(query)
        allowed = permission_filter(query.viewer)
        search = search.query(matching) if matching is not None else search.query("match_all")
        if allowed is not None:
            search = search.filter(allowed)
        filters = facet_filters(query)
        if filters:
            search = search.post_filter(Q("bool", filter=list(filters.values())))
        for facet in FACETS:
            others = [clause for name, clause in filters.items() if name != facet]
            terms = A("terms", field=FACET_FIELDS[facet], size=FACET_SIZE)
            search.aggs.bucket(facet, "filter", Q("bool", filter=others)).bucket("values", terms)
        if matching is None or query.sort == "newest":
            search = search.sort({"date": {"order": "desc", "missing": "_last"}}, "key")
        if matching is not None:
            search = search.highlight_options(**HIGHLIGHT)
            for field in SNIPPET_FIELDS:
                search = search.highlight(f"{field}.folded", fragment_size=SNIPPET_LENGTH, number_of_fragments=1)
        start = max(query.page - 1, 0) * query.per_page
        size = max(min(query.per_page, MAX_WINDOW - start), 0)
        search = search.extra(from_=start, size=size)
        response = self._search(search)
        return ResultPage(
            total=response["hits"]["total"]["value"],
            hits=[_hit(raw, _as_typed(query.text)) for raw in response["hits"]["hits"]],
            facets={
                facet: _facet_values(facet, response["aggregations"][facet]["values"]["buckets"]) for facet in FACETS
            },
            engine=self.name,
        )

    def complete(self, prefix: str, viewer: Viewer, limit: int = 8) -> list[str]:
        if not tokens(prefix) or limit <= 0:
            return []
        self.ensure_index()
        typed = " ".join(tokens(prefix))
        in_title = Q("match_phrase_prefix", **{"title.folded": {"query": typed, "max_expansions": 50}})
        as_typed = Q("match_phrase_prefix", **{"title": {"query": nfc(prefix), "max_expansions": 50, "boost": 2}})
        in_topic = Q("match_phrase_prefix", **{"topic_names.folded": {"query": typed, "max_expansions": 50}})
        # Titles are scored (those spelled as typed first); the topics come from an aggregation on the same
        # documents, so the hits are narrowed to the titles by a post_filter that leaves the aggregation alone.
        matching = Q("bool", filter=[in_title | in_topic], should=[in_title, as_typed])
        search = Search(index=self.alias).query(matching).post_filter(in_title).source(["title"])
        allowed = permission_filter(viewer)
        if allowed is not None:
            search = search.filter(allowed)
        search.aggs.bucket("topics", "filter", in_topic).bucket(
            "names", "terms", field="topic_names.raw", size=FACET_SIZE
        )
        search = search.extra(size=limit * 2)
        response = self._search(search)
        found: list[str] = []
        titles = [raw["_source"]["title"] for raw in response["hits"]["hits"]]
        names = sorted(bucket["key"] for bucket in response["aggregations"]["topics"]["names"]["buckets"])
        for text in [*titles, *names]:
            if text not in found and starts_words(text, prefix):
                found.append(text)
        return found[:limit]

    def digests(self) -> dict[str, str]:
        """Every key and digest, paged with search_after on the key (osmem-server has no point in time)."""
        self.ensure_index()
        found: dict[str, str] = {}
        after: list[Any] | None = None
        while True:
            search = Search(index=self.alias).sort("key").source(["key", "digest"]).extra(size=SCAN_PAGE)
            if after is not None:
                search = search.extra(search_after=after)
            hits = self._search(search)["hits"]["hits"]
            for raw in hits:
                found[raw["_source"]["key"]] = raw["_source"].get("digest", "")
            if len(hits) < SCAN_PAGE:
                return found
            after = hits[-1]["sort"]

    def get(self, key: str) -> SearchDoc | None:
        """The stored document with `key`, or None."""
        self.ensure_index()
        with self._errors():
            try:
                return from_source(self.client.get(index=self.alias, id=key)["_source"])
            except NotFoundError:
                return None

    def ping(self, timeout: float | None = None) -> bool:
        client = self.client if timeout is None else self.client.options(request_timeout=timeout)
        try:
            return bool(client.ping())
        except ENGINE_ERRORS:
            return False

    def close(self) -> None:
        self.client.close()

    def _search(self, search: Search) -> dict[str, Any]:
        with self._errors():
            return dict(self.client.search(index=self.alias, body=search.to_dict()).body)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except ENGINE_ERRORS as error:
            raise EngineUnavailable(f"{self.name} at {self.url}: {error}") from error


def _is_missing_delete(error: dict[str, Any]) -> bool:
    return "delete" in error and error["delete"].get("status") == 404


def _as_typed(text: str) -> frozenset[str]:
    """The words of a query typed with diacritics, lowercased: a window that says them so is shown first."""
    return frozenset(word.lower() for word in words(text) if has_diacritics(word))


def _hit(raw: dict[str, Any], as_typed: frozenset[str] = frozenset()) -> Hit:
    source = raw["_source"]
    return Hit(
        key=source["key"],
        type=source["type"],
        page_id=source["page_id"],
        title=source["title"],
        url=source["url"],
        date=_date(source.get("date")),
        unit_id=source.get("unit_id"),
        unit_name=source.get("unit_name", ""),
        snippet=snippet_from(source, raw.get("highlight", {})),
        score=raw.get("_score") or 0.0,
        parent_title=source.get("parent_title", ""),
        parent_url=source.get("parent_url", ""),
        moments=_moments(raw.get("inner_hits", {}), as_typed),
    )


def _moments(inner_hits: dict[str, Any], as_typed: frozenset[str] = frozenset()) -> tuple[Moment, ...]:
    """The matching transcript windows of every reading, each once, text highlighted: those that say the words
    typed with diacritics as typed first (windows are analysed folded only), then best scored first."""
    scored: dict[tuple[int, float, int | None, str], tuple[float, int, Moment]] = {}
    for result in inner_hits.values():
        for raw in result["hits"]["hits"]:
            source = raw["_source"]
            marked = raw.get("highlight", {}).get("moments.text")
            moment = _moment(source, marked[0] if marked else html.escape(source["text"]))
            score = raw.get("_score") or 0.0
            said = len(as_typed & {word.lower() for word in words(source["text"])}) if as_typed else 0
            place = (moment.part, moment.start, moment.slide, moment.link)
            if place not in scored or scored[place][0] < score:
                scored[place] = (score, said, moment)
    ranked = [
        (score, moment)
        for score, _, moment in sorted(
            scored.values(),
            key=lambda item: (-item[1], -item[0], item[2].part, item[2].start, item[2].slide or 0),
        )
    ]
    chosen = keep_a_slide(ranked, lambda item: item[1].slide is not None, MOMENTS_PER_HIT)
    return tuple(moment for _, moment in chosen)


def _facet_values(facet: str, buckets: list[dict[str, Any]]) -> list[FacetValue]:
    """Facet counts as URL values: types in their fixed order, years newest first, the rest by count."""
    values = [FacetValue(value=str(bucket["key"]), count=bucket["doc_count"]) for bucket in buckets]
    if facet == "type":
        return sorted(values, key=lambda value: TYPES.index(value.value) if value.value in TYPES else len(TYPES))
    if facet == "year":
        return sorted(values, key=lambda value: -int(value.value))
    return sorted(values, key=lambda value: (-value.count, value.value))
