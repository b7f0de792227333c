"""/healthz tells monitoring whether the portal can do its work, and nothing more."""

from __future__ import annotations

import json
from collections import namedtuple
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

import pytest

from portal.core import health
from portal.core.models import WorkerHeartbeat
from search import health as search_health

pytestmark = pytest.mark.django_db

DiskUsage = namedtuple("DiskUsage", "total used free")


def beat(queues: list[str], age_seconds: float = 0) -> None:
    WorkerHeartbeat.objects.create(
        worker_id=f"w-{'-'.join(queues)}-{age_seconds}",
        queues=queues,
        pid=1,
        last_seen=timezone.now() - timedelta(seconds=age_seconds),
    )


def test_it_is_healthy_when_every_queue_has_a_live_worker(client):
    beat(["default"])
    beat(["video"], age_seconds=5)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["workers"]["video"]["heartbeat_age_seconds"] >= 5
    assert body["checks"]["search"] == {"ok": True, "engine": "database"}
    assert body["checks"]["disk"]["free_bytes"] > 0


def test_it_is_unhealthy_when_a_queue_has_no_worker(client):
    beat(["default"])
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["workers"]["video"] == {"ok": False, "heartbeat_age_seconds": None}


def test_a_stale_heartbeat_counts_as_no_worker(client, settings):
    beat(["default", "video"], age_seconds=settings.WORKER_STALE_AFTER_SECONDS + 30)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["workers"]["default"]["ok"] is False


def test_it_is_unhealthy_when_the_disk_is_nearly_full(client, monkeypatch, settings):
    beat(["default", "video"])
    monkeypatch.setattr(health.shutil, "disk_usage", lambda path: DiskUsage(100, 99, 1))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["disk"]["ok"] is False


def test_elasticsearch_down_is_degraded_not_unhealthy_the_database_answers(client, settings):
    beat(["default", "video"])
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9/"  # the discard port: nothing answers
    settings.ELASTICSEARCH_TIMEOUT = 1
    search_health._answers.clear()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["degraded"] is True
    assert response.json()["checks"]["search"] == {
        "ok": True,
        "degraded": True,
        "engine": "database",
        "elasticsearch": "not answering",
    }


def test_it_asks_the_search_engine_at_most_every_few_seconds(client, settings, monkeypatch):
    beat(["default", "video"])
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9/cached"
    search_health._answers.clear()
    calls = []
    monkeypatch.setattr(search_health, "_ask", lambda engine: calls.append(engine) or {"ok": True, "engine": "x"})
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
    assert len(calls) == 1


def test_it_watches_a_media_folder_moved_to_another_disk(client, monkeypatch, settings, tmp_path):
    beat(["default", "video"])
    settings.MEDIA_ROOT = tmp_path
    real = health.shutil.disk_usage
    monkeypatch.setattr(
        health.shutil, "disk_usage", lambda path: DiskUsage(100, 99, 1) if path == tmp_path else real(path)
    )
    assert client.get("/healthz").json()["checks"]["disk"]["ok"] is False


def test_it_reveals_no_secrets(client, settings):
    settings.ELASTICSEARCH_URL = "http://elastic:hunter2@127.0.0.1:9/"
    settings.ELASTICSEARCH_TIMEOUT = 1
    text = client.get("/healthz").content.decode()
    assert "hunter2" not in text
    assert settings.SECRET_KEY not in text
    assert str(settings.VAR_DIR) not in text
    json.loads(text)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_reports_its_heartbeat_and_removes_it_on_exit():
    call_command("run_worker", "--queue", "default", "--batch")
    # The worker ran what was waiting (nothing), then exited and took its heartbeat with it.
    assert not WorkerHeartbeat.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_running_worker_is_seen_by_healthz(settings):
    from portal.core.management.commands.run_worker import beat as worker_beat

    worker_beat("abc", ["default", "video"])
    _, checks = health.run_checks()
    assert checks["workers"]["default"]["ok"] and checks["workers"]["video"]["ok"]
