"""The search part of /healthz (portal.core.health calls `check` through SEARCH_HEALTH_CHECK).

Search is degraded, not down, when Elasticsearch does not answer or must be rebuilt: the database engine still
answers every search, so the site serves its users and /healthz stays 200 with `"degraded": true`. The engine is
asked at most every CHECK_TTL seconds per process, with the breaker's short probe timeout, and not at all while
its circuit is open (search.breaker): a hung engine cannot make /healthz wait.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings

from search import breaker, engines
from search.engines.base import EngineUnavailable

CHECK_TTL = 10.0
_answers: dict[str, tuple[float, dict[str, Any]]] = {}


def check() -> dict[str, Any]:
    engine = engines.elasticsearch_engine()
    if engine is None:
        return {"ok": True, "engine": "database"}
    if breaker.is_open(engine):
        return {"ok": True, "degraded": True, "engine": "database", "elasticsearch": "not answering"}
    now = time.monotonic()
    cached = _answers.get(settings.ELASTICSEARCH_URL)
    if cached is None or now - cached[0] > CHECK_TTL:
        cached = (now, _ask(engine))
        _answers[settings.ELASTICSEARCH_URL] = cached
    return dict(cached[1])


def _ask(engine: engines.Engine) -> dict[str, Any]:
    if not engine.ping(timeout=float(settings.SEARCH_BREAKER_PROBE_TIMEOUT_SECONDS)):
        breaker.trip(engine, "it did not answer the health check")
        return {"ok": True, "degraded": True, "engine": "database", "elasticsearch": "not answering"}
    try:
        reason = engine.rebuild_reason()
    except EngineUnavailable:
        reason = "it did not answer"
    if reason:
        return {"ok": True, "degraded": True, "engine": "elasticsearch", "elasticsearch": "rebuild needed"}
    return {"ok": True, "engine": "elasticsearch"}
