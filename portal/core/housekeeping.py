"""The periodic duties of the site, registered by the apps, and how one of them is run.

Each app declares its duties on its AppConfig, as plain data (so media/ needs nothing from portal/):

    housekeeping = [
        {"call": "media.processing.requeue_stalled", "every": "WORKER_HOUSEKEEPING_SECONDS"},
        {"call": "media.workdir.sweep_work_dir", "every": "WORKER_HOUSEKEEPING_SECONDS", "per_machine": True},
    ]

- ``call``: the dotted path of a function taking no argument (or of a django-tasks task, then called in
  the process, not queued);
- ``every``: how often, in seconds, or the name of a setting holding them (read at each run);
- ``per_machine``: the duty looks after this machine's own disk (work folders), so every machine running
  the housekeeping runs it; otherwise it looks after the site's shared state (the database), and while it
  runs on one machine the others skip it (a PostgreSQL advisory lock; on SQLite, one machine, a file lock).

`manage.py housekeeping` runs them all, once (a systemd timer) or in a loop (`--loop SECONDS`, a service). Each
run of a duty is remembered (portal.core.models.HousekeepingRun: on the site for a shared duty, written under
its lock; per machine for a per-machine one), so the one-shot mode, run every minute by a timer, runs a duty
only once it is due — an hourly duty hourly — unless `--force`. The duties are idempotent (each job taken back
is locked and checked as read), so the lock only spares the database the same work done twice at once. They run
in the order of INSTALLED_APPS, then of each app's list: media's requeues come before its sweep of the work
folders, which removes what the requeued jobs left.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.module_loading import import_string

from portal.core.models import HousekeepingRun

logger = logging.getLogger(__name__)

ATTRIBUTE = "housekeeping"


@dataclass(frozen=True)
class Duty:
    call: str
    every: int | str
    per_machine: bool = False
    app: str = ""

    @property
    def name(self) -> str:
        return self.call

    def seconds(self) -> float:
        """How often it runs, in seconds (a setting's value when `every` names one)."""
        value = getattr(settings, self.every) if isinstance(self.every, str) else self.every
        return max(1.0, float(value))

    def function(self) -> Callable[[], Any]:
        target = import_string(self.call)
        call = getattr(target, "call", None)  # a django-tasks Task: run it here, do not queue it
        return call if callable(call) else target


@dataclass
class Outcome:
    duty: str
    ok: bool
    skipped: bool = False
    result: Any = None
    error: str = ""
    seconds: float = 0.0
    not_due: bool = False  # skipped because it ran less than its interval ago (not: running elsewhere)

    def as_dict(self) -> dict[str, Any]:
        return {
            "duty": self.duty,
            "ok": self.ok,
            "skipped": self.skipped,
            "not_due": self.not_due,
            "result": self.result,
            "error": self.error,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failed(self) -> list[str]:
        return [outcome.duty for outcome in self.outcomes if not outcome.ok]

    @property
    def ok(self) -> bool:
        return not self.failed

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "failed": self.failed, "duties": [outcome.as_dict() for outcome in self.outcomes]}


def duties() -> list[Duty]:
    """Every duty the installed apps declare, in the order of INSTALLED_APPS and of each app's list."""
    found: list[Duty] = []
    seen: set[str] = set()
    for config in apps.get_app_configs():
        for declared in getattr(config, ATTRIBUTE, ()):
            try:
                duty = Duty(
                    call=declared["call"],
                    every=declared["every"],
                    per_machine=bool(declared.get("per_machine", False)),
                    app=config.label,
                )
            except (KeyError, TypeError) as error:
                raise ImproperlyConfigured(
                    f"{config.name}: each housekeeping duty is a dict with 'call' and 'every', not {declared!r}"
                ) from error
            if duty.call in seen:
                raise ImproperlyConfigured(f"housekeeping duty {duty.call} is declared twice")
            seen.add(duty.call)
            found.append(duty)
    return found


def _summary(value: Any) -> Any:
    """What a duty returned, small and JSON-safe: a count for a collection, a number or None as is."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | set | frozenset | dict):
        return len(value)
    return str(value)


def _lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_try_advisory_lock."""
    return int.from_bytes(hashlib.blake2b(f"housekeeping:{name}".encode(), digest_size=8).digest(), "big", signed=True)


@contextlib.contextmanager
def _file_lock(name: str) -> Iterator[bool]:
    folder = Path(settings.VAR_DIR) / "housekeeping"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{name}.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _site_lock(name: str) -> Iterator[bool]:
    """True while this process alone runs duty `name` on the site (False: another process is running it).

    A session-level advisory lock, not a transaction-level one (pg_try_advisory_xact_lock): the duties commit as
    they go (each job taken back in its own transaction, its task queued once committed), so they cannot run
    inside one transaction held for the lock. Hence the housekeeping needs a direct connection to PostgreSQL, or
    pgbouncer in session mode (README): in transaction mode the lock and its release may land on different
    server connections."""
    if connection.vendor != "postgresql":  # SQLite: one machine, so a lock file on it is enough
        with _file_lock(name) as locked:
            yield locked
        return
    key = _lock_key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        locked = bool(cursor.fetchone()[0])
    try:
        yield locked
    finally:
        if locked:
            with contextlib.suppress(Exception), connection.cursor() as cursor:  # a lost connection has let go
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def _machine(duty: Duty) -> str:
    return socket.gethostname() if duty.per_machine else ""


def is_due(duty: Duty) -> bool:
    """Whether `duty` last started at least its interval ago (or never): less a tenth of it, at most 30 s, so
    that a timer waking a little early (systemd's accuracy) does not put a duty off for a whole round."""
    last = (
        HousekeepingRun.objects.filter(duty=duty.name, machine=_machine(duty))
        .values_list("last_started", flat=True)
        .first()
    )
    seconds = duty.seconds()
    return last is None or timezone.now() - last >= timedelta(seconds=seconds - min(seconds / 10, 30.0))


def _started(duty: Duty) -> None:
    HousekeepingRun.objects.update_or_create(
        duty=duty.name, machine=_machine(duty), defaults={"last_started": timezone.now()}
    )


# The last failure of each duty in this process: a duty failing the same way round after round (a service down)
# logs its traceback once, then a line each round.
_last_failure: dict[str, str] = {}


def run_duty(duty: Duty, *, when_due: bool = False) -> Outcome:
    """Run one duty, under its lock (with `when_due`, only if `is_due`); whatever it raises is logged and
    reported, never passed on."""
    started = time.monotonic()
    try:
        lock = _file_lock(duty.name) if duty.per_machine else _site_lock(duty.name)
        with lock as locked:
            if not locked:
                logger.info("housekeeping %s skipped: another process is running it", duty.name)
                return Outcome(duty.name, ok=True, skipped=True, seconds=time.monotonic() - started)
            if when_due and not is_due(duty):
                return Outcome(duty.name, ok=True, skipped=True, not_due=True, seconds=time.monotonic() - started)
            _started(duty)
            result = duty.function()()
    except Exception as error:  # one failing duty must not stop the others
        failure = f"{type(error).__name__}: {error}"
        if _last_failure.get(duty.name) == failure:  # the same again (Redis still down): one line, not a traceback
            logger.error("housekeeping %s failed again: %s", duty.name, failure)
        else:
            logger.exception("housekeeping %s failed", duty.name)
        _last_failure[duty.name] = failure
        if not connection.in_atomic_block:  # (a test's transaction is not to be closed)
            close_old_connections()  # a database that went away: the next duty gets a fresh connection
        return Outcome(duty.name, ok=False, error=failure, seconds=time.monotonic() - started)
    if _last_failure.pop(duty.name, None) is not None:
        logger.warning("housekeeping %s works again", duty.name)
    return Outcome(duty.name, ok=True, result=_summary(result), seconds=time.monotonic() - started)


def run(selected: list[Duty], *, when_due: bool = False) -> Report:
    """Run `selected` duties one after the other, each isolated from the others' failures (with `when_due`,
    those due only)."""
    return Report([run_duty(duty, when_due=when_due) for duty in selected])
