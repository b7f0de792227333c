"""The tables of the database search engine (`search.engines.database`): one row per `SearchDoc`, its topics,
its groups, its transcript windows, and a small vocabulary for typo correction and "did you mean".

Text is stored three ways: as written (for results), folded (`search.text.fold`, words joined by single
spaces: what matching uses, so "dao tao" finds "đào tạo" and đ is folded on every database), and lowercased
with its diacritics (`exact_*`, to rank "tham nhũng" above "thâm nhung" for a query typed with diacritics).

The full-text indexes live outside the models, created by the migration for the database in use:
- SQLite: FTS5 tables `search_entry_fts` (columns title_folded, meta_folded, body_folded, exact_title, exact)
  and `search_moment_fts` (folded, detail=none), external-content tables over the rows below, kept in sync by
  triggers in the same transaction as every insert, update and delete; and `search_transcript_fts`, one row per
  training over the view `search_transcript` (its windows joined), kept by the engine.
- PostgreSQL: generated `tsvector` columns (`tsv`, `exact_tsv`, and `tsv` on moments) with GIN indexes.

A transcript window's id is its entry's id shifted left by 16 bits plus its position, so the FTS5 index of
200,000 windows answers "which trainings" (rowid >> 16) without reading a single row.

Careful with later migrations on SQLite: altering a field of SearchEntry or SearchMoment remakes the table,
which drops its triggers; such a migration must run `SQLITE_TRIGGERS` again.
"""

from __future__ import annotations

from django.db import models

__all__ = [
    "MOMENT_ID_BITS",
    "SearchEntry",
    "SearchEntryGroup",
    "SearchEntryTopic",
    "SearchIndexState",
    "SearchMoment",
    "SearchTerm",
]

MOMENT_ID_BITS = 16  # windows per entry: 65,536 windows of 20 s are two weeks of recording


class SearchEntry(models.Model):
    """One indexed `SearchDoc` (a training, a good practice or one of its documents)."""

    key = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=16, db_index=True)
    page_id = models.PositiveIntegerField(db_index=True)
    title = models.TextField()
    url = models.TextField()
    date = models.DateField(null=True, db_index=True)
    year = models.PositiveIntegerField(null=True)
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)
    unit_id = models.PositiveIntegerField(null=True)
    unit_name = models.TextField(blank=True)
    field_id = models.PositiveIntegerField(null=True)
    field_name = models.TextField(blank=True)
    parent_title = models.TextField(blank=True)
    parent_url = models.TextField(blank=True)
    live = models.BooleanField(default=True)
    restricted = models.BooleanField(default=False)  # has groups: only their members (SearchEntryGroup) see it
    digest = models.CharField(max_length=128, blank=True)
    title_folded = models.TextField(blank=True)
    meta_folded = models.TextField(blank=True)  # summary, topic names, unit, field, parent title
    body_folded = models.TextField(blank=True)
    exact_title = models.TextField(blank=True)
    exact = models.TextField(blank=True)  # everything else, lowercased with its diacritics

    def __str__(self) -> str:
        return self.key


class SearchEntryTopic(models.Model):
    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="topics")
    topic_id = models.PositiveIntegerField(db_index=True)
    name = models.TextField()

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.name}"


class SearchEntryGroup(models.Model):
    """A group that may see a restricted entry (`NOBODY` for superusers only)."""

    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="groups")
    group_id = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["group_id", "entry"], name="search_entrygroup_group")]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.group_id}"


class SearchMoment(models.Model):
    """A transcript window or a slide of a training; `id` is set by the engine (see the module docstring)."""

    id = models.BigIntegerField(primary_key=True)
    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="moments")
    part = models.PositiveIntegerField()
    start = models.FloatField(db_column="start_time")
    end = models.FloatField(db_column="end_time")
    text = models.TextField()
    folded = models.TextField()
    # A page of the training's slides (then `part` 0 when not tied to a time, and `link` opens the PDF there).
    # Nullable without default, so that adding them is an ALTER TABLE ADD COLUMN that keeps SQLite's triggers.
    slide = models.PositiveIntegerField(null=True)
    link = models.TextField(null=True)  # noqa: DJ001 - see above

    def __str__(self) -> str:
        return f"{self.entry_id} part {self.part} at {self.start}"


class SearchTerm(models.Model):
    """A word (size 1) or a pair of adjacent words (size 2) of titles, topic names and summaries: its folded
    form, one written form (lowercase, with diacritics) and the number of entries that use that spelling."""

    folded = models.CharField(max_length=200)
    written = models.CharField(max_length=200)
    size = models.PositiveSmallIntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["folded", "written"], name="search_term_unique")]
        indexes = [models.Index(fields=["size", "folded"], name="search_term_size_folded")]

    def __str__(self) -> str:
        return self.written


