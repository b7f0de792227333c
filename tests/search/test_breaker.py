"""A search engine that accepts connections and never answers costs one timeout, not one per request: the circuit
opens, searches, autocomplete and /healthz answer from the database at once for a cool-off, and the circuit closes
again once the engine answers a probe. Against a real hung server: a socket on 127.0.0.1 that accepts and keeps
silent."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.utils import timezone

import pytest

from search import engines, health
from search.engines.elastic import ElasticsearchEngine
from search.models import EngineCircuit
from search.query import complete, parse_request, run
from search.sync import drain
from tests.practices.pages import add_training
from tests.search.test_contract import configure, elastic_address

pytestmark = pytest.mark.django_db


@pytest.fixture
def hung_url() -> Iterator[str]:
    """An address where a server accepts every connection and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every request the Elasticsearch engine sends for a search, an autocomplete or a ping, by name."""
    seen: list[str] = []
    for name in ("search", "complete", "ping"):
        real = getattr(ElasticsearchEngine, name)

        def spy(self: Any, *args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            seen.append(_name)
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(ElasticsearchEngine, name, spy)
    return seen


@pytest.fixture
def fresh_health() -> Iterator[None]:
    health._answers.clear()
    yield
    health._answers.clear()


def point_at(settings: Any, url: str) -> None:
    settings.ELASTICSEARCH_URL = url
    settings.ELASTICSEARCH_TIMEOUT = 1
    engines._elasticsearch_engine.cache_clear()


def test_after_one_timeout_searches_answer_from_the_database_without_asking_the_engine(
    settings, hung_url, calls, lan_viewer, fresh_health
):
    settings.ELASTICSEARCH_URL = None
    add_training("Tập huấn kỹ năng tranh tụng")
    assert drain().ok  # the database engine has it
    point_at(settings, hung_url)
    request = parse_request({"q": "tranh tụng"})

    first = run(request, lan_viewer)  # waits for the timeout once, and opens the circuit
    assert first.result.degraded and first.result.total == 1
    assert calls == ["search"]

    second = run(request, lan_viewer)
    assert second.result.degraded and second.result.total == 1
    assert complete(lan_viewer, "tranh")  # autocomplete, from the database too
    assert calls == ["search"]  # neither asked the hung engine


def test_healthz_says_degraded_but_working_and_never_waits_for_an_open_circuit(settings, hung_url, calls, fresh_health):
    point_at(settings, hung_url)
    from tests.core.test_healthz import as_monitor, beat

    beat(["default", "video"])
    client = as_monitor(settings)

    response = client.get("/healthz")  # one short probe, which trips the circuit
    assert response.status_code == 200
    body = response.json()
    assert body["degraded"] is True and body["checks"]["search"]["degraded"] is True
    assert calls == ["ping"]

    health._answers.clear()
    assert client.get("/healthz").json()["degraded"] is True
    assert calls == ["ping"]  # the open circuit answered


def test_the_circuit_closes_again_once_the_engine_answers(request, settings, hung_url, calls, lan_viewer, fresh_health):
    add_training("Tập huấn kỹ năng tranh tụng")
    working = configure(settings, *elastic_address(request))
    assert drain().ok
    point_at(settings, hung_url)
    search = parse_request({"q": "tranh tụng"})
    assert run(search, lan_viewer).result.degraded
    assert EngineCircuit.objects.get(engine="elasticsearch").open_until is not None

    # The engine is back (the address answers again); the cool-off has not passed: still the database.
    configure(settings, working.url, working.prefix)  # type: ignore[attr-defined]
    calls.clear()
    assert run(search, lan_viewer).result.degraded
    assert calls == []

    EngineCircuit.objects.update(open_until=timezone.now() - timedelta(seconds=1))  # the cool-off is over
    answered = run(search, lan_viewer)

    assert not answered.result.degraded and answered.result.engine == "elasticsearch"
    assert answered.result.total == 1
    assert calls == ["ping", "search"]  # one probe, then the engine itself
    assert EngineCircuit.objects.get(engine="elasticsearch").open_until is None


def test_a_probe_that_finds_the_engine_still_hung_keeps_the_circuit_open(settings, hung_url, calls, lan_viewer):
    point_at(settings, hung_url)
    search = parse_request({"q": "tranh tụng"})
    run(search, lan_viewer)
    EngineCircuit.objects.update(open_until=timezone.now() - timedelta(seconds=1))

    assert run(search, lan_viewer).result.degraded
    assert calls == ["search", "ping"]
    circuit = EngineCircuit.objects.get(engine="elasticsearch")
    assert circuit.open_until > timezone.now() and circuit.failures == 2
