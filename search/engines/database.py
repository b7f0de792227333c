"""The database search engine: the portal's own full-text search on SQLite (FTS5) or PostgreSQL (tsvector),
used when Elasticsearch is not configured or is down. Tables and indexes: `search.index_models`.

Why not Wagtail's database search: on SQLite it tokenises with FTS5's default tokenizer, so "dao tao" never
finds "đào tạo" and đ is never folded. Here every text is folded by `search.text.fold` before it is indexed and
every query word too, so both databases match the same way; the exact lowercased text with its diacritics is
indexed beside it only to rank exact spellings first.

How a search runs (measured at 5,000 entries and 200,000 transcript windows on SQLite):
1. the full-text index gives the entries whose folded text holds every word of one reading (the query text or
   an acronym variant), with a bm25 / ts_rank score; a few more lookups add boosts (every word in the title, the
   exact spelling typed, the words next to each other as typed);
2. trainings found by a transcript window: on SQLite, an index of whole transcripts says in a millisecond which
   trainings mention every word at all, and only those not already found by their own text get their windows
   checked (one pass over the 200,000 windows only when there are many);
3. permissions, filters and facets are worked out in Python over a per-process copy of the entries' few small
   columns (`Snapshot`, read again whenever the index token changes), with set operations: each facet counted
   with every filter but its own. At this scale that beats a SQL query per facet by far;
4. only the hits of the page are read in full, for snippets and the best transcript windows.
The scores of the last few texts are remembered with the snapshot: a facet click or the next page asks again.
Database errors are not caught: this engine is the fallback, there is nothing behind it.
"""

from __future__ import annotations

import datetime
import html
import re
import threading
import uuid
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import chain, islice
from typing import Any, Protocol

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

from search.engines.base import (
    FACETS,
    NOBODY,
    TRAINING,
    TYPES,
    FacetValue,
    Hit,
    Moment,
    Query,
    ResultPage,
    SearchDoc,
    Viewer,
    keep_a_slide,
)
from search.index_models import (
    MOMENT_ID_BITS,
    SQLITE_DELETE_TRIGGER_NAMES,
    SQLITE_DELETE_TRIGGERS,
    SearchEntry,
    SearchEntryGroup,
    SearchEntryTopic,
)
from search.text import fold, normalize, words

BATCH = 200  # documents per bulk write
IN_CHUNK = 500  # ids per "IN (...)" list
SNIPPET_CHARS = 200
SNIPPET_SCAN = 200_000  # characters of a long body searched for a snippet
MOMENTS_PER_HIT = 3
MOMENT_CANDIDATES = 8  # matching windows per training read (the earliest) and ranked in Python
COMPACT_EVERY = 40_000  # rows (entries and windows) written between two compactions of the FTS5 index
CHECK_WINDOWS = 300  # trainings whose windows are checked one by one; beyond, all windows are searched at once
FUZZY_ALTERNATIVES = 5
MAX_TERM = 60  # longer "words" (codes, URLs) stay out of the vocabulary

# Score: the full-text rank of an entry, scaled to at most TEXT_WEIGHT, plus boosts (the best reading's).
TEXT_WEIGHT = 0.5
TITLE_BOOST = 1.0
EXACT_BOOST = 1.5
PHRASE_BOOST = 0.5
MOMENT_WEIGHT = 0.4  # a training with a matching window (how many is not counted: too costly for common words)
VARIANT_WEIGHT = 0.9  # an acronym reading counts a little less than what was typed

_SEGMENTS = re.compile(
    r"[.,;:!?()\[\]{}\"\u201c\u201d/|\n\r\t\u2013\u2014-]+"
)  # vocabulary pairs never cross punctuation