class SearchIndexState(models.Model):
    """A single row whose token changes in every transaction that writes the index, so that each process knows
    when its in-memory copy of the entries' small columns (for permissions and facets) is stale. A random token,
    not a counter: a rolled-back write must never make an old token stand for new rows."""

    token = models.CharField(max_length=32)
    changes = models.PositiveIntegerField(default=0)  # rows written since the full-text index was last compacted

    def __str__(self) -> str:
        return self.token


# --- Full-text indexes, created by migration 0004 for the database in use (keep both in step) ---------------

SQLITE_TABLES = [
    "CREATE VIRTUAL TABLE search_entry_fts USING fts5(title_folded, meta_folded, body_folded, exact_title, exact, "
    "content='search_searchentry', content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    # detail=none: the smallest and fastest index; windows need no phrase queries (they are ranked in Python).
    "CREATE VIRTUAL TABLE search_moment_fts USING fts5(folded, content='search_searchmoment', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0', detail=none)",
    # A training's whole transcript as one row: which trainings mention every word at all, in a millisecond,
    # before the windows of the few that matter are checked. Kept by the engine (search.engines.database),
    # not by triggers: the row is made after the windows are in and removed before they go.
    "CREATE VIEW search_transcript AS SELECT entry_id AS id, group_concat(folded, ' ') AS folded "
    "FROM search_searchmoment GROUP BY entry_id",
    "CREATE VIRTUAL TABLE search_transcript_fts USING fts5(folded, content='search_transcript', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0', detail=none)",
]
SQLITE_INSERT_TRIGGERS = [
    "CREATE TRIGGER search_entry_ai AFTER INSERT ON search_searchentry BEGIN "
    "INSERT INTO search_entry_fts(rowid, title_folded, meta_folded, body_folded, exact_title, exact) "
    "VALUES (new.id, new.title_folded, new.meta_folded, new.body_folded, new.exact_title, new.exact); END",
    "CREATE TRIGGER search_moment_ai AFTER INSERT ON search_searchmoment BEGIN "
    "INSERT INTO search_moment_fts(rowid, folded) VALUES (new.id, new.folded); END",
]
# Dropped while a rebuild empties the tables at once (FTS5 'delete-all'), then created again.
SQLITE_DELETE_TRIGGERS = [
    "CREATE TRIGGER search_entry_ad AFTER DELETE ON search_searchentry BEGIN "
    "INSERT INTO search_entry_fts(search_entry_fts, rowid, title_folded, meta_folded, body_folded, exact_title, exact) "
    "VALUES ('delete', old.id, old.title_folded, old.meta_folded, old.body_folded, old.exact_title, old.exact); END",
    "CREATE TRIGGER search_moment_ad AFTER DELETE ON search_searchmoment BEGIN "
    "INSERT INTO search_moment_fts(search_moment_fts, rowid, folded) VALUES ('delete', old.id, old.folded); END",
    "CREATE TRIGGER search_entry_au AFTER UPDATE ON search_searchentry BEGIN "
    "INSERT INTO search_entry_fts(search_entry_fts, rowid, title_folded, meta_folded, body_folded, exact_title, exact) "
    "VALUES ('delete', old.id, old.title_folded, old.meta_folded, old.body_folded, old.exact_title, old.exact); "
    "INSERT INTO search_entry_fts(rowid, title_folded, meta_folded, body_folded, exact_title, exact) "
    "VALUES (new.id, new.title_folded, new.meta_folded, new.body_folded, new.exact_title, new.exact); END",
    "CREATE TRIGGER search_moment_au AFTER UPDATE ON search_searchmoment BEGIN "
    "INSERT INTO search_moment_fts(search_moment_fts, rowid, folded) VALUES ('delete', old.id, old.folded); "
    "INSERT INTO search_moment_fts(rowid, folded) VALUES (new.id, new.folded); END",
]
SQLITE_DELETE_TRIGGER_NAMES = ["search_entry_ad", "search_moment_ad", "search_entry_au", "search_moment_au"]
SQLITE_TRIGGERS = SQLITE_INSERT_TRIGGERS + SQLITE_DELETE_TRIGGERS

# Text past a million characters is left out of the tsvector (PostgreSQL refuses one over 1 MB).
POSTGRESQL_SQL = [
    "ALTER TABLE search_searchentry ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', title_folded), 'A') || setweight(to_tsvector('simple', meta_folded), 'B') || "
    "setweight(to_tsvector('simple', left(body_folded, 1000000)), 'D')) STORED",
    "ALTER TABLE search_searchentry ADD COLUMN exact_tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', exact_title), 'A') || to_tsvector('simple', left(exact, 1000000))) STORED",
    "CREATE INDEX search_entry_tsv ON search_searchentry USING gin (tsv)",
    "CREATE INDEX search_entry_exact_tsv ON search_searchentry USING gin (exact_tsv)",
    "ALTER TABLE search_searchmoment ADD COLUMN tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', folded)) STORED",
    "CREATE INDEX search_moment_tsv ON search_searchmoment USING gin (tsv)",
]
