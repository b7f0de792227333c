"""One drain of the search outbox at a time: a second worker draining while the first one is between building a
page's documents and sending them must not send a newer version that the first then overwrites with the older.
The second drain runs in its own thread, with its own database connection, as another worker process would."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.utils import timezone

import pytest

from portal.trainings.models import TrainingPage
from search import engines, sync
from search.documents import documents_for_page
from search.engines.base import Engine, SearchDoc
from tests.practices.pages import add_training

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("database_only"),
]

SECOND_WORKER_WAIT = datetime.timedelta(seconds=1)


class PausingEngine:
    """The database engine, with something else happening once just before the first documents are sent."""

    def __init__(self, engine: Engine, meanwhile: Callable[[], None]) -> None:
        self.engine = engine
        self.name = engine.name
        self.meanwhile: Callable[[], None] | None = meanwhile

    def upsert(self, docs: Sequence[SearchDoc]) -> None:
        if self.meanwhile is not None:
            meanwhile, self.meanwhile = self.meanwhile, None
            meanwhile()
        self.engine.upsert(docs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)


def in_another_worker(work: Callable[[], Any]) -> Any:
    """Run `work` in a thread of its own (its own database connection) and wait for it."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except BaseException as error:  # re-raised in the test's thread
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "the second drain never returned"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def test_a_drain_running_beside_another_never_leaves_an_older_version_indexed(monkeypatch):
    training = add_training("Tập huấn kỹ năng tranh tụng")
    key = f"training:{training.pk}"
    second: list[sync.DrainResult] = []

    def edit_and_drain_elsewhere() -> None:
        # The first drain has built the first version and not sent it yet: the page changes and another
        # worker drains.
        page = TrainingPage.objects.get(pk=training.pk)
        page.title = "Tập huấn kỹ năng tranh tụng (bản sửa)"
        page.save_revision().publish()
        second.append(in_another_worker(lambda: sync.drain(wait=SECOND_WORKER_WAIT)))

    pausing = PausingEngine(engines.database_engine(), edit_and_drain_elsewhere)
    monkeypatch.setattr(engines, "engines", lambda: [pausing])

    first = sync.drain()

    latest = documents_for_page(training.pk)[0]
    assert latest.title == "Tập huấn kỹ năng tranh tụng (bản sửa)"
    assert engines.database_engine().digests()[key] == latest.digest
    assert first.ok and second
    assert second[0].pages == 0  # it waited for the first drain, then left the change to it
    assert sync.pending_count() == 0


def test_a_drain_waits_for_the_running_one_and_then_applies_what_is_left():
    training = add_training("Bồi dưỡng nghiệp vụ kiểm sát")

    with sync.drain_lock() as locked:
        assert locked
        waited = in_another_worker(lambda: sync.drain(wait=datetime.timedelta(seconds=0.2)))
        assert waited.pages == 0 and sync.pending_count() > 0

    result = in_another_worker(sync.drain)
    assert result.ok and result.pages >= 1
    assert f"training:{training.pk}" in engines.database_engine().digests()
    assert sync.pending_count() == 0


def test_a_rebuild_replays_changes_only_while_no_drain_runs():
    training = add_training("Tập huấn kỹ năng kháng nghị")
    since = timezone.now() - datetime.timedelta(minutes=1)
    targets = [engines.database_engine()]

    with sync.drain_lock() as locked:
        assert locked
        refused = in_another_worker(lambda: sync.replay_since(since, targets, wait=datetime.timedelta(seconds=0.2)))
        assert not refused.ok and refused.pages == 0

    replayed = in_another_worker(lambda: sync.replay_since(since, targets))
    assert replayed.ok and replayed.pages >= 1
    assert f"training:{training.pk}" in engines.database_engine().digests()


def test_the_workers_housekeeping_never_waits_for_a_running_drain():
    add_training("Tập huấn kỹ năng kiểm sát điều tra")

    with sync.drain_lock() as locked:
        assert locked
        # It runs beside the worker's heartbeat: waiting here would make the worker look dead.
        in_another_worker(sync.retry_pending)  # returns at once (in_another_worker gives up after 60 s)
        assert sync.pending_count() > 0  # left to the running drain

    in_another_worker(sync.retry_pending)
    assert sync.pending_count() == 0