# --- Readings of a query ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """One way to read the query: for each word its folded alternatives (one, or several for a typo), the
    exact lowercased words with diacritics worth boosting, and how much this reading counts."""

    slots: tuple[tuple[str, ...], ...]
    exact: tuple[str, ...] = ()
    weight: float = 1.0

    @property
    def phrase(self) -> tuple[str, ...]:
        """The words as one phrase, when there is more than one and no alternatives."""
        if len(self.slots) < 2 or any(len(slot) != 1 for slot in self.slots):
            return ()
        return tuple(slot[0] for slot in self.slots)

    @property
    def all_words(self) -> set[str]:
        return {word for slot in self.slots for word in slot}


def query_words(text: str) -> list[tuple[str, str]]:
    """The words of a query as (folded, lowercased as written); "_" splits words as the indexes do."""
    result = []
    for word in words(normalize(text)):
        for part in word.split("_"):
            if part:
                result.append((fold(part), part.lower()))
    return result


# `fold` costs a few microseconds a word, and a transcript repeats the same few thousand words: remember them.
fold_word = lru_cache(maxsize=200_000)(fold)


def folded_text(text: str) -> str:
    """What the full-text indexes see: the folded words joined by single spaces (`search.text.tokens`)."""
    return " ".join(map(fold_word, words(text)))


def exact_text(text: str) -> str:
    """The words as written, lowercased: for ranking exact spellings first."""
    return " ".join(word.lower() for word in words(text))


# --- Highlighting -----------------------------------------------------------------------------------------

_COMBINING = "\u0300-\u036f"


@cache
def _letter_classes() -> dict[str, str]:
    """For each folded letter, every Latin letter that folds to it ("d" → "dDđĐ…", "a" → "aàáảãạăằ…")."""
    classes: dict[str, list[str]] = defaultdict(list)
    for code in [*range(0x30, 0x250), *range(0x1E00, 0x1F00)]:
        char = chr(code)
        folded = fold(char)
        if len(folded) == 1 and folded.isalnum():
            classes[folded].append(char)
    return {letter: "".join(chars) for letter, chars in classes.items()}


class Highlighter:
    """Finds the words of a query in text as written, diacritics and case kept: the pattern allows, for each
    folded letter, every letter that folds to it, so positions are those of the original text."""

    def __init__(self, folded_words: Iterable[str]) -> None:
        classes = _letter_classes()
        patterns = []
        for word in sorted(set(folded_words), key=len, reverse=True):
            parts = [f"[{re.escape(classes.get(letter, letter))}][{_COMBINING}]*" for letter in word]
            patterns.append("".join(parts))
        self.pattern = (
            re.compile(rf"(?<![\w{_COMBINING}])(?:{'|'.join(patterns)})(?![\w{_COMBINING}])") if patterns else None
        )

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text) if self.pattern else None

    def matches(self, text: str) -> list[re.Match[str]]:
        return list(self.pattern.finditer(text)) if self.pattern else []

    def mark(self, text: str) -> str:
        """`text` HTML-escaped, with <mark> around every query word."""
        out, position = [], 0
        for match in self.matches(text):
            out.append(html.escape(text[position : match.start()]))
            out.append(f"<mark>{html.escape(match.group())}</mark>")
            position = match.end()
        out.append(html.escape(text[position:]))
        return "".join(out)

    def best_window(self, text: str, size: int = SNIPPET_CHARS) -> tuple[int, int] | None:
        """Where a window of `size` characters of `text` holds the most different query words, as (how many,
        -start), so the first of several equally good windows wins; None when no query word occurs."""
        if self.pattern is None:
            return None
        found = [(m.start(), fold_word(m.group())) for m in islice(self.pattern.finditer(text, 0, SNIPPET_SCAN), 500)]
        if not found:
            return None
        reach = size * 2 // 3
        best = (0, 0)
        inside: Counter[str] = Counter()
        end = 0
        for start, word in found:
            while end < len(found) and found[end][0] < start + reach:
                inside[found[end][1]] += 1
                end += 1
            best = max(best, (len(inside), -start))
            inside[word] -= 1
            if not inside[word]:
                del inside[word]
        return best

    def snippet(self, text: str, size: int = SNIPPET_CHARS, window: tuple[int, int] | None = None) -> str | None:
        """About `size` characters of `text` around its best window of query words, marked; None when no query
        word occurs."""
        window = window or self.best_window(text, size)
        if window is None:
            return None
        first = -window[1]
        start = max(0, first - size // 3)
        if start:
            space = text.rfind(" ", max(0, start - 20), first)
            start = space + 1 if space >= 0 else start
        end = min(len(text), start + size)
        if end < len(text):
            space = text.rfind(" ", first, end)
            end = space if space > first else end
        fragment = self.mark(text[start:end].strip())
        return ("…" if start else "") + fragment + ("…" if end < len(text) else "")

    def best_snippet(self, *texts: str) -> str | None:
        """The snippet of whichever text holds the most different query words (the first on a tie)."""
        windows = [(window[0], -i, i, window) for i, text in enumerate(texts) if (window := self.best_window(text))]
        if not windows:
            return None
        *_, i, window = max(windows)
        return self.snippet(texts[i], window=window)


def _has_phrase(matches: Sequence[tuple[int, int, str]], folded: Sequence[str], phrase: Sequence[str]) -> bool:
    """Whether the matched words include `phrase`, word after word with at most a space or a comma between."""
    size = len(phrase)
    for i in range(len(folded) - size + 1):
        if all(folded[i + k] == phrase[k] for k in range(size)) and all(
            matches[i + k + 1][0] - matches[i + k][1] <= 2 for k in range(size - 1)
        ):
            return True
    return False


def plain_snippet(text: str, size: int = SNIPPET_CHARS) -> str:
    """The start of `text`, escaped, cut at a word."""
    text = " ".join(text[: size * 2].split())
    if len(text) <= size:
        return html.escape(text)
    cut = text.rfind(" ", 0, size)
    return html.escape(text[: cut if cut > 0 else size]) + "…"


# --- Typos ------------------------------------------------------------------------------------------------


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of two neighbours counts one), or limit + 1 when larger."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def typo_limit(word: str) -> int:
    """How many wrong letters a word may have: none when it is one letter or a number, one up to four
    letters (most Vietnamese syllables), two beyond."""
    if len(word) < 2 or word.isdigit():
        return 0
    return 1 if len(word) <= 4 else 2


def nearest_words(word: str, vocabulary: dict[str, int]) -> list[tuple[int, str]]:
    """Vocabulary words within the typo limit of `word`, as (distance, word), closest and commonest first."""
    limit = typo_limit(word)
    if not limit:
        return []
    found = []
    for candidate, count in vocabulary.items():
        if candidate != word and abs(len(candidate) - len(word)) <= limit:
            distance = edit_distance(word, candidate, limit)
            if distance <= limit:
                found.append((distance, -count, candidate))
    found.sort()
    return [(distance, candidate) for distance, _, candidate in found]


# --- Vocabulary -------------------------------------------------------------------------------------------

TermKey = tuple[str, str, int]  # (folded, written, size)


def entry_terms(title: str, summary: str, topic_names: Iterable[str]) -> set[TermKey]:
    """The words and pairs of neighbouring words of a title, a summary and topic names, each once."""
    keys: set[TermKey] = set()
    for text in (title, summary, *topic_names):
        for segment in _SEGMENTS.split(text):
            written = [word.lower() for word in words(segment) if len(word) <= MAX_TERM]
            folded = [fold_word(word) for word in written]
            keys.update((f, w, 1) for f, w in zip(folded, written, strict=True))
            for i in range(len(written) - 1):
                keys.add((f"{folded[i]} {folded[i + 1]}", f"{written[i]} {written[i + 1]}", 2))
    return keys


def doc_terms(doc: SearchDoc) -> set[TermKey]:
    # Only what everyone signed in may see feeds suggestions: no draft, no restricted title leaks through them.
    if not doc.live or doc.groups:
        return set()
    return entry_terms(doc.title, doc.summary, (name for _, name in doc.topics))


# --- Database dialects ------------------------------------------------------------------------------------


class Dialect(Protocol):
    def entry_scores(self, cursor: Any, readings: Sequence[Reading]) -> dict[int, float]: ...
    def title_ids(self, cursor: Any, reading: Reading) -> set[int]: ...
    def exact_ids(self, cursor: Any, reading: Reading) -> set[int]: ...
    def phrase_ids(self, cursor: Any, reading: Reading) -> set[int]: ...
    def moment_entries(self, cursor: Any, readings: Sequence[Reading], matched: set[int]) -> set[int]: ...
    def index_transcripts(self, cursor: Any, entry_ids: Sequence[int]) -> None: ...
    def unindex_transcripts(self, cursor: Any, entry_ids: Sequence[int]) -> None: ...
    def hit_moments(self, cursor: Any, readings: Sequence[Reading], entry_ids: Sequence[int]) -> list[tuple]: ...
    def known(self, cursor: Any, word: str) -> bool: ...
    def clear(self, cursor: Any) -> None: ...
    def compact(self, cursor: Any) -> None: ...
    def analyze(self, cursor: Any) -> None: ...


def _fts_string(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _fts_all(slots: Iterable[tuple[str, ...]]) -> str:
    parts = []
    for slot in slots:
        quoted = [_fts_string(word) for word in slot]
        parts.append(quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")")
    return " AND ".join(parts)


_FOLDED_COLUMNS = "{title_folded meta_folded body_folded}"


class SQLiteDialect:
    """FTS5: bm25 with the title counting most; windows found by rowid, never read, to count them."""

    def _ids(self, cursor: Any, match: str) -> set[int]:
        cursor.execute("SELECT rowid FROM search_entry_fts WHERE search_entry_fts MATCH %s", [match])
        return {row[0] for row in cursor.fetchall()}

    def entry_scores(self, cursor: Any, readings: Sequence[Reading]) -> dict[int, float]:
        match = " OR ".join(f"({_FOLDED_COLUMNS} : ({_fts_all(reading.slots)}))" for reading in readings)
        cursor.execute(
            "SELECT rowid, -bm25(search_entry_fts, 8.0, 3.0, 1.0, 0.0, 0.0) FROM search_entry_fts "
            "WHERE search_entry_fts MATCH %s",
            [match],
        )
        return {row[0]: row[1] for row in cursor.fetchall()}

    def title_ids(self, cursor: Any, reading: Reading) -> set[int]:
        return self._ids(cursor, f"{{title_folded}} : ({_fts_all(reading.slots)})")

    def exact_ids(self, cursor: Any, reading: Reading) -> set[int]:
        return self._ids(cursor, f"{{exact_title exact}} : ({_fts_all((word,) for word in reading.exact)})")

    def phrase_ids(self, cursor: Any, reading: Reading) -> set[int]:
        return self._ids(cursor, f"{_FOLDED_COLUMNS} : {_fts_string(' '.join(reading.phrase))}")

    def _moment_match(self, readings: Sequence[Reading]) -> str:
        return " OR ".join(f"({_fts_all(reading.slots)})" for reading in readings)

    def moment_entries(self, cursor: Any, readings: Sequence[Reading], matched: set[int]) -> set[int]:
        """The trainings with a window holding every word of a reading. The whole transcripts say which trainings
        may have one; only those not `matched` by their own text need their windows checked (for the others the
        transcript is taken at its word: it only adds to their score)."""
        match = self._moment_match(readings)
        cursor.execute("SELECT rowid FROM search_transcript_fts WHERE search_transcript_fts MATCH %s", [match])
        mentioned = {row[0] for row in cursor.fetchall()}
        unsure = sorted(mentioned - matched)
        if len(unsure) > CHECK_WINDOWS:
            # Many trainings found by their transcript alone: one pass over all the windows instead.
            cursor.execute(
                f"SELECT DISTINCT rowid >> {MOMENT_ID_BITS} FROM search_moment_fts "  # noqa: S608
                "WHERE search_moment_fts MATCH %s",
                [match],
            )
            return {row[0] for row in cursor.fetchall()} | (mentioned & matched)
        confirmed = mentioned & matched
        for entry_id in unsure:
            cursor.execute(
                "SELECT 1 FROM search_moment_fts WHERE search_moment_fts MATCH %s AND rowid BETWEEN %s AND %s LIMIT 1",
                [match, entry_id << MOMENT_ID_BITS, ((entry_id + 1) << MOMENT_ID_BITS) - 1],
            )
            if cursor.fetchone():
                confirmed.add(entry_id)
        return confirmed

    def index_transcripts(self, cursor: Any, entry_ids: Sequence[int]) -> None:
        for chunk in _chunks(entry_ids):
            cursor.execute(
                "INSERT INTO search_transcript_fts(rowid, folded) "  # noqa: S608
                f"SELECT id, folded FROM search_transcript WHERE id IN ({_placeholders(chunk)})",
                list(chunk),
            )

    def unindex_transcripts(self, cursor: Any, entry_ids: Sequence[int]) -> None:
        # Before the windows go: FTS5 removes a row by the very text it indexed.
        for chunk in _chunks(entry_ids):
            cursor.execute(
                "INSERT INTO search_transcript_fts(search_transcript_fts, rowid, folded) "  # noqa: S608
                f"SELECT 'delete', id, folded FROM search_transcript WHERE id IN ({_placeholders(chunk)})",
                list(chunk),
            )

    def hit_moments(self, cursor: Any, readings: Sequence[Reading], entry_ids: Sequence[int]) -> list[tuple]:
        # The first matching windows of each training, not the best by bm25: ranking needs the document count of
        # every word over all 200,000 windows (10+ ms a training); Python ranks these few instead.
        # Windows and slides are read apart, so that a training with many matching windows still shows its slide.
        match = self._moment_match(readings)
        branch = (
            "SELECT * FROM (SELECT m.entry_id, m.id, m.part, m.start_time, m.end_time, m.text, m.slide, m.link "
            "FROM search_moment_fts JOIN search_searchmoment m ON m.id = search_moment_fts.rowid "
            "WHERE search_moment_fts MATCH %s AND search_moment_fts.rowid BETWEEN %s AND %s "
            "AND m.slide IS {} NULL LIMIT %s)"
        )
        rows: list[tuple] = []
        for entry_id in entry_ids:
            window = [match, entry_id << MOMENT_ID_BITS, ((entry_id + 1) << MOMENT_ID_BITS) - 1, MOMENT_CANDIDATES]
            cursor.execute(f"{branch.format('')} UNION ALL {branch.format('NOT')}", [*window, *window])
            rows.extend(cursor.fetchall())
        return rows

    def known(self, cursor: Any, word: str) -> bool:
        cursor.execute(
            "SELECT 1 FROM search_entry_fts WHERE search_entry_fts MATCH %s LIMIT 1",
            [f"{_FOLDED_COLUMNS} : {_fts_string(word)}"],
        )
        if cursor.fetchone():
            return True
        cursor.execute("SELECT 1 FROM search_moment_fts WHERE search_moment_fts MATCH %s LIMIT 1", [_fts_string(word)])
        return cursor.fetchone() is not None

    def clear(self, cursor: Any) -> None:
        # Emptying row by row would run the delete trigger 200,000 times: empty the FTS tables at once instead,
        # without the triggers, and put them back (all in the caller's transaction).
        for name in SQLITE_DELETE_TRIGGER_NAMES:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute("INSERT INTO search_entry_fts(search_entry_fts) VALUES ('delete-all')")
        cursor.execute("INSERT INTO search_moment_fts(search_moment_fts) VALUES ('delete-all')")
        cursor.execute("INSERT INTO search_transcript_fts(search_transcript_fts) VALUES ('delete-all')")
        for table in _TABLES:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - table names are constants
        for statement in SQLITE_DELETE_TRIGGERS:
            cursor.execute(statement)

    def analyze(self, cursor: Any) -> None:
        cursor.execute("ANALYZE search_searchentry")
        cursor.execute("ANALYZE search_searchmoment")

    def compact(self, cursor: Any) -> None:
        cursor.execute("INSERT INTO search_entry_fts(search_entry_fts) VALUES ('optimize')")
        cursor.execute("INSERT INTO search_moment_fts(search_moment_fts) VALUES ('optimize')")
        cursor.execute("INSERT INTO search_transcript_fts(search_transcript_fts) VALUES ('optimize')")


def _lexeme(word: str, weight: str = "") -> str:
    quoted = "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
    return f"{quoted}:{weight}" if weight else quoted


def _tsquery_all(slots: Iterable[tuple[str, ...]], weight: str = "") -> str:
    parts = []
    for slot in slots:
        lexemes = [_lexeme(word, weight) for word in slot]
        parts.append(lexemes[0] if len(lexemes) == 1 else "(" + " | ".join(lexemes) + ")")
    return " & ".join(parts)


class PostgreSQLDialect:
    """tsvector columns over the folded text (config 'simple': the text is folded already), GIN indexes."""

    def _ids(self, cursor: Any, column: str, tsquery: str) -> set[int]:
        cursor.execute(
            f"SELECT id FROM search_searchentry WHERE {column} @@ to_tsquery('simple', %s)",  # noqa: S608
            [tsquery],
        )
        return {row[0] for row in cursor.fetchall()}

    def entry_scores(self, cursor: Any, readings: Sequence[Reading]) -> dict[int, float]:
        tsquery = " | ".join(f"({_tsquery_all(reading.slots)})" for reading in readings)
        cursor.execute(
            "SELECT id, ts_rank(tsv, q) FROM search_searchentry, to_tsquery('simple', %s) q WHERE tsv @@ q",
            [tsquery],
        )
        return {row[0]: row[1] for row in cursor.fetchall()}

    def title_ids(self, cursor: Any, reading: Reading) -> set[int]:
        return self._ids(cursor, "tsv", _tsquery_all(reading.slots, "A"))

    def exact_ids(self, cursor: Any, reading: Reading) -> set[int]:
        return self._ids(cursor, "exact_tsv", _tsquery_all((word,) for word in reading.exact))

    def phrase_ids(self, cursor: Any, reading: Reading) -> set[int]:
        return self._ids(cursor, "tsv", " <-> ".join(_lexeme(word) for word in reading.phrase))

    def _moment_query(self, readings: Sequence[Reading]) -> str:
        return " | ".join(f"({_tsquery_all(reading.slots)})" for reading in readings)

    def moment_entries(self, cursor: Any, readings: Sequence[Reading], matched: set[int]) -> set[int]:
        cursor.execute(
            "SELECT DISTINCT entry_id FROM search_searchmoment WHERE tsv @@ to_tsquery('simple', %s)",
            [self._moment_query(readings)],
        )
        return {row[0] for row in cursor.fetchall()}

    def index_transcripts(self, cursor: Any, entry_ids: Sequence[int]) -> None:
        pass  # the GIN index over the windows answers fast enough

    def unindex_transcripts(self, cursor: Any, entry_ids: Sequence[int]) -> None:
        pass

    def hit_moments(self, cursor: Any, readings: Sequence[Reading], entry_ids: Sequence[int]) -> list[tuple]:
        # The first matching windows of each training (by its index on entry_id), as on SQLite: no ts_rank over
        # every matching window.
        # Windows and slides apart, as on SQLite.
        branch = (
            "SELECT m.entry_id, m.id, m.part, m.start_time, m.end_time, m.text, m.slide, m.link "
            "FROM unnest(%s::bigint[]) AS t(entry_id), to_tsquery('simple', %s) q, LATERAL ("
            # OFFSET 0 keeps the planner on the entry_id index: the GIN one would read every matching window.
            "SELECT * FROM (SELECT * FROM search_searchmoment w WHERE w.entry_id = t.entry_id ORDER BY w.id OFFSET 0)"
            " x WHERE x.tsv @@ q AND x.slide IS {} NULL LIMIT %s) m"
        )
        params = [list(entry_ids), self._moment_query(readings), MOMENT_CANDIDATES]
        cursor.execute(f"{branch.format('')} UNION ALL {branch.format('NOT')}", [*params, *params])
        return cursor.fetchall()

    def known(self, cursor: Any, word: str) -> bool:
        # count(*), not EXISTS: for a word missing from the statistics (a typo) the planner would scan the whole
        # table for EXISTS, and takes the GIN index for a count.
        cursor.execute(
            "SELECT (SELECT count(*) FROM search_searchentry WHERE tsv @@ to_tsquery('simple', %s)) "
            "+ (SELECT count(*) FROM search_searchmoment WHERE tsv @@ to_tsquery('simple', %s))",
            [_lexeme(word), _lexeme(word)],
        )
        return bool(cursor.fetchone()[0])

    def clear(self, cursor: Any) -> None:
        # DELETE, not TRUNCATE: readers keep their snapshot instead of waiting for the rebuild's lock.
        for table in _TABLES:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - table names are constants

    def compact(self, cursor: Any) -> None:
        # GIN indexes merge their pending lists themselves; after many writes, fresh statistics keep the planner
        # on the GIN indexes for rare words instead of scanning.
        self.analyze(cursor)

    def analyze(self, cursor: Any) -> None:
        cursor.execute("ANALYZE search_searchentry")
        cursor.execute("ANALYZE search_searchmoment")


_TABLES = [
    "search_searchmoment",
    "search_searchentrytopic",
    "search_searchentrygroup",
    "search_searchentry",
    "search_searchterm",
]


# --- The engine -------------------------------------------------------------------------------------------


@dataclass
class Snapshot:
    """The small columns of every entry, for permissions, filters, facets and sorting: read once and kept by
    each process until the index token changes (`SearchIndexState`), so a search reads no row of the entries
    table but the page's hits. About 100 bytes an entry."""

    token: str
    type: dict[int, str] = field(default_factory=dict)
    year: dict[int, int] = field(default_factory=dict)
    unit: dict[int, int] = field(default_factory=dict)
    work_field: dict[int, int] = field(default_factory=dict)
    date: dict[int, str] = field(default_factory=dict)  # ISO dates, "" when none: sorts newest first
    topics: dict[int, list[int]] = field(default_factory=dict)
    public: set[int] = field(default_factory=set)  # live, for everyone signed in
    restricted: dict[int, set[int]] = field(default_factory=dict)  # live, for these groups only
    drafts: dict[int, int | None] = field(default_factory=dict)  # unpublished, with their unit
    order: dict[int, int] = field(default_factory=dict)  # position from the newest (date, then id)
    vocabulary: dict[str, int] | None = None  # folded word → entries using it, read when a typo needs it
    scores: OrderedDict[tuple[Reading, ...], dict[int, float]] = field(default_factory=OrderedDict)

    def visible(self, viewer: Viewer) -> set[int]:
        if viewer.superuser:
            return set(self.type)
        seen = set(self.public)
        groups = {group for group in viewer.groups if group != NOBODY}
        if groups:
            seen.update(entry for entry, allowed in self.restricted.items() if not allowed.isdisjoint(groups))
        if viewer.all_drafts:
            seen.update(self.drafts)
        elif viewer.draft_unit is not None:
            seen.update(entry for entry, unit in self.drafts.items() if unit == viewer.draft_unit)
        return seen


