"""The periodic duties the apps register, and `manage.py housekeeping` that runs them (portal.core.housekeeping).

The processes (a loop stopped by SIGTERM, a killed RQ worker's job taken back) are in
test_housekeeping_processes.py."""

from __future__ import annotations

import contextlib
import io
import json
import socket
from collections.abc import Iterator
from datetime import timedelta

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.utils import timezone

import pytest

from portal.core import housekeeping
from portal.core.models import HousekeepingRun

pytestmark = pytest.mark.django_db

RAN: list[str] = []


def first() -> list[int]:
    RAN.append("first")
    return [1, 2, 3]


def broken() -> None:
    RAN.append("broken")
    raise RuntimeError("the engine is on fire")


def last() -> int:
    RAN.append("last")
    return 7


@pytest.fixture
def three_duties(monkeypatch):
    """The portal's app declares three duties of its own (the middle one fails) instead of its real one."""
    RAN.clear()
    declared = [
        {"call": f"{__name__}.first", "every": 60},
        {"call": f"{__name__}.broken", "every": "WORKER_HOUSEKEEPING_SECONDS"},
        {"call": f"{__name__}.last", "every": 60, "per_machine": True},
    ]
    monkeypatch.setattr(apps.get_app_config("core"), "housekeeping", declared)
    return [duty["call"] for duty in declared]


def test_every_app_registers_its_duties_in_order():
    names = [duty.name for duty in housekeeping.duties()]
    for expected in [
        "portal.core.tasks.forget_dead_workers",
        "portal.core.rq_worker.enqueue_scheduled_tasks",
        "media.processing.requeue_stalled",
        "media.transcription.requeue_stalled",
        "media.workdir.sweep_work_dir",
        "media.housekeeping.remove_stale_uploads",
        "search.sync.retry_pending",
    ]:
        assert expected in names
    # The requeues first: the sweep then removes what the jobs taken back left in the work folder.
    assert names.index("media.processing.requeue_stalled") < names.index("media.workdir.sweep_work_dir")
    assert names.index("media.transcription.requeue_stalled") < names.index("media.workdir.sweep_work_dir")
    sweep = next(duty for duty in housekeeping.duties() if duty.name == "media.workdir.sweep_work_dir")
    assert sweep.per_machine, "each machine sweeps its own work folder"


