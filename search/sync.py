"""Keeping the index in step with the database, by outbox.

Every change that affects what search shows — publishing, unpublishing, a new draft of a write-up,
deleting, moving, a privacy change, renaming a unit, topic or field of work, a new transcript, a replaced
document — writes an `IndexChange` row ("page N changed") in the same transaction as the change (signal
receivers below). When the transaction commits, the sync task is queued; it rebuilds the documents of each
named page from the database (search.documents) and sends them in bulk to every engine (the database index
always, Elasticsearch when configured). A rollback takes its outbox rows with it, so nothing uncommitted is
ever indexed; an engine that is down leaves the rows pending and they are retried (the task re-queues itself
when its backend can defer, and the worker's housekeeping calls `retry_pending`), so nothing is lost.

One drain at a time (`drain_lock`), across every worker process: two drains building the same page at once could
otherwise write the older version last. PostgreSQL holds a session advisory lock; SQLite, which lives on one
machine, a lock on a file next to the database. Either is released when its process dies.

An engine that lost its index (Elasticsearch back empty after a new cluster or a lost volume), or holds one the
portal did not build or of an older mapping (`Engine.rebuild_reason`), would otherwise take the pending changes
into a fresh index and look healthy while missing everything else. Each drain asks first and rebuilds such an
engine from the database, under the drain lock, before applying the outbox; the worker's housekeeping asks every
minute even when nothing is pending, so a lost index is rebuilt without anyone editing anything.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections, router, transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.utils import timezone

from wagtail.documents.models import Document
from wagtail.models import Page, PageViewRestriction, Revision
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from django_tasks import task, task_backends

from media.signals import transcript_changed
from portal.home.models import Topic
from portal.home.topic_repair import topics_repaired
from portal.practices.models import FieldOfWork, GoodPracticePage, PracticeAttachment
from portal.trainings.models import Attachment, RecordingPart, TrainingPage
from portal.trainings.slides import slides_changed
from portal.units.models import Unit
from search import breaker, engines
from search.documents import all_documents, documents_for_page, page_ids_for_pages_under
from search.engines.base import Engine, EngineUnavailable
from search.models import IndexChange

logger = logging.getLogger(__name__)

BATCH = 200  # pages per bulk round
RETRY_AFTER = timedelta(seconds=30)
RETRY_LOCK = "search:sync-retry-queued"
KEEP_DONE = timedelta(days=7)  # done rows kept for rebuild replays and for looking back
DRAIN_WAIT = timedelta(minutes=5)  # how long a drain waits for the one running; then it leaves the rows to it
TASK_DRAIN_WAIT = timedelta(seconds=10)  # the same, for the sync task (a worker of the default queue)
DRAIN_LOCK_KEY = 0x5EA2C4D2  # the PostgreSQL advisory lock key (any constant this project alone uses)
DRAIN_LOCK_POLL = 0.05  # seconds between two tries

# --- Writing the outbox ------------------------------------------------------------------------------


def record(page_ids: Iterable[int]) -> None:
    """Note that these pages changed; the sync task picks them up once the transaction commits."""
    ids = sorted(set(page_ids))
    if not ids:
        return
    IndexChange.objects.bulk_create([IndexChange(page_id=page_id) for page_id in ids])
    _schedule_on_commit()


def _schedule_on_commit() -> None:
    """Queue the task once per transaction, however many pages it changed."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(func is schedule for _, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(schedule)


def schedule() -> None:
    """Queue the sync task (on the backend named by SEARCH_TASK_BACKEND)."""
    try:
        sync_search_index.using(backend=settings.SEARCH_TASK_BACKEND).enqueue()
    except Exception:  # the queue is down: rows stay pending and the worker's housekeeping drains them
        logger.exception("Could not queue the search sync task; the outbox keeps the changes")


# --- Draining it -------------------------------------------------------------------------------------


@dataclass
class DrainResult:
    pages: int = 0
    documents: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # engine name → error
    broken_pages: set[int] = field(default_factory=set)  # pages whose documents could not be built
    rebuilt: dict[str, int] = field(default_factory=dict)  # engine name → documents, for engines rebuilt first

    @property
    def ok(self) -> bool:
        return not self.failed and not self.broken_pages


