"""`manage.py search_index`: `--check` tells an operator (and a monitoring script, by its exit status) whether
the index matches the database, `--rebuild` repairs any difference, `--drain` applies the outbox now, and
with no option it says which engines answer. Against the database engine alone and with Elasticsearch."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError

import pytest

from portal.practices.models import GoodPracticePage
from search import engines
from search.engines.base import Engine
from search.models import IndexChange
from search.sync import drain
from tests.practices.pages import add_practice, add_training
from tests.search.test_contract import ENGINES, configure, elastic_address

pytestmark = pytest.mark.django_db


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, settings: Any) -> Iterator[Engine]:
    primary = (
        configure(settings, None) if request.param == "database" else configure(settings, *elastic_address(request))
    )
    yield primary
    engines._elasticsearch_engine.cache_clear()


def check(capsys: Any) -> tuple[int, str]:
    """Run `search_index --check`; its exit status and what it printed."""
    try:
        call_command("search_index", "--check")
    except CommandError as failure:
        return failure.returncode, capsys.readouterr().out + str(failure)
    return 0, capsys.readouterr().out


def test_check_exits_0_when_every_engine_matches_the_database(engine, capsys):
    add_practice("Kinh nghiệm kiểm sát điều tra")
    add_training("Tập huấn kỹ năng tranh tụng")
    assert drain().ok

    status, output = check(capsys)
    assert status == 0, output
    assert "The index matches the database." in output
    for target in engines.engines():
        assert f"{target.name}: 2 expected, 2 indexed, 0 missing, 0 not in the database, 0 out of date" in output


def test_check_exits_1_and_names_what_is_missing_extra_or_out_of_date(engine, capsys):
    stale = add_practice("Kinh nghiệm kiểm sát điều tra")
    assert drain().ok
    missing = add_training("Tập huấn kỹ năng tranh tụng")  # published, not yet synced
    page = GoodPracticePage.objects.get(pk=stale.pk)
    page.title = "Kinh nghiệm kiểm sát điều tra vụ án tham nhũng"
    page.save_revision().publish()  # edited, not yet synced
    ghost = replace(_docs(stale.pk)[0], key="practice:999999", page_id=999999)
    engine.upsert([ghost])  # in the index, not in the database

    status, output = check(capsys)
    assert status == 1
    assert f"missing: training:{missing.pk}" in output
    assert f"stale: practice:{stale.pk}" in output
    assert "extra: practice:999999" in output
    assert "changes are waiting in the outbox" in output

    assert drain().ok
    engine.delete(["practice:999999"])
    assert check(capsys)[0] == 0


def waiting() -> int:
    return IndexChange.objects.filter(done_at__isnull=True).count()


def _docs(page_id: int) -> list[Any]:
    from search.documents import documents_for_page

    return documents_for_page(page_id)


def test_the_exit_status_reaches_the_shell(engine, capsys):
    add_practice("Kinh nghiệm kiểm sát điều tra")  # not synced: the index misses it

    with pytest.raises(SystemExit) as exit_status:
        ManagementUtility(["manage.py", "search_index", "--check"]).execute()
    assert exit_status.value.code == 1
    assert "differs from the database" in capsys.readouterr().err


def test_a_rebuild_repairs_every_difference(engine, capsys):
    kept = add_practice("Kinh nghiệm kiểm sát điều tra")
    assert drain().ok
    add_training("Tập huấn kỹ năng tranh tụng")  # not synced
    ghost = replace(_docs(kept.pk)[0], key="practice:999999", page_id=999999)
    engine.upsert([ghost])
    assert check(capsys)[0] == 1

    call_command("search_index", "--rebuild")
    output = capsys.readouterr().out
    assert "Rebuild done." in output
    assert not IndexChange.objects.filter(done_at__isnull=True).exists()  # what the rebuild covered is done
    assert check(capsys)[0] == 0
    if engine.name == "elasticsearch":
        assert len(engine.concrete_indexes()) == 1  # type: ignore[attr-defined]


def test_drain_applies_the_outbox_now(engine, capsys):
    add_practice("Kinh nghiệm kiểm sát điều tra")
    call_command("search_index", "--drain")
    assert "1 pages, 1 documents sent" in capsys.readouterr().out
    assert not IndexChange.objects.filter(done_at__isnull=True).exists()
    assert check(capsys)[0] == 0


@pytest.mark.parametrize("engine", ["elasticsearch"], indirect=True)
def test_with_elasticsearch_down_drain_and_check_fail_and_the_changes_wait(engine, settings, closed_port_url, capsys):
    configure(settings, closed_port_url, settings.ELASTICSEARCH_INDEX_PREFIX)
    write_up = add_practice("Kinh nghiệm kiểm sát điều tra")

    with pytest.raises(CommandError, match="stay pending"):
        call_command("search_index", "--drain")
    assert IndexChange.objects.filter(page_id=write_up.pk, done_at__isnull=True).exists()
    with pytest.raises(CommandError, match="unavailable") as failure:
        call_command("search_index", "--check")
    assert failure.value.returncode == 1

    call_command("search_index")
    output = capsys.readouterr().out
    assert "database: answering" in output
    assert "elasticsearch: NOT ANSWERING" in output
    assert f"{waiting()} changes waiting in the outbox" in output


def test_status_names_each_engine_and_the_waiting_changes(engine, capsys):
    add_practice("Kinh nghiệm kiểm sát điều tra")
    call_command("search_index")
    output = capsys.readouterr().out
    for target in engines.engines():
        assert f"{target.name}: answering" in output
    assert f"{waiting()} changes waiting in the outbox" in output


@pytest.mark.parametrize("engine", ["database"], indirect=True)
def test_asking_for_elasticsearch_when_it_is_not_configured_is_an_error(engine):
    with pytest.raises(CommandError, match="not configured"):
        call_command("search_index", "--check", "--engine", "elasticsearch")
