"""A circuit breaker in front of the search engine, so that an engine that hangs costs one timeout, not one per
request.

An engine can accept connections and never answer: every search, autocomplete and /healthz then waited the full
ELASTICSEARCH_TIMEOUT. After one failure the circuit opens: for SEARCH_BREAKER_COOL_OFF_SECONDS every request
answers from the database engine at once (kept up to date by the sync whatever else is configured), with the
reduced-mode notice. The first request after the cool-off claims the probe (an atomic UPDATE, so one request
among all processes does it) and pings the engine with SEARCH_BREAKER_PROBE_TIMEOUT_SECONDS, a short timeout:
if it answers, the circuit closes and that request is served by the engine; if not, it opens for another
cool-off.

The state is a row of `search.models.EngineCircuit`, shared by every web and worker process: see its docstring
for why not Django's cache. A request only reads the row; it writes only when the engine fails or comes back, and
then in a savepoint, so a failed write (a busy SQLite, a PostgreSQL error) never breaks the request's own
transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from search.engines.base import Engine
from search.models import EngineCircuit

logger = logging.getLogger(__name__)


def open_until(engine: Engine) -> datetime | None:
    """Until when `engine` is left alone, or None when its circuit is closed (or cannot be read)."""
    try:
        return EngineCircuit.objects.filter(engine=engine.name).values_list("open_until", flat=True).first()
    except DatabaseError:
        return None


def is_open(engine: Engine) -> bool:
    until = open_until(engine)
    return until is not None and timezone.now() < until


def allows(engine: Engine) -> bool:
    """Whether to ask `engine` now: yes while closed; no while open; after the cool-off, yes for the one request
    that claims the probe and sees the engine answer a ping within the short probe timeout."""
    until = open_until(engine)
    if until is None:
        return True
    now = timezone.now()
    if now < until:
        return False
    cool_off = timedelta(seconds=settings.SEARCH_BREAKER_COOL_OFF_SECONDS)
    try:  # the others keep answering from the database while this request probes
        with transaction.atomic():
            claimed = EngineCircuit.objects.filter(engine=engine.name, open_until=until).update(
                open_until=now + cool_off
            )
    except DatabaseError:
        return False
    if not claimed:
        return False
    if engine.ping(timeout=float(settings.SEARCH_BREAKER_PROBE_TIMEOUT_SECONDS)):
        close(engine)
        return True
    trip(engine, "the engine did not answer the probe")
    return False


def trip(engine: Engine, error: str) -> None:
    """Open the circuit of `engine` for a cool-off."""
    until = timezone.now() + timedelta(seconds=settings.SEARCH_BREAKER_COOL_OFF_SECONDS)
    logger.warning("Search engine %s failed (%s); answering from the database until %s", engine.name, error, until)
    try:
        with transaction.atomic():
            _record_failure(engine, until, error)
    except DatabaseError:
        logger.exception("Could not record that search engine %s failed", engine.name)


def _record_failure(engine: Engine, until: datetime, error: str) -> None:
    updated = EngineCircuit.objects.filter(engine=engine.name).update(
        open_until=until, failures=F("failures") + 1, last_error=error[:500]
    )
    if not updated:
        EngineCircuit.objects.get_or_create(
            engine=engine.name, defaults={"open_until": until, "failures": 1, "last_error": error[:500]}
        )


def close(engine: Engine) -> None:
    """The engine answered: close its circuit (a write only when it was open)."""
    try:
        with transaction.atomic():
            EngineCircuit.objects.filter(engine=engine.name, open_until__isnull=False).update(
                open_until=None, failures=0, last_error=""
            )
    except DatabaseError:
        logger.exception("Could not record that search engine %s answers again", engine.name)