def apply_pages(page_ids: list[int], targets: list[Engine]) -> DrainResult:
    """Send the current documents of `page_ids` to each engine. Engines that fail are listed in `failed`,
    pages whose documents could not be built in `broken_pages`; neither is raised."""
    result = DrainResult(pages=len(page_ids))
    built: dict[int, list[Any]] = {}
    for page_id in page_ids:
        try:
            built[page_id] = documents_for_page(page_id)
        except Exception:  # one page that cannot be read must not hold up every other change
            logger.exception("Cannot build the search documents of page %s; its change stays pending", page_id)
            result.broken_pages.add(page_id)
    docs = [doc for page_docs in built.values() for doc in page_docs]
    result.documents = len(docs)
    for engine in targets:
        try:
            if docs:
                engine.upsert(docs)
            for page_id, page_docs in built.items():
                engine.delete_page(page_id, keep=[doc.key for doc in page_docs])
        except EngineUnavailable as failure:
            result.failed[engine.name] = str(failure.__cause__ or failure) or type(failure).__name__
            logger.warning("Search engine %s unavailable during sync: %s", engine.name, failure)
    return result


@contextmanager
def drain_lock(wait: timedelta = DRAIN_WAIT) -> Iterator[bool]:
    """Hold the one drain lock of the whole site for the `with` block; yields False when another process (or
    thread) held it for all of `wait`."""
    alias = router.db_for_write(IndexChange)
    connection = connections[alias]
    with ExitStack() as stack:
        if connection.vendor == "postgresql":
            take, release = _advisory_lock(connection)
        else:
            descriptor = os.open(_lock_file(alias), os.O_RDONLY | os.O_CREAT, 0o664)
            stack.callback(os.close, descriptor)
            take, release = _file_lock(descriptor)
        deadline = time.monotonic() + wait.total_seconds()
        while not take():
            if time.monotonic() >= deadline:
                yield False
                return
            time.sleep(DRAIN_LOCK_POLL)
        try:
            yield True
        finally:
            release()


def _advisory_lock(connection: Any) -> tuple[Callable[[], bool], Callable[[], None]]:
    """Try and release PostgreSQL's session advisory lock (let go by the server if the process dies)."""

    def take() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [DRAIN_LOCK_KEY])
            return bool(cursor.fetchone()[0])

    def release() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [DRAIN_LOCK_KEY])
        except DatabaseError:  # the drain failed inside a transaction that is now aborted
            connection.close()  # the server lets go of a session's locks when the session ends

    return take, release


def _file_lock(descriptor: int) -> tuple[Callable[[], bool], Callable[[], None]]:
    """Try and release an exclusive lock on an open file (let go by the system if the process dies). The file
    is opened for reading only, so it works whoever created it (root at a deploy, the portal's user later)."""

    def take() -> bool:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    return take, lambda: fcntl.flock(descriptor, fcntl.LOCK_UN)


def _lock_file(alias: str) -> Path:
    """The file the drain lock is taken on: next to an SQLite database file, or in the temporary folder for a
    database in memory (the tests), one per process as such a database is."""
    name = str(connections[alias].settings_dict["NAME"])
    database = Path(name)
    if name.startswith("file:") or ":memory:" in name or not database.parent.is_dir():
        digest = hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"portal-search-drain-{digest}-{os.getpid()}.lock"
    return database.with_name(f"{database.name}.search-drain.lock")


def drain(limit: int | None = None, wait: timedelta = DRAIN_WAIT) -> DrainResult:
    """Apply pending outbox rows, in batches, until none are left; one drain at a time (`drain_lock`).

    An engine that fails is left out of the rest of this drain (no waiting for its timeout at every batch)
    while the others, the database fallback above all, still get every change; the rows stay pending, with
    the error, until every engine has them. Applying a page again is harmless (it is rebuilt from the
    database), so a later drain simply sends them all again. When another drain runs for longer than `wait`,
    this one leaves the rows to it and returns an empty result."""
    with drain_lock(wait) as locked:
        if not locked:
            logger.info("Another search sync is still draining the outbox; it will apply these changes")
            return DrainResult()
        return _drain(limit)


def rebuild_where_needed(targets: list[Engine], result: DrainResult) -> None:
    """Rebuild from the database every engine whose index cannot be trusted (`rebuild_reason`); the caller holds
    the drain lock. An engine that cannot be asked or rebuilt is noted in `result.failed`."""
    for engine in targets:
        try:
            reason = engine.rebuild_reason()
            if reason:
                logger.warning(
                    "Search engine %s must be rebuilt: %s; rebuilding it from the database", engine.name, reason
                )
                result.rebuilt[engine.name] = engine.rebuild(all_documents())
                logger.warning("Search engine %s rebuilt with %s documents", engine.name, result.rebuilt[engine.name])
        except EngineUnavailable as failure:
            result.failed[engine.name] = str(failure.__cause__ or failure) or type(failure).__name__
            logger.warning("Search engine %s unavailable while checking its index: %s", engine.name, failure)


