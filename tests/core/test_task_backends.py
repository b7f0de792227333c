"""Background tasks run on the database backend by default and on Redis workers (RQ) to scale out."""

from __future__ import annotations

import os
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

import pytest
from django_tasks import TaskResultStatus, default_task_backend

from portal.core.models import WorkerHeartbeat
from portal.core.tasks import forget_dead_workers

REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


def an_old_and_a_live_worker() -> None:
    WorkerHeartbeat.objects.create(
        worker_id="gone", queues=["video"], pid=1, last_seen=timezone.now() - timedelta(days=3)
    )
    WorkerHeartbeat.objects.create(worker_id="alive", queues=["default"], pid=2, last_seen=timezone.now())


# Serialized rollback restores what the data migrations made, for the transactional tests that follow.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_database_worker_runs_queued_tasks(settings):
    settings.TASKS = {"default": settings.TASK_BACKENDS["database"]}
    an_old_and_a_live_worker()
    result = forget_dead_workers.enqueue()
    assert result.status == TaskResultStatus.READY
    call_command("run_worker", "--queue", "default", "--batch")
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 1
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["alive"]


@pytest.mark.django_db
def test_forgetting_dead_workers_keeps_the_live_ones():
    an_old_and_a_live_worker()
    assert forget_dead_workers.call() == 1
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["alive"]


def test_the_database_backend_knows_every_queue(settings):
    settings.TASKS = {"default": settings.TASK_BACKENDS["database"]}
    assert set(default_task_backend.queues) == {"default", "video", "transcribe", "store"}


@pytest.fixture
def redis_queues(settings):
    import redis

    try:
        connection = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2)
        connection.ping()
    except redis.exceptions.ConnectionError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis must answer on 127.0.0.1:6379 on CI: {error}")
        pytest.skip(f"no Redis answers on 127.0.0.1:6379 ({error}); the RQ backend is tested where one does")
    connection.flushdb()
    settings.TASKS_BACKEND = "rq"
    settings.RQ_QUEUES = {name: {"URL": REDIS_TEST_URL, "DEFAULT_TIMEOUT": 600} for name in settings.TASK_QUEUES}
    settings.TASKS = {"default": settings.TASK_BACKENDS["rq"]}
    yield connection
    connection.flushdb()


@pytest.mark.django_db
def test_an_rq_worker_runs_tasks_enqueued_on_redis(redis_queues):
    import django_rq

    an_old_and_a_live_worker()
    result = forget_dead_workers.enqueue()
    assert result.status == TaskResultStatus.READY
    worker = django_rq.get_worker("default", job_class="django_tasks_rq.Job", worker_class="rq.SimpleWorker")
    worker.work(burst=True)
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 1
    assert not WorkerHeartbeat.objects.filter(worker_id="gone").exists()


@pytest.mark.django_db
def test_healthz_sees_rq_workers_through_redis(redis_queues, settings):
    import django_rq
    from rq import SimpleWorker

    from tests.core.test_healthz import as_monitor

    client = as_monitor(settings)
    assert client.get("/healthz").json()["checks"]["workers"]["video"]["ok"] is False
    worker = SimpleWorker([django_rq.get_queue(name) for name in ("default", "video")], connection=redis_queues)
    worker.register_birth()
    worker.heartbeat()
    try:
        workers = client.get("/healthz").json()["checks"]["workers"]
        assert workers["default"]["ok"] and workers["video"]["ok"]
    finally:
        worker.register_death()


@pytest.mark.django_db
def test_run_worker_runs_rq_tasks_with_its_heartbeat(redis_queues):
    an_old_and_a_live_worker()
    result = forget_dead_workers.enqueue()
    call_command("run_worker", "--queue", "default", "--batch")
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 1
    (worker_id,) = result.worker_ids  # the RQ worker is named as its heartbeat row is
    assert len(worker_id) == 32
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["alive"], "its row went with it"
    assert not redis_queues.smembers("rq:workers"), "it told Redis it is gone"


@pytest.mark.django_db
def test_the_housekeeping_queues_deferred_rq_tasks_when_their_time_comes(redis_queues):
    an_old_and_a_live_worker()
    later = forget_dead_workers.using(run_after=timezone.now() + timedelta(hours=1)).enqueue()
    due = forget_dead_workers.using(run_after=timezone.now() - timedelta(seconds=1)).enqueue()
    duty = "portal.core.rq_worker.enqueue_scheduled_tasks"
    call_command("housekeeping", "--duty", duty)
    call_command("run_worker", "--queue", "default", "--batch")
    due.refresh()
    later.refresh()
    assert due.status == TaskResultStatus.SUCCESSFUL
    assert later.status == TaskResultStatus.READY, "its time has not come"
