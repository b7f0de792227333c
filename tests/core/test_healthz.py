"""/healthz tells monitoring whether the portal can do its work, and nothing more: anybody gets the status, staff
and a monitor holding HEALTHZ_TOKEN get the checks behind it."""

from __future__ import annotations

import json
from collections import namedtuple
from datetime import timedelta

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

import pytest

from portal.core import health
from portal.core.models import WorkerHeartbeat
from search import health as search_health

pytestmark = pytest.mark.django_db

DiskUsage = namedtuple("DiskUsage", "total used free")


MONITOR_TOKEN = "a-monitor-token-of-the-operations-team"


def as_monitor(settings) -> Client:
    """The monitoring system: not logged in, sends the token that opens the checks."""
    settings.HEALTHZ_TOKEN = MONITOR_TOKEN
    return Client(headers={"Authorization": f"Bearer {MONITOR_TOKEN}"})


@pytest.fixture
def monitor(settings) -> Client:
    return as_monitor(settings)


def beat(queues: list[str], age_seconds: float = 0) -> None:
    WorkerHeartbeat.objects.create(
        worker_id=f"w-{'-'.join(queues)}-{age_seconds}",
        queues=queues,
        pid=1,
        last_seen=timezone.now() - timedelta(seconds=age_seconds),
    )


def test_it_is_healthy_when_every_queue_has_a_live_worker(monitor):
    beat(["default"])
    beat(["video"], age_seconds=5)
    response = monitor.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["workers"]["video"]["heartbeat_age_seconds"] >= 5
    assert body["checks"]["search"] == {"ok": True, "engine": "database"}
    assert body["checks"]["disk"]["free_bytes"] > 0


def test_it_is_unhealthy_when_a_queue_has_no_worker(monitor):
    beat(["default"])
    response = monitor.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["workers"]["video"] == {"ok": False, "heartbeat_age_seconds": None}


def test_a_stale_heartbeat_counts_as_no_worker(monitor, settings):
    beat(["default", "video"], age_seconds=settings.WORKER_STALE_AFTER_SECONDS + 30)
    response = monitor.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["workers"]["default"]["ok"] is False


def test_it_is_unhealthy_when_the_disk_is_nearly_full(monitor, monkeypatch, settings):
    beat(["default", "video"])
    monkeypatch.setattr(health.shutil, "disk_usage", lambda path: DiskUsage(100, 99, 1))
    response = monitor.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["disk"]["ok"] is False


def test_elasticsearch_down_is_degraded_not_unhealthy_the_database_answers(monitor, settings):
    beat(["default", "video"])
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9/"  # the discard port: nothing answers
    settings.ELASTICSEARCH_TIMEOUT = 1
    search_health._answers.clear()
    response = monitor.get("/healthz")
    assert response.status_code == 200
    assert response.json()["degraded"] is True
    assert response.json()["checks"]["search"] == {
        "ok": True,
        "degraded": True,
        "engine": "database",
        "elasticsearch": "not answering",
    }


def test_it_asks_the_search_engine_at_most_every_few_seconds(monitor, settings, monkeypatch):
    beat(["default", "video"])
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9/cached"
    search_health._answers.clear()
    calls = []
    monkeypatch.setattr(search_health, "_ask", lambda engine: calls.append(engine) or {"ok": True, "engine": "x"})
    for _ in range(5):
        assert monitor.get("/healthz").status_code == 200
    assert len(calls) == 1


def test_it_watches_a_media_folder_moved_to_another_disk(monitor, monkeypatch, settings, tmp_path):
    beat(["default", "video"])
    settings.MEDIA_ROOT = tmp_path
    real = health.shutil.disk_usage
    monkeypatch.setattr(
        health.shutil, "disk_usage", lambda path: DiskUsage(100, 99, 1) if path == tmp_path else real(path)
    )
    assert monitor.get("/healthz").json()["checks"]["disk"]["ok"] is False


def test_it_reveals_no_secrets(monitor, settings):
    settings.ELASTICSEARCH_URL = "http://elastic:hunter2@127.0.0.1:9/"
    settings.ELASTICSEARCH_TIMEOUT = 1
    text = monitor.get("/healthz").content.decode()
    assert "hunter2" not in text
    assert settings.SECRET_KEY not in text
    assert str(settings.VAR_DIR) not in text
    json.loads(text)


def test_anybody_gets_the_status_and_nothing_of_what_is_behind_it(client, monkeypatch):
    beat(["default"])  # no video worker: unhealthy
    monkeypatch.setattr(health.shutil, "disk_usage", lambda path: DiskUsage(100, 99, 1))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unhealthy", "degraded": False}
    beat(["video"])
    monkeypatch.undo()
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "degraded": False})


def test_a_logged_in_user_who_is_not_staff_gets_the_status_only(client, lan_viewer, tuan_editor):
    beat(["default", "video"])
    for user in (lan_viewer, tuan_editor):
        client.force_login(user)
        assert client.get("/healthz").json() == {"status": "ok", "degraded": False}


def test_staff_and_superusers_get_the_checks(client, lan_viewer, quang_admin):
    beat(["default", "video"])
    lan_viewer.is_staff = True
    lan_viewer.save()
    quang_admin.is_superuser = True
    quang_admin.save()
    for user in (lan_viewer, quang_admin):
        client.force_login(user)
        checks = client.get("/healthz").json()["checks"]
        assert checks["disk"]["free_bytes"] > 0
        assert checks["workers"]["video"]["ok"] is True


def test_a_monitor_gets_the_checks_with_the_token_in_its_header_never_in_the_address(client, settings):
    beat(["default", "video"])
    settings.HEALTHZ_TOKEN = MONITOR_TOKEN
    with_header = client.get("/healthz", headers={"Authorization": f"Bearer {MONITOR_TOKEN}"})
    assert "disk" in with_header.json()["checks"]
    # An address is written to every access log on its way: a token there would be shown to whoever reads them.
    assert "checks" not in client.get(f"/healthz?token={MONITOR_TOKEN}").json()


def test_a_wrong_or_missing_token_gets_the_status_only(client, settings):
    beat(["default", "video"])
    settings.HEALTHZ_TOKEN = MONITOR_TOKEN
    for headers, query in [
        ({"Authorization": "Bearer not-the-token"}, ""),
        ({"Authorization": f"Basic {MONITOR_TOKEN}"}, "?token=wrong"),
        ({}, "?token="),
        ({}, f"?token={MONITOR_TOKEN[:-1]}"),
    ]:
        assert "checks" not in client.get(f"/healthz{query}", headers=headers).json()
    settings.HEALTHZ_TOKEN = ""  # no token configured: an empty one opens nothing
    assert "checks" not in client.get("/healthz?token=", headers={"Authorization": "Bearer "}).json()


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