def rebuild_needed() -> dict[str, str]:
    """Engine name → why it must be rebuilt, for the engines that must (an engine that does not answer is left
    to the drain's own retries)."""
    needed = {}
    for engine in engines.engines():
        try:
            reason = engine.rebuild_reason()
        except EngineUnavailable:
            continue
        if reason:
            needed[engine.name] = reason
    return needed


def _drain(limit: int | None) -> DrainResult:
    total = DrainResult()
    done = 0
    targets = engines.engines()
    rebuild_where_needed(targets, total)
    after = 0
    while limit is None or done < limit:
        rows = list(
            IndexChange.objects.filter(done_at__isnull=True, pk__gt=after)
            .order_by("pk")
            .values_list("pk", "page_id")[:BATCH]
        )
        if not rows:
            break
        after = rows[-1][0]
        page_ids = sorted({page_id for _, page_id in rows})
        result = apply_pages(page_ids, [engine for engine in targets if engine.name not in total.failed])
        total.pages += result.pages
        total.documents += result.documents
        total.failed.update(result.failed)
        total.broken_pages |= result.broken_pages
        done += len(rows)
        failed_rows = [pk for pk, page_id in rows if total.failed or page_id in result.broken_pages]
        ok_rows = [pk for pk, _ in rows if pk not in set(failed_rows)]
        IndexChange.objects.filter(pk__in=ok_rows).update(done_at=timezone.now(), error="")
        if failed_rows:
            messages = [f"{name}: {message}" for name, message in total.failed.items()]
            if result.broken_pages:
                messages.append("the page could not be read (see the log)")
            IndexChange.objects.filter(pk__in=failed_rows).update(
                error="; ".join(messages)[:2000], attempts=F("attempts") + 1
            )
    IndexChange.objects.filter(done_at__lt=timezone.now() - KEEP_DONE).delete()
    # What the drain learnt of each engine goes to the breaker that guards searches (search.breaker).
    for engine in targets:
        if engine.name == "database":
            continue
        if engine.name in total.failed:
            breaker.trip(engine, total.failed[engine.name])
        else:
            breaker.close(engine)
    return total


def pending_count() -> int:
    return IndexChange.objects.filter(done_at__isnull=True).count()


def retry_pending() -> None:
    """For the worker's housekeeping: drain what an outage left behind. It runs beside the worker's heartbeat,
    so it never waits for a drain that is running: that one empties the outbox, and the next minute comes. An index
    that must be rebuilt (lost, foreign, outdated) is drained too: the drain rebuilds it first."""
    if pending_count() or rebuild_needed():
        drain(wait=timedelta(0))


def replay_since(moment: datetime, targets: list[Engine], wait: timedelta = DRAIN_WAIT) -> DrainResult:
    """Re-apply every page changed since `moment` (done or not): what a rebuild must not miss. Under the drain
    lock, like a drain, so that neither writes an older version of a page over the other's newer one."""
    result = DrainResult()
    with drain_lock(wait) as locked:
        if not locked:
            result.failed["sync"] = "another sync held the outbox for too long; run the rebuild again"
            return result
        page_ids = sorted(set(IndexChange.objects.filter(created_at__gte=moment).values_list("page_id", flat=True)))
        for start in range(0, len(page_ids), BATCH):
            part = apply_pages(page_ids[start : start + BATCH], targets)
            result.pages += part.pages
            result.documents += part.documents
            result.failed.update(part.failed)
    return result


@task()
def sync_search_index() -> dict[str, Any]:
    # A drain already running empties the outbox before it lets go; waiting longer only holds a worker.
    result = drain(wait=TASK_DRAIN_WAIT)
    # One retry queued per process and period, however many changes were made during the outage (the
    # default worker's housekeeping also retries every minute).
    if not result.ok and cache.add(RETRY_LOCK, True, int(RETRY_AFTER.total_seconds())):
        backend = task_backends[settings.SEARCH_TASK_BACKEND]
        if backend.supports_defer:
            sync_search_index.using(
                backend=settings.SEARCH_TASK_BACKEND, run_after=timezone.now() + RETRY_AFTER
            ).enqueue()
    return {"pages": result.pages, "documents": result.documents, "failed": result.failed}


# --- What counts as a change -------------------------------------------------------------------------

SEARCHABLE = (TrainingPage, GoodPracticePage)


def _on_publish_or_unpublish(sender: Any, instance: Page, **kwargs: Any) -> None:
    if isinstance(instance, SEARCHABLE):
        record([instance.pk])


def _on_revision_saved(sender: Any, instance: Revision, created: bool, **kwargs: Any) -> None:
    # A new draft of a write-up changes what its unit's submitters and the reviewers find.
    if created and instance.content_type.model_class() is GoodPracticePage:
        record([int(instance.object_id)])


