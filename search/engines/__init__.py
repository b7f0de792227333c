"""Which engine answers, and the fallback when it cannot.

The database engine is always kept up to date (the sync task writes to it whatever else is configured), so
when Elasticsearch is configured but down, pages answer from the database with a notice instead of an error.
An engine that failed is left alone for a cool-off (search.breaker), so a hung one costs one timeout, not one per
request.
"""

from __future__ import annotations

import logging
from functools import cache

from django.conf import settings
from django.db import DatabaseError

from search.engines.base import Engine, EngineUnavailable, Query, ResultPage, Viewer

logger = logging.getLogger(__name__)


@cache
def database_engine() -> Engine:
    from search.engines.database import DatabaseEngine

    return DatabaseEngine()


@cache
def _elasticsearch_engine(url: str, prefix: str, timeout: float) -> Engine:
    from search.engines.elastic import ElasticsearchEngine

    return ElasticsearchEngine(url, prefix, timeout=timeout)


def elasticsearch_engine() -> Engine | None:
    """The Elasticsearch engine when ELASTICSEARCH_URL is set, else None."""
    if not settings.ELASTICSEARCH_URL:
        return None
    return _elasticsearch_engine(
        settings.ELASTICSEARCH_URL, settings.ELASTICSEARCH_INDEX_PREFIX, float(settings.ELASTICSEARCH_TIMEOUT)
    )


def engines() -> list[Engine]:
    """Every engine the sync task keeps up to date: the database, then Elasticsearch when configured."""
    elastic = elasticsearch_engine()
    return [database_engine()] if elastic is None else [database_engine(), elastic]


def primary_engine() -> Engine:
    """The engine that answers queries."""
    return elasticsearch_engine() or database_engine()


def search(query: Query) -> ResultPage:
    """Run `query` on the primary engine, or on the database when the primary is unavailable or its circuit is
    open (search.breaker)."""
    from search import breaker

    engine = primary_engine()
    if engine is database_engine() or breaker.allows(engine):
        try:
            return engine.search(query)
        except EngineUnavailable as failure:
            logger.warning("Search engine %s unavailable; answering from the database", engine.name, exc_info=True)
            breaker.trip(engine, str(failure))
        except DatabaseError:  # the database engine refused this query: an empty answer, never an error page
            logger.exception("The database search failed for %r", query.text)
            return ResultPage(total=0, hits=[], facets={}, engine=engine.name, degraded=True)
    try:
        result = database_engine().search(query)
    except DatabaseError:
        logger.exception("The database search failed for %r", query.text)
        return ResultPage(total=0, hits=[], facets={}, engine="database", degraded=True)
    result.degraded = True
    return result


def complete(prefix: str, viewer: Viewer, limit: int = 8) -> list[str]:
    """Autocomplete on the primary engine, or on the database when it is unavailable or its circuit is open."""
    from search import breaker

    engine = primary_engine()
    if engine is not database_engine() and breaker.allows(engine):
        try:
            return engine.complete(prefix, viewer, limit)
        except EngineUnavailable as failure:
            breaker.trip(engine, str(failure))
    return database_engine().complete(prefix, viewer, limit)
