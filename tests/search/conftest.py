"""Search engines for the tests: Elasticsearch on a real server, with its own indexes for each test.

By default the server is osmem-server (an in-memory Elasticsearch-compatible server): its pytest plugin
starts one per test session (`osmem_server`) and `osmem_clone` gives each test a writable clone of it, so tests
never see each other's documents. With `TEST_ELASTICSEARCH_URL` set (`make test-es`), the tests run against that
real cluster instead; each test still gets a unique index prefix and its indexes are deleted afterwards.
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections.abc import Iterator

import pytest

from search.engines.base import EngineUnavailable
from search.engines.elastic import ElasticsearchEngine


@pytest.fixture
def elastic_url(request: pytest.FixtureRequest) -> str:
    """The address of an Elasticsearch-compatible server this test may write to."""
    url = os.environ.get("TEST_ELASTICSEARCH_URL")
    if url:
        return url
    return str(request.getfixturevalue("osmem_clone").url)


@pytest.fixture
def elastic_engine(elastic_url: str) -> Iterator[ElasticsearchEngine]:
    """An `ElasticsearchEngine` with a prefix of its own; every write is visible to the next search."""
    engine = ElasticsearchEngine(elastic_url, f"test-{uuid.uuid4().hex[:12]}", timeout=10, refresh=True)
    yield engine
    with contextlib.suppress(EngineUnavailable):
        engine.drop()
    engine.close()


@pytest.fixture
def closed_port_url() -> str:
    """An address on this machine where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def database_only(settings) -> Iterator[None]:
    """No Elasticsearch configured: the database engine alone answers and is synced."""
    from search import engines

    settings.ELASTICSEARCH_URL = None
    engines._elasticsearch_engine.cache_clear()
    yield
    engines._elasticsearch_engine.cache_clear()


@pytest.fixture(autouse=True)
def fresh_acronyms() -> Iterator[None]:
    """The acronym list is cached beyond each test's rolled-back transaction: start and end every test without it."""
    from search.models import clear_acronym_cache

    clear_acronym_cache()
    yield
    clear_acronym_cache()


@pytest.fixture
def index(db):
    """The database engine, which answers in tests unless one configures Elasticsearch."""
    from search import engines

    return engines.database_engine()


@pytest.fixture
def as_lan(client, lan_viewer):
    """The test client, signed in as Lan (all staff)."""
    client.force_login(lan_viewer)
    return client
