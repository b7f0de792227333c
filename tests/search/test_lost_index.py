"""An Elasticsearch index that comes back empty (a new cluster, a lost volume), that is not the portal's, or that
was built with another mapping is rebuilt from the database by the next drain, whole, and `search_index --check`
says "rebuild needed" until it is."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError

import pytest

from search import engines
from search.documents import all_documents
from search.engines import elastic
from search.engines.elastic import ElasticsearchEngine
from search.sync import drain, retry_pending
from tests.practices.pages import add_practice, add_training
from tests.search.test_contract import configure, elastic_address

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal_elastic(request: pytest.FixtureRequest, settings: Any) -> Iterator[ElasticsearchEngine]:
    """The portal pointed at a test Elasticsearch, as an operator configures it."""
    engine = configure(settings, *elastic_address(request))
    assert isinstance(engine, ElasticsearchEngine)
    yield engine
    engines._elasticsearch_engine.cache_clear()


def check() -> tuple[int, str]:
    """`search_index --check`: its exit status and what it said."""
    from io import StringIO

    out = StringIO()
    try:
        call_command("search_index", "--check", stdout=out)
    except CommandError as failure:
        return failure.returncode, out.getvalue() + str(failure)
    return 0, out.getvalue()


def test_an_index_deleted_behind_the_portals_back_is_rebuilt_whole_by_the_next_drain(portal_elastic):
    for number in range(6):
        add_training(f"Tập huấn kỹ năng số {number}")
    add_practice("Kinh nghiệm kiểm sát điều tra")
    assert drain().ok
    expected = {doc.key for doc in all_documents()}
    assert set(portal_elastic.digests()) == expected and len(expected) >= 7

    portal_elastic.drop()  # the cluster comes back empty: no alias, no index
    status, output = check()
    assert status == 1 and "rebuild needed" in output.lower()

    add_practice("Một thay đổi mới trong lúc đó")  # one pending change, as in the attack
    result = drain()

    assert result.ok, result.failed
    assert result.rebuilt["elasticsearch"] == len(expected) + 1
    assert set(portal_elastic.digests()) == {doc.key for doc in all_documents()}
    assert portal_elastic.rebuild_reason() == ""
    assert check()[0] == 0


def test_the_workers_housekeeping_rebuilds_a_lost_index_with_nothing_pending(portal_elastic):
    add_training("Tập huấn kỹ năng tranh tụng")
    assert drain().ok
    portal_elastic.drop()

    retry_pending()

    assert set(portal_elastic.digests()) == {doc.key for doc in all_documents()} != set()


def test_an_empty_index_created_by_a_search_is_not_taken_for_the_real_one(portal_elastic):
    add_training("Tập huấn kỹ năng tranh tụng")
    add_practice("Kinh nghiệm kiểm sát điều tra")
    assert drain().ok
    portal_elastic.drop()
    portal_elastic.ensure_index()  # a web process searched first and made an empty index behind the alias

    assert "created empty" in portal_elastic.rebuild_reason()
    assert drain().rebuilt["elasticsearch"] == 2
    assert len(portal_elastic.digests()) == 2


def test_an_alias_over_an_index_the_portal_did_not_build_is_foreign(portal_elastic):
    add_training("Tập huấn kỹ năng tranh tụng")
    assert drain().ok
    portal_elastic.drop()
    portal_elastic.client.indices.create(
        index=f"{portal_elastic.alias}-other", body={"aliases": {portal_elastic.alias: {}}}
    )

    assert "did not build" in portal_elastic.rebuild_reason()
    assert drain().rebuilt["elasticsearch"] == 1
    assert portal_elastic.aliased_indexes() != [f"{portal_elastic.alias}-other"]


def test_a_mapping_version_bump_is_detected_and_rebuilt(portal_elastic, monkeypatch):
    add_training("Tập huấn kỹ năng tranh tụng")
    assert drain().ok
    assert portal_elastic.rebuild_reason() == ""

    monkeypatch.setattr(elastic, "MAPPING_VERSION", elastic.MAPPING_VERSION + 1)

    assert "mapping version" in portal_elastic.rebuild_reason()
    status, output = check()
    assert status == 1 and "rebuild needed" in output.lower()
    assert drain().rebuilt == {"elasticsearch": 1}
    assert portal_elastic.rebuild_reason() == ""
    assert check()[0] == 0


def test_healthz_says_a_lost_index_must_be_rebuilt_while_the_site_still_answers(settings, portal_elastic):
    from search import health
    from tests.core.test_healthz import as_monitor, beat

    beat(["default", "video"])
    client = as_monitor(settings)
    add_training("Tập huấn kỹ năng tranh tụng")
    assert drain().ok
    portal_elastic.drop()
    health._answers.clear()

    response = client.get("/healthz")

    health._answers.clear()
    assert response.status_code == 200
    assert response.json()["degraded"] is True
    assert response.json()["checks"]["search"]["elasticsearch"] == "rebuild needed"