def test_every_registered_duty_runs_on_an_empty_site():
    out = io.StringIO()
    call_command("housekeeping", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["ok"] and report["failed"] == []
    assert {outcome["duty"] for outcome in report["duties"]} == {duty.name for duty in housekeeping.duties()}


def test_a_failing_duty_is_reported_and_the_others_still_run(three_duties, caplog):
    out = io.StringIO()
    with pytest.raises(CommandError, match="broken"):
        call_command("housekeeping", "--json", stdout=out)
    assert RAN == ["first", "broken", "last"]
    report = json.loads(out.getvalue())
    assert report["ok"] is False
    assert report["failed"] == [f"{__name__}.broken"]
    outcomes = {outcome["duty"].rsplit(".", 1)[1]: outcome for outcome in report["duties"]}
    assert outcomes["first"]["ok"] and outcomes["first"]["result"] == 3
    assert outcomes["last"]["ok"] and outcomes["last"]["result"] == 7
    assert "RuntimeError: the engine is on fire" in outcomes["broken"]["error"]
    assert "the engine is on fire" in caplog.text, "the failure is logged with its traceback"


def test_one_duty_can_be_run_alone(three_duties):
    out = io.StringIO()
    call_command("housekeeping", "--duty", f"{__name__}.last", stdout=out)
    assert RAN == ["last"]
    assert f"{__name__}.last: done (7)" in out.getvalue()
    with pytest.raises(CommandError, match="no such housekeeping duty"):
        call_command("housekeeping", "--duty", "nothing.like.this")


def test_a_one_shot_run_within_a_dutys_interval_skips_it_and_force_runs_it(monkeypatch, settings):
    """The timer runs `housekeeping` every minute: an hourly duty runs once an hour, a per-machine one once per
    machine per interval, and `--force` runs everything now."""
    RAN.clear()
    settings.WORKER_HOUSEKEEPING_SECONDS = 60
    declared = [
        {"call": f"{__name__}.first", "every": 3600},
        {"call": f"{__name__}.last", "every": "WORKER_HOUSEKEEPING_SECONDS", "per_machine": True},
    ]
    monkeypatch.setattr(apps.get_app_config("core"), "housekeeping", declared)
    names = ["--duty", f"{__name__}.first", "--duty", f"{__name__}.last"]

    call_command("housekeeping", *names, stdout=io.StringIO())
    assert RAN == ["first", "last"]
    out = io.StringIO()
    call_command("housekeeping", *names, stdout=out)  # a minute later, say: nothing is due yet
    assert RAN == ["first", "last"]
    assert f"{__name__}.first: not due" in out.getvalue()

    HousekeepingRun.objects.update(last_started=timezone.now() - timedelta(seconds=61))  # a minute on
    report = io.StringIO()
    call_command("housekeeping", *names, "--json", stdout=report)
    assert RAN == ["first", "last", "last"], "the hourly duty waits for its hour, the other runs"
    skipped = {row["duty"]: row["not_due"] for row in json.loads(report.getvalue())["duties"]}
    assert skipped == {f"{__name__}.first": True, f"{__name__}.last": False}

    call_command("housekeeping", *names, "--force", stdout=io.StringIO())
    assert RAN == ["first", "last", "last", "first", "last"]
    machines = dict(HousekeepingRun.objects.values_list("duty", "machine"))
    assert machines[f"{__name__}.first"] == "" and machines[f"{__name__}.last"] == socket.gethostname()


def test_the_list_shows_each_duty_with_its_interval(three_duties, settings):
    settings.WORKER_HOUSEKEEPING_SECONDS = 45
    out = io.StringIO()
    call_command("housekeeping", "--list", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[:3] == [  # the portal's app comes first in INSTALLED_APPS
        f"{__name__}.first\tevery 60 s\tone machine at a time\t(core)",
        f"{__name__}.broken\tevery 45 s\tone machine at a time\t(core)",
        f"{__name__}.last\tevery 60 s\teach machine\t(core)",
    ]
    assert "media.workdir.sweep_work_dir\tevery 45 s\teach machine\t(media)" in lines
    assert RAN == []


@contextlib.contextmanager
def held_elsewhere(name: str) -> Iterator[None]:
    """The lock of duty `name` held by someone else: another database session on PostgreSQL (advisory locks are
    the session's), another open lock file on SQLite."""
    if connection.vendor != "postgresql":
        with housekeeping._file_lock(name) as locked:
            assert locked
            yield
        return
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [housekeeping._lock_key(name)])
        yield
    finally:
        other.close()  # lets go of the lock


def test_a_duty_another_process_is_running_is_skipped(three_duties, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    duty = next(duty for duty in housekeeping.duties() if duty.name.endswith(".first"))
    with held_elsewhere(duty.name):
        outcome = housekeeping.run_duty(duty)
    assert outcome.ok and outcome.skipped
    assert RAN == []
    assert housekeeping.run_duty(duty).result == 3, "once let go, it runs"


def test_a_declaration_that_is_not_a_duty_is_refused(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setattr(apps.get_app_config("core"), "housekeeping", ["portal.core.tasks.forget_dead_workers"])
    with pytest.raises(ImproperlyConfigured, match="'call' and 'every'"):
        housekeeping.duties()


def test_a_duty_failing_round_after_round_logs_its_traceback_once(three_duties, caplog, monkeypatch):
    monkeypatch.setattr(housekeeping, "_last_failure", {})
    duty = next(duty for duty in housekeeping.duties() if duty.name.endswith(".broken"))
    for _ in range(3):
        assert not housekeeping.run_duty(duty).ok
    failures = [record for record in caplog.records if duty.name in record.getMessage()]
    assert [record.exc_info is not None for record in failures] == [True, False, False]
    assert all("the engine is on fire" in record.getMessage() or record.exc_info for record in failures)


def test_the_readme_says_the_site_lock_needs_a_session_not_pgbouncer_in_transaction_mode():
    """The shared duties' lock is a session-level advisory lock (they commit as they go, so they cannot run in one
    transaction): behind pgbouncer in transaction mode it would not hold, and operators must be told."""
    from pathlib import Path

    readme = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text().split())
    assert "direct connection to PostgreSQL, or pgbouncer in session mode" in readme