_snapshots: dict[str, Snapshot] = {}  # by database alias
_cache_lock = threading.Lock()  # for the score caches: a process may serve requests from several threads
SCORE_CACHE = 16  # queries whose scores a snapshot remembers: facet clicks and paging ask for the same text again


def _chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _placeholders(items: Sized) -> str:
    return ", ".join(["%s"] * len(items))


def _date(value: Any) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


class DatabaseEngine:
    """The `Engine` over the project's database. `DatabaseEngine(using="default")`; also `suggest(text)`."""

    name = "database"

    def __init__(self, using: str = DEFAULT_DB_ALIAS) -> None:
        self.using = using

    # --- writing ------------------------------------------------------------------------------------------

    @property
    def _connection(self) -> Any:
        return connections[self.using]

    def _dialect(self) -> Dialect:
        vendor = self._connection.vendor
        if vendor == "sqlite":
            return SQLiteDialect()
        if vendor == "postgresql":
            return PostgreSQLDialect()
        raise NotImplementedError(f"The database search engine supports SQLite and PostgreSQL, not {vendor}.")

    def upsert(self, docs: Sequence[SearchDoc]) -> None:
        with transaction.atomic(using=self.using):
            for batch in _chunks(list(docs), BATCH):
                self._upsert_batch(batch)
            self._compact_if_due(self._dialect())

    def delete(self, keys: Sequence[str]) -> None:
        keys = list(keys)
        with transaction.atomic(using=self.using):
            ids: list[int] = []
            for chunk in _chunks(keys):
                ids.extend(SearchEntry.objects.using(self.using).filter(key__in=chunk).values_list("id", flat=True))
            self._remove(ids)

    def delete_page(self, page_id: int, keep: Iterable[str] = ()) -> None:
        keep = set(keep)
        with transaction.atomic(using=self.using):
            rows = SearchEntry.objects.using(self.using).filter(page_id=page_id).values_list("id", "key")
            self._remove([entry_id for entry_id, key in rows if key not in keep])

    def digests(self) -> dict[str, str]:
        return dict(SearchEntry.objects.using(self.using).values_list("key", "digest"))

    def rebuild(self, docs: Iterator[SearchDoc]) -> int:
        """Empty the index and load `docs`, in one transaction: searches meanwhile see the old index."""
        dialect = self._dialect()
        count = 0
        docs = iter(docs)
        with transaction.atomic(using=self.using):
            with self._connection.cursor() as cursor:
                dialect.clear(cursor)
                self._touch(cursor, 0)
            while batch := list(islice(docs, BATCH)):
                self._upsert_batch(batch)
                count += len(batch)
            with self._connection.cursor() as cursor:
                dialect.compact(cursor)
                dialect.analyze(cursor)
                cursor.execute("UPDATE search_searchindexstate SET changes = 0 WHERE id = 1")
        return count

    def rebuild_reason(self) -> str:
        return ""  # its table lives and dies with the database it is built from

    def ping(self, timeout: float | None = None) -> bool:
        try:
            with self._connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM search_searchentry LIMIT 1")
        except DatabaseError:
            return False
        return True

    def _upsert_batch(self, docs: Sequence[SearchDoc]) -> None:
        by_key = {doc.key: doc for doc in docs}  # the last of one key wins
        existing = {
            key: (entry_id, digest)
            for key, entry_id, digest in SearchEntry.objects.using(self.using)
            .filter(key__in=list(by_key))
            .values_list("key", "id", "digest")
        }
        changed = [
            doc
            for key, doc in by_key.items()
            if not (key in existing and doc.digest and existing[key][1] == doc.digest)
        ]
        if not changed:
            return
        self._remove([existing[doc.key][0] for doc in changed if doc.key in existing])
        entries = [self._entry(doc) for doc in changed]
        SearchEntry.objects.using(self.using).bulk_create(entries)
        topics: list[SearchEntryTopic] = []
        groups: list[SearchEntryGroup] = []
        moments: list[tuple[Any, ...]] = []
        terms: Counter[TermKey] = Counter()
        for doc, entry in zip(changed, entries, strict=True):
            topics.extend(SearchEntryTopic(entry=entry, topic_id=tid, name=name) for tid, name in doc.topics)
            groups.extend(SearchEntryGroup(entry=entry, group_id=group) for group in set(doc.groups))
            base = entry.pk << MOMENT_ID_BITS
            for i, moment in enumerate(doc.moments[: 1 << MOMENT_ID_BITS]):
                moments.append(
                    (
                        base + i,
                        entry.pk,
                        moment.part,
                        moment.start,
                        moment.end,
                        moment.text,
                        folded_text(moment.text),
                        moment.slide,
                        moment.link or None,
                    )
                )
            terms.update(doc_terms(doc))
        SearchEntryTopic.objects.using(self.using).bulk_create(topics)
        SearchEntryGroup.objects.using(self.using).bulk_create(groups)
        with self._connection.cursor() as cursor:
            if moments:
                cursor.executemany(
                    "INSERT INTO search_searchmoment "
                    "(id, entry_id, part, start_time, end_time, text, folded, slide, link) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    moments,
                )
                self._dialect().index_transcripts(
                    cursor, [entry.pk for doc, entry in zip(changed, entries, strict=True) if doc.moments]
                )
            self._count_terms(cursor, terms)
            self._touch(cursor, len(entries) + len(moments))

    @staticmethod
    def _entry(doc: SearchDoc) -> SearchEntry:
        topic_names = " ".join(name for _, name in doc.topics)
        meta = " ".join([doc.summary, topic_names, doc.unit_name, doc.field_name, doc.parent_title])
        return SearchEntry(
            key=doc.key,
            type=doc.type,
            page_id=doc.page_id,
            title=doc.title,
            url=doc.url,
            date=doc.date,
            year=doc.year,
            summary=doc.summary,
            body=doc.body,
            unit_id=doc.unit_id,
            unit_name=doc.unit_name,
            field_id=doc.field_id,
            field_name=doc.field_name,
            parent_title=doc.parent_title,
            parent_url=doc.parent_url,
            live=doc.live,
            restricted=bool(doc.groups),
            digest=doc.digest,
            title_folded=folded_text(doc.title),
            meta_folded=folded_text(meta),
            body_folded=folded_text(doc.body),
            exact_title=exact_text(doc.title),
            exact=exact_text(f"{meta} {doc.body}"),
        )

    def _remove(self, ids: Sequence[int]) -> None:
        """Delete entries by id with their windows, topics and groups, and take their words off the vocabulary."""
        if not ids:
            return
        terms: Counter[TermKey] = Counter()
        with self._connection.cursor() as cursor:
            for chunk in _chunks(list(ids)):
                marks = _placeholders(chunk)
                cursor.execute(
                    f"SELECT e.id, e.title, e.summary, e.live, e.restricted FROM search_searchentry e "  # noqa: S608
                    f"WHERE e.id IN ({marks})",
                    list(chunk),
                )
                rows = cursor.fetchall()
                cursor.execute(
                    f"SELECT entry_id, name FROM search_searchentrytopic WHERE entry_id IN ({marks})",  # noqa: S608
                    list(chunk),
                )
                names: dict[int, list[str]] = defaultdict(list)
                for entry_id, name in cursor.fetchall():
                    names[entry_id].append(name)
                for entry_id, title, summary, live, restricted in rows:
                    if live and not restricted:
                        terms.subtract(entry_terms(title, summary, names[entry_id]))
                self._dialect().unindex_transcripts(cursor, list(chunk))
                for table in ("search_searchmoment", "search_searchentrytopic", "search_searchentrygroup"):
                    cursor.execute(f"DELETE FROM {table} WHERE entry_id IN ({marks})", list(chunk))  # noqa: S608
                cursor.execute(f"DELETE FROM search_searchentry WHERE id IN ({marks})", list(chunk))  # noqa: S608
            self._count_terms(cursor, terms)
            self._touch(cursor, len(ids))

    @staticmethod
    def _count_terms(cursor: Any, terms: Counter[TermKey]) -> None:
        rows = [(folded, written, size, delta) for (folded, written, size), delta in terms.items() if delta]
        if not rows:
            return
        cursor.executemany(
            "INSERT INTO search_searchterm (folded, written, size, count) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (folded, written) DO UPDATE SET count = search_searchterm.count + excluded.count",
            rows,
        )
        if any(delta < 0 for *_, delta in rows):
            cursor.execute("DELETE FROM search_searchterm WHERE count <= 0")

    # --- reading ------------------------------------------------------------------------------------------

    def search(self, query: Query) -> ResultPage:
        dialect = self._dialect()
        with self._connection.cursor() as cursor:
            snapshot = self._snapshot(cursor)
            visible = snapshot.visible(query.viewer)
            readings = self._readings(cursor, dialect, query, snapshot)
            scores: dict[int, float] = {}
            if readings:
                scores = self._cached_scores(cursor, dialect, readings, snapshot)
                candidates = visible.intersection(scores)
            else:
                candidates = visible
            results, facets = self._filter(query, snapshot, candidates)
            ordered = sorted(results, key=snapshot.order.__getitem__)
            if readings and query.sort != "newest":
                ordered.sort(key=scores.__getitem__, reverse=True)  # stable: the newest first among equals
            page = max(1, query.page)
            page_ids = ordered[(page - 1) * query.per_page : page * query.per_page]
            hits = self._hits(cursor, dialect, readings, page_ids, scores)
        return ResultPage(total=len(ordered), hits=hits, facets=facets, engine=self.name)

    def _cached_scores(
        self, cursor: Any, dialect: Dialect, readings: Sequence[Reading], snapshot: Snapshot
    ) -> dict[int, float]:
        key = tuple(readings)
        with _cache_lock:
            scores = snapshot.scores.get(key)
            if scores is not None:
                snapshot.scores.move_to_end(key)
                return scores
        scores = self._scores(cursor, dialect, readings)
        with _cache_lock:
            snapshot.scores[key] = scores
            while len(snapshot.scores) > SCORE_CACHE:
                snapshot.scores.popitem(last=False)
        return scores

    def _snapshot(self, cursor: Any) -> Snapshot:
        cursor.execute("SELECT token FROM search_searchindexstate WHERE id = 1")
        row = cursor.fetchone()
        token = row[0] if row else ""
        snapshot = _snapshots.get(self.using)
        if snapshot is not None and snapshot.token == token:
            return snapshot
        snapshot = Snapshot(token)
        cursor.execute(
            "SELECT id, type, year, unit_id, field_id, date, live, restricted FROM search_searchentry ORDER BY id"
        )
        for entry, type_, year, unit, field_, date, live, restricted in cursor.fetchall():
            snapshot.type[entry] = type_
            snapshot.topics[entry] = []
            snapshot.date[entry] = str(date) if date else ""
            if year is not None:
                snapshot.year[entry] = year
            if unit is not None:
                snapshot.unit[entry] = unit
            if field_ is not None:
                snapshot.work_field[entry] = field_
            if not live:
                snapshot.drafts[entry] = unit
            elif restricted:
                snapshot.restricted[entry] = set()
            else:
                snapshot.public.add(entry)
        cursor.execute("SELECT entry_id, topic_id FROM search_searchentrytopic ORDER BY id")
        for entry, topic in cursor.fetchall():
            if entry in snapshot.topics:
                snapshot.topics[entry].append(topic)
        newest = sorted(snapshot.type, key=lambda e: (snapshot.date[e], e), reverse=True)
        snapshot.order = {entry: position for position, entry in enumerate(newest)}
        cursor.execute("SELECT entry_id, group_id FROM search_searchentrygroup")
        for entry, group in cursor.fetchall():
            if entry in snapshot.restricted:
                snapshot.restricted[entry].add(group)
        _snapshots[self.using] = snapshot
        return snapshot

    @staticmethod
    def _touch(cursor: Any, rows: int) -> None:
        """A new token (every process reads the entries' small columns again before its next search), and
        `rows` more written since the full-text index was last compacted."""
        cursor.execute(
            "INSERT INTO search_searchindexstate (id, token, changes) VALUES (1, %s, %s) "
            "ON CONFLICT (id) DO UPDATE SET token = excluded.token, "
            "changes = search_searchindexstate.changes + excluded.changes",
            [uuid.uuid4().hex, rows],
        )

    def _compact_if_due(self, dialect: Dialect) -> None:
        """Merge the full-text index into one segment once COMPACT_EVERY rows were written since the last time:
        every write adds a segment, and each segment is one more b-tree that every query has to open. About a
        second for 200,000 windows, so a few percent of the time it took to write them."""
        with self._connection.cursor() as cursor:
            cursor.execute("SELECT changes FROM search_searchindexstate WHERE id = 1")
            row = cursor.fetchone()
            if row and row[0] >= COMPACT_EVERY:
                dialect.compact(cursor)
                cursor.execute("UPDATE search_searchindexstate SET changes = 0 WHERE id = 1")

    def _readings(self, cursor: Any, dialect: Dialect, query: Query, snapshot: Snapshot) -> list[Reading]:
        readings: list[Reading] = []
        seen = set()
        for i, text in enumerate([query.text, *query.variants]):
            pairs = query_words(text)
            if not pairs:
                continue
            slots: list[tuple[str, ...]] = [(folded,) for folded, _ in pairs]
            exact = [written for folded, written in pairs if written != folded]
            if query.fuzzy:
                vocabulary = self._vocabulary(cursor, snapshot)
                for j, (folded, written) in enumerate(pairs):
                    if folded not in vocabulary and not dialect.known(cursor, folded):
                        nearest = [word for _, word in nearest_words(folded, vocabulary)[:FUZZY_ALTERNATIVES]]
                        if nearest:
                            slots[j] = tuple(nearest)
                            exact = [word for word in exact if word != written]
            key = tuple(slots)
            if key not in seen:
                seen.add(key)
                readings.append(Reading(key, tuple(exact), 1.0 if i == 0 else VARIANT_WEIGHT))
        return readings

    @staticmethod
    def _vocabulary(cursor: Any, snapshot: Snapshot) -> dict[str, int]:
        if snapshot.vocabulary is None:
            cursor.execute("SELECT folded, SUM(count) FROM search_searchterm WHERE size = 1 GROUP BY folded")
            snapshot.vocabulary = dict(cursor.fetchall())
        return snapshot.vocabulary

    def _permission_sql(self, viewer: Viewer) -> tuple[str, list[Any]]:
        """A WHERE condition on `e` (search_searchentry) for what `viewer` may see."""
        if viewer.superuser:
            return "1 = 1", []
        groups = [group for group in viewer.groups if group >= 0]
        live = "e.live = %s AND (e.restricted = %s"
        params: list[Any] = [True, False]
        if groups:
            live += (
                " OR EXISTS (SELECT 1 FROM search_searchentrygroup g WHERE g.entry_id = e.id "  # noqa: S608
                f"AND g.group_id IN ({_placeholders(groups)}))"
            )
            params.extend(groups)
        condition = f"({live}))"
        if viewer.all_drafts:
            condition += " OR e.live = %s"
            params.append(False)
        elif viewer.draft_unit is not None:
            condition += " OR (e.live = %s AND e.unit_id = %s)"
            params.extend([False, viewer.draft_unit])
        return f"({condition})", params

    def _scores(self, cursor: Any, dialect: Dialect, readings: Sequence[Reading]) -> dict[int, float]:
        base = dialect.entry_scores(cursor, readings)
        top = max(base.values(), default=0.0) or 1.0
        scores = {entry_id: TEXT_WEIGHT * max(score, 0.0) / top for entry_id, score in base.items()}
        boosts: dict[int, float] = defaultdict(float)
        for reading in readings:
            boost: dict[int, float] = defaultdict(float)
            for entry_id in dialect.title_ids(cursor, reading):
                boost[entry_id] += TITLE_BOOST
            if reading.exact:
                for entry_id in dialect.exact_ids(cursor, reading):
                    boost[entry_id] += EXACT_BOOST
            if reading.phrase:
                for entry_id in dialect.phrase_ids(cursor, reading):
                    boost[entry_id] += PHRASE_BOOST
            for entry_id, value in boost.items():
                if entry_id in scores:
                    boosts[entry_id] = max(boosts[entry_id], value * reading.weight)
        for entry_id, value in boosts.items():
            scores[entry_id] += value
        for entry_id in dialect.moment_entries(cursor, readings, set(base)):
            scores[entry_id] = scores.get(entry_id, 0.0) + MOMENT_WEIGHT
        return scores

    @staticmethod
    def _filter(query: Query, snapshot: Snapshot, candidates: set[int]) -> tuple[set[int], dict[str, list[FacetValue]]]:
        """The candidates passing every filter, and each facet counted with the other filters only (any value
        within a facet, every facet across them)."""
        passing: dict[str, set[int]] = {}
        if query.types:
            types = set(query.types)
            passing["type"] = {e for e in candidates if snapshot.type[e] in types}
        if query.topics:
            topics = set(query.topics)
            passing["topic"] = {e for e in candidates if not topics.isdisjoint(snapshot.topics.get(e, ()))}
        for name, wanted, values in (
            ("unit", query.units, snapshot.unit),
            ("field", query.fields, snapshot.work_field),
            ("year", query.years, snapshot.year),
        ):
            if wanted:
                chosen = set(wanted)
                passing[name] = {e for e in candidates if values.get(e) in chosen}
        results = candidates.intersection(*passing.values())
        facets = {}
        for name in FACETS:
            others = [ids for other, ids in passing.items() if other != name]
            counted = results if name not in passing else candidates.intersection(*others)
            counts: Counter[Any]
            ordered: list[tuple[Any, int]]
            if name == "type":
                counts = Counter(map(snapshot.type.__getitem__, counted))
                ordered = [(value, counts[value]) for value in TYPES if counts[value]]
                ordered += sorted((v, c) for v, c in counts.items() if v not in TYPES)
            else:
                if name == "topic":
                    counts = Counter(chain.from_iterable(map(snapshot.topics.__getitem__, counted)))
                else:
                    values = {"unit": snapshot.unit, "field": snapshot.work_field, "year": snapshot.year}[name]
                    counts = Counter(map(values.get, counted))
                    del counts[None]
                if name == "year":
                    ordered = sorted(counts.items(), reverse=True)
                else:
                    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            facets[name] = [FacetValue(value=str(value), count=count) for value, count in ordered]
        return results, facets

    def _hits(
        self, cursor: Any, dialect: Dialect, readings: Sequence[Reading], ids: Sequence[int], scores: dict[int, float]
    ) -> list[Hit]:
        if not ids:
            return []
        cursor.execute(
            "SELECT id, key, type, page_id, title, url, date, unit_id, unit_name, parent_title, parent_url, "  # noqa: S608
            f"summary, substr(body, 1, {SNIPPET_SCAN}) FROM search_searchentry WHERE id IN ({_placeholders(ids)})",
            list(ids),
        )
        rows = {row[0]: row for row in cursor.fetchall()}
        ids = [entry_id for entry_id in ids if entry_id in rows]  # deleted since the snapshot was read
        highlighter = Highlighter(word for reading in readings for word in reading.all_words)
        moments: dict[int, tuple[Moment, ...]] = {}
        trainings = [entry_id for entry_id in ids if rows[entry_id][2] == TRAINING]
        if readings and trainings:
            moments = self._best_moments(dialect.hit_moments(cursor, readings, trainings), readings, highlighter)
        hits = []
        for entry_id in ids:
            _, key, type_, page_id, title, url, date, unit_id, unit_name, parent_title, parent_url, summary, body = (
                rows[entry_id]
            )
            snippet = None
            if readings:
                snippet = highlighter.best_snippet(summary, body)
            hits.append(
                Hit(
                    key=key,
                    type=type_,
                    page_id=page_id,
                    title=title,
                    url=url,
                    date=_date(date),
                    unit_id=unit_id,
                    unit_name=unit_name,
                    snippet=snippet or plain_snippet(summary or body),
                    score=round(scores.get(entry_id, 0.0), 4),
                    parent_title=parent_title,
                    parent_url=parent_url,
                    moments=moments.get(entry_id, ()),
                )
            )
        return hits

    @staticmethod
    def _best_moments(
        rows: Iterable[tuple], readings: Sequence[Reading], highlighter: Highlighter
    ) -> dict[int, tuple[Moment, ...]]:
        """Up to MOMENTS_PER_HIT windows per training: most query words, then the phrase as typed, then exact
        spellings, then the most matches, then the earliest."""
        exact = {word for reading in readings for word in reading.exact}
        phrases = [reading.phrase for reading in readings if reading.phrase]
        ranked: dict[int, list[tuple[tuple[float, ...], tuple]]] = defaultdict(list)
        for row in rows:
            entry_id, moment_id, _part, _start, _end, text, *_ = row
            matches = [(m.start(), m.end(), m.group()) for m in highlighter.matches(text)]
            folded = [fold_word(word) for *_, word in matches]
            exact_hits = sum(1 for *_, word in matches if word.lower() in exact)
            phrase = sum(1 for p in phrases if _has_phrase(matches, folded, p))
            rank = (len(set(folded)), phrase, exact_hits, len(matches), -moment_id)
            ranked[entry_id].append((rank, row))
        best = {}
        for entry_id, items in ranked.items():
            items.sort(key=lambda item: item[0], reverse=True)
            best[entry_id] = tuple(
                Moment(part=part, start=start, end=end, text=highlighter.mark(text), slide=slide, link=link or "")
                for _, (_, _, part, start, end, text, slide, link) in keep_a_slide(
                    items, lambda item: item[1][6] is not None, MOMENTS_PER_HIT
                )
            )
        return best

    def complete(self, prefix: str, viewer: Viewer, limit: int = 8) -> list[str]:
        needle = folded_text(prefix)
        if not needle or limit <= 0:
            return []
        where, params = self._permission_sql(viewer)
        pattern = "% " + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        with self._connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT t.name FROM search_searchentrytopic t "  # noqa: S608
                f"JOIN search_searchentry e ON e.id = t.entry_id WHERE {where}",
                params,
            )
            topics = [row[0] for row in cursor.fetchall()]
            cursor.execute(
                "SELECT e.title FROM search_searchentry e WHERE (' ' || e.title_folded) LIKE %s ESCAPE '\\' "  # noqa: S608
                f"AND {where} ORDER BY e.date DESC, e.id DESC LIMIT %s",
                [pattern, *params, limit * 5],
            )
            titles = [row[0] for row in cursor.fetchall()]
        starting, containing = [], []
        for text in sorted(topics) + titles:
            folded = " " + folded_text(text)
            if folded.startswith(" " + needle):
                starting.append(text)
            elif f" {needle}" in folded:
                containing.append(text)
        result, seen = [], set()
        for text in starting + containing:
            if text.casefold() not in seen:
                seen.add(text.casefold())
                result.append(text)
        return result[:limit]

    def suggest(self, text: str) -> str:
        """The query with each unknown word replaced by the nearest known one and diacritics restored from the
        portal's own titles, topics and summaries ("dao tso can bo" → "đào tạo cán bộ"); "" when nothing better
        is known."""
        typed = [word for word in words(normalize(text)) if word]
        if not typed:
            return ""
        folded = [fold(word) for word in typed]
        dialect = self._dialect()
        with self._connection.cursor() as cursor:
            vocabulary = self._vocabulary(cursor, self._snapshot(cursor))
            corrected = list(folded)
            changed = [False] * len(folded)
            for i, word in enumerate(folded):
                if word in vocabulary or dialect.known(cursor, word):
                    continue
                nearest = nearest_words(word, vocabulary)[: FUZZY_ALTERNATIVES * 2]
                if not nearest:
                    continue
                before = corrected[i - 1] if i else ""
                after = folded[i + 1] if i + 1 < len(folded) else ""
                corrected[i] = self._likeliest(cursor, nearest, before, after)
                changed[i] = True
            written = self._written_forms(cursor, corrected)
        out = []
        for i, word in enumerate(typed):
            plain = word.lower() == folded[i]  # typed without diacritics: restore them
            out.append(written[i] if changed[i] or plain else word)
        suggestion = " ".join(out)
        return "" if suggestion.casefold() == " ".join(typed).casefold() else suggestion

    @staticmethod
    def _likeliest(cursor: Any, nearest: Sequence[tuple[int, str]], before: str, after: str) -> str:
        """Of the known words near a typo, the one that stands next to its neighbours in the vocabulary ("dao
        tso" → "dao tao", not "dao to"), else the closest and commonest."""
        pairs = {f"{before} {word}": word for _, word in nearest if before} | {
            f"{word} {after}": word for _, word in nearest if after
        }
        together: Counter[str] = Counter()
        if pairs:
            cursor.execute(
                "SELECT folded, SUM(count) FROM search_searchterm "  # noqa: S608
                f"WHERE size = 2 AND folded IN ({_placeholders(pairs)}) GROUP BY folded",
                list(pairs),
            )
            for pair, count in cursor.fetchall():
                together[pairs[pair]] += count
        _, word = min(nearest, key=lambda item: (item[0] - (0.75 if together[item[1]] else 0.0), -together[item[1]]))
        return word

    @staticmethod
    def _written_forms(cursor: Any, folded: Sequence[str]) -> list[str]:
        """The commonest spelling of each folded word, read from the pairs it stands in first (in "dao tao", "dao"
        is "đào", though "đạo" is the commonest "dao" alone), else from the word alone, else the word."""
        pairs = [f"{folded[i]} {folded[i + 1]}" for i in range(len(folded) - 1)]
        keys = sorted(set(pairs) | set(folded))
        best: dict[str, tuple[int, str]] = {}
        for chunk in _chunks(keys):
            cursor.execute(
                f"SELECT folded, written, count FROM search_searchterm WHERE folded IN ({_placeholders(chunk)})",  # noqa: S608
                list(chunk),
            )
            for key, written, count in cursor.fetchall():
                if key not in best or count > best[key][0]:
                    best[key] = (count, written)
        result = []
        for i, word in enumerate(folded):
            options = []
            if i and pairs[i - 1] in best:
                count, written = best[pairs[i - 1]]
                options.append((count, written.split(" ")[1]))
            if i < len(pairs) and pairs[i] in best:
                count, written = best[pairs[i]]
                options.append((count, written.split(" ")[0]))
            if options:
                result.append(max(options)[1])
            else:
                result.append(best[word][1] if word in best else word)
        return result