def _on_page_deleted(sender: Any, instance: Page, **kwargs: Any) -> None:
    record([instance.pk])


def _on_page_moved(sender: Any, instance: Page, **kwargs: Any) -> None:
    record(page_ids_for_pages_under(instance))


def _on_slug_changed(sender: Any, instance: Page, **kwargs: Any) -> None:
    # The addresses of the pages under it changed with it (Wagtail rewrote their url_path).
    record(page_ids_for_pages_under(instance))


def _on_restriction_changed(sender: Any, instance: PageViewRestriction, **kwargs: Any) -> None:
    page = Page.objects.filter(pk=instance.page_id).first()
    if page is not None:
        record(page_ids_for_pages_under(page))


def _on_restriction_groups_changed(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    if action in {"post_add", "post_remove", "post_clear"} and isinstance(instance, PageViewRestriction):
        _on_restriction_changed(sender, instance)


def _on_unit_saved(sender: Any, instance: Unit, **kwargs: Any) -> None:
    record(
        [
            *TrainingPage.objects.filter(unit=instance).values_list("pk", flat=True),
            *GoodPracticePage.objects.filter(unit=instance).values_list("pk", flat=True),
        ]
    )


def _on_topic_changed(sender: Any, instance: Topic, **kwargs: Any) -> None:
    record(
        [
            *TrainingPage.objects.filter(topic_items__tag=instance).values_list("pk", flat=True),
            *GoodPracticePage.objects.filter(topic_items__tag=instance).values_list("pk", flat=True),
        ]
    )


def _on_topics_repaired(sender: Any, page_ids: list[int], **kwargs: Any) -> None:
    record(page_ids)


def _on_field_saved(sender: Any, instance: FieldOfWork, **kwargs: Any) -> None:
    record(GoodPracticePage.objects.filter(field_of_work=instance).values_list("pk", flat=True))


def _on_transcript_changed(sender: Any, video: Any, **kwargs: Any) -> None:
    record(RecordingPart.objects.filter(video=video).values_list("page_id", flat=True))


def _on_document_saved(sender: Any, instance: Document, **kwargs: Any) -> None:
    record(
        [
            *Attachment.objects.filter(document=instance).values_list("page_id", flat=True),
            *PracticeAttachment.objects.filter(document=instance).values_list("page_id", flat=True),
        ]
    )


def _on_slides_changed(sender: Any, document: Document, **kwargs: Any) -> None:
    # The pages of a training's PDF were made, or an editor tied them to times: they are moments of the training.
    record(Attachment.objects.filter(document=document).values_list("page_id", flat=True))


def _on_document_deleted(sender: Any, instance: Document, **kwargs: Any) -> None:
    # Before the cascade removes the attachments that say which pages showed the file.
    _on_document_saved(sender, instance)


def connect() -> None:
    """Called once from SearchConfig.ready()."""
    page_published.connect(_on_publish_or_unpublish, dispatch_uid="search-published")
    page_unpublished.connect(_on_publish_or_unpublish, dispatch_uid="search-unpublished")
    post_save.connect(_on_revision_saved, sender=Revision, dispatch_uid="search-revision")
    for model in SEARCHABLE:
        post_delete.connect(_on_page_deleted, sender=model, dispatch_uid=f"search-deleted-{model.__name__}")
    post_page_move.connect(_on_page_moved, dispatch_uid="search-moved")
    page_slug_changed.connect(_on_slug_changed, dispatch_uid="search-slug-changed")
    post_save.connect(_on_restriction_changed, sender=PageViewRestriction, dispatch_uid="search-restriction")
    post_delete.connect(_on_restriction_changed, sender=PageViewRestriction, dispatch_uid="search-unrestricted")
    m2m_changed.connect(
        _on_restriction_groups_changed, sender=PageViewRestriction.groups.through, dispatch_uid="search-groups"
    )
    post_save.connect(_on_unit_saved, sender=Unit, dispatch_uid="search-unit")
    post_save.connect(_on_topic_changed, sender=Topic, dispatch_uid="search-topic")
    pre_delete.connect(_on_topic_changed, sender=Topic, dispatch_uid="search-topic-deleted")
    topics_repaired.connect(_on_topics_repaired, dispatch_uid="search-topics-repaired")
    post_save.connect(_on_field_saved, sender=FieldOfWork, dispatch_uid="search-field")
    transcript_changed.connect(_on_transcript_changed, dispatch_uid="search-transcript")
    post_save.connect(_on_document_saved, sender=Document, dispatch_uid="search-document")
    slides_changed.connect(_on_slides_changed, dispatch_uid="search-slides")
    pre_delete.connect(_on_document_deleted, sender=Document, dispatch_uid="search-document-deleted")
