"""The search outbox: every change that affects search writes "page N changed" in its own transaction, the
sync task is queued once that transaction commits, and draining applies the rows to every engine, keeping
them (with the error) while an engine is down. Runs on the database engine, plus an unreachable
Elasticsearch where an outage is the point."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from wagtail.documents.models import Document
from wagtail.models import PageViewRestriction

import pytest
from django_tasks import task_backends

from portal.home.models import Topic
from portal.practices.models import FieldOfWork, GoodPracticePage, PracticeAttachment
from portal.trainings.models import RecordingPart, TrainingIndexPage, TrainingPage, TrainingSeriesPage
from search import engines, sync
from search.documents import documents_for_page
from search.models import IndexChange
from tests.practices.pages import add_practice, add_training

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("database_only")]


def settle() -> None:
    """Apply and forget the rows written while the test's pages were made: the test sees only its change."""
    assert sync.drain().ok
    IndexChange.objects.all().delete()


def pending() -> set[int]:
    return set(IndexChange.objects.filter(done_at__isnull=True).values_list("page_id", flat=True))


def indexed() -> set[str]:
    return set(engines.database_engine().digests())


def queued_syncs() -> list[Any]:
    return [result for result in task_backends["media"].results if result.task.name == "sync_search_index"]


# --- Writing the outbox ------------------------------------------------------------------------------


def test_publishing_a_training_notes_the_page_and_draining_indexes_it():
    training = add_training("Tập huấn kỹ năng tranh tụng")
    assert training.pk in pending()

    result = sync.drain()
    assert result.ok and result.pages >= 1
    assert pending() == set()
    assert f"training:{training.pk}" in indexed()
    assert IndexChange.objects.filter(page_id=training.pk, done_at__isnull=False, error="").exists()


def test_a_publish_that_rolls_back_leaves_no_row_and_indexes_nothing():
    training = add_training("Tập huấn kỹ năng tranh tụng", live=False)
    settle()

    with pytest.raises(RuntimeError), transaction.atomic():
        TrainingPage.objects.get(pk=training.pk).save_revision().publish()
        assert training.pk in pending()  # written inside the transaction...
        raise RuntimeError("the editor's request failed after publishing")

    assert not IndexChange.objects.exists()  # ...and gone with it
    sync.drain()
    assert f"training:{training.pk}" not in indexed()


def test_the_sync_task_is_queued_once_per_transaction_and_only_when_it_commits(
    django_capture_on_commit_callbacks,
):
    first = add_training("Tập huấn thứ nhất", live=False)
    second = add_training("Tập huấn thứ hai", live=False)
    before = len(queued_syncs())

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        TrainingPage.objects.get(pk=first.pk).save_revision().publish()
        TrainingPage.objects.get(pk=second.pk).save_revision().publish()
        assert len(queued_syncs()) == before  # nothing before the commit

    assert [callback for callback in callbacks if callback is sync.schedule] == [sync.schedule]
    assert len(queued_syncs()) == before + 1
    assert {first.pk, second.pk} <= pending()


def test_the_sync_task_drains_the_outbox():
    training = add_training("Tập huấn kỹ năng tranh tụng")
    cache.delete(sync.RETRY_LOCK)
    outcome = sync.sync_search_index.call()
    assert outcome["failed"] == {}
    assert outcome["pages"] >= 1
    assert pending() == set()
    assert f"training:{training.pk}" in indexed()


# --- What counts as a change -------------------------------------------------------------------------


def test_unpublishing_and_deleting_are_changes():
    training = add_training("Tập huấn A")
    sync.drain()
    TrainingPage.objects.get(pk=training.pk).unpublish()
    assert pending() == {training.pk}
    sync.drain()
    assert f"training:{training.pk}" not in indexed()

    write_up = add_practice("Cách làm hay B")
    sync.drain()
    assert f"practice:{write_up.pk}" in indexed()
    GoodPracticePage.objects.get(pk=write_up.pk).delete()
    assert write_up.pk in pending()
    sync.drain()
    assert f"practice:{write_up.pk}" not in indexed()


def test_a_new_draft_of_a_write_up_is_a_change_but_a_new_draft_of_a_training_is_not():
    write_up = add_practice("Cách làm hay B")
    training = add_training("Tập huấn A")
    settle()

    page = GoodPracticePage.objects.get(pk=write_up.pk)
    page.title = "Cách làm hay B (sửa)"
    page.save_revision()
    draft_of_training = TrainingPage.objects.get(pk=training.pk)
    draft_of_training.title = "Tập huấn A (nháp)"
    draft_of_training.save_revision()
    assert pending() == {write_up.pk}


def test_moving_a_section_notes_every_searchable_page_under_it():
    series = TrainingSeriesPage(title="Chuỗi tập huấn", date=datetime.date(2026, 1, 1))
    TrainingIndexPage.objects.get().add_child(instance=series)
    inside = TrainingPage(title="Buổi một", date=datetime.date(2026, 1, 2))
    series.add_child(instance=inside)
    inside.save_revision().publish()
    other_index = TrainingSeriesPage(title="Chuỗi khác", date=datetime.date(2026, 1, 1))
    TrainingIndexPage.objects.get().add_child(instance=other_index)
    settle()

    TrainingPage.objects.get(pk=inside.pk).move(other_index, pos="last-child")
    assert pending() == {inside.pk}


def test_renaming_the_address_of_a_section_notes_the_pages_under_it_whose_addresses_changed(
    django_capture_on_commit_callbacks,
):
    series = TrainingSeriesPage(title="Chuỗi tập huấn", slug="chuoi", date=datetime.date(2026, 1, 1))
    TrainingIndexPage.objects.get().add_child(instance=series)
    series.save_revision().publish()
    inside = TrainingPage(title="Buổi một", date=datetime.date(2026, 1, 2))
    series.add_child(instance=inside)
    inside.save_revision().publish()
    settle()

    series = TrainingSeriesPage.objects.get(pk=series.pk)
    series.slug = "chuoi-tap-huan-2026"
    with django_capture_on_commit_callbacks(execute=True):  # Wagtail says so once the rename is committed
        series.save_revision().publish()
    assert inside.pk in pending()
    assert sync.drain().ok
    (entry,) = [doc for doc in documents_for_page(inside.pk) if doc.type == "training"]
    assert "/chuoi-tap-huan-2026/" in entry.url


def test_restricting_a_section_notes_the_pages_under_it():
    training = add_training("Tập huấn A")
    index = TrainingIndexPage.objects.get()
    settle()

    restriction = PageViewRestriction.objects.create(page=index, restriction_type=PageViewRestriction.GROUPS)
    assert training.pk in pending()
    settle()

    restriction.groups.add(Group.objects.create(name="Tổ chuyên đề"))
    assert training.pk in pending()
    settle()

    restriction.delete()
    assert training.pk in pending()


def test_renaming_a_unit_a_topic_or_a_field_notes_the_pages_that_show_it(hanoi, hue):
    field = FieldOfWork.objects.order_by("pk").first()
    in_hanoi = add_practice("Cách làm hay Hà Nội", unit=hanoi, field_of_work=field, topics=["Xét xử"])
    in_hue = add_practice("Cách làm hay Huế", unit=hue)
    training = add_training("Tập huấn xét xử", topics=["Xét xử"])
    settle()

    hanoi.short_name = "VKSND Thủ đô"
    hanoi.save()
    assert pending() == {in_hanoi.pk}
    IndexChange.objects.all().delete()

    topic = Topic.objects.get(name="Xét xử")
    topic.name = "Xét xử sơ thẩm"
    topic.save()
    assert pending() == {in_hanoi.pk, training.pk}
    IndexChange.objects.all().delete()

    field.name = f"{field.name} (mới)"
    field.save()
    assert pending() == {in_hanoi.pk}
    IndexChange.objects.all().delete()

    topic.delete()
    assert pending() == {in_hanoi.pk, training.pk}
    assert in_hue.pk not in pending()


def test_a_new_transcript_notes_the_trainings_that_show_the_recording():
    from media.models import Video
    from media.states import State
    from media.transcripts import Window, save_transcript

    video = Video.objects.create(title="Buổi sáng", original="videos/t/original/a.mp4", state=State.READY)
    training = add_training("Tập huấn A", live=False)
    RecordingPart.objects.create(page=training, video=video, sort_order=0)
    TrainingPage.objects.get(pk=training.pk).save_revision().publish()
    settle()

    save_transcript(video, [Window(0.0, 4.0, "Xin chào các đồng chí")], source="machine")
    assert pending() == {training.pk}


def test_replacing_an_attached_document_notes_its_page(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    write_up = add_practice("Cách làm hay B")
    document = Document.objects.create(title="Báo cáo", file=ContentFile(b"%PDF-1.4 bao cao", name="bao-cao.pdf"))
    PracticeAttachment.objects.create(page=write_up, document=document, title="Báo cáo", text="Số liệu")
    settle()

    document.file = ContentFile(b"%PDF-1.4 bao cao moi", name="bao-cao-moi.pdf")
    document.save()
    assert pending() == {write_up.pk}


def test_deleting_an_attached_document_takes_it_out_of_search(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    write_up = add_practice("Cách làm hay C")
    document = Document.objects.create(title="Báo cáo mật", file=ContentFile(b"%PDF-1.4 mat", name="bao-cao.pdf"))
    PracticeAttachment.objects.create(page=write_up, document=document, title="Báo cáo mật", text="Số liệu mật")
    settle()
    key = f"document:{write_up.pk}:{document.pk}"
    assert key in indexed()

    document.delete()
    assert pending() == {write_up.pk}
    sync.drain()
    assert key not in indexed() and f"practice:{write_up.pk}" in indexed()


# --- Draining ------------------------------------------------------------------------------------------


def test_while_elasticsearch_is_down_every_batch_still_reaches_the_database(settings, closed_port_url, monkeypatch):
    settings.ELASTICSEARCH_URL = closed_port_url
    engines._elasticsearch_engine.cache_clear()
    monkeypatch.setattr(sync, "BATCH", 1)
    first, second = add_training("Tập huấn A"), add_training("Tập huấn B")

    result = sync.drain()
    assert set(result.failed) == {"elasticsearch"}
    assert {f"training:{first.pk}", f"training:{second.pk}"} <= indexed()  # both batches, not only the first
    assert pending() == {first.pk, second.pk}  # kept until Elasticsearch has them too

    settings.ELASTICSEARCH_URL = None
    engines._elasticsearch_engine.cache_clear()


def test_an_engine_that_is_down_keeps_the_rows_with_the_error_and_the_task_retries_later(settings, closed_port_url):
    settings.ELASTICSEARCH_URL = closed_port_url
    engines._elasticsearch_engine.cache_clear()
    training = add_training("Tập huấn A")
    before = len(queued_syncs())

    first = sync.drain()
    assert not first.ok and set(first.failed) == {"elasticsearch"}
    assert pending() == {training.pk}
    change = IndexChange.objects.get(page_id=training.pk)
    assert change.attempts == 1 and "elasticsearch" in change.error
    assert f"training:{training.pk}" in indexed()  # the database engine took it all the same

    cache.delete(sync.RETRY_LOCK)
    outcome = sync.sync_search_index.call()
    assert outcome["failed"]
    assert IndexChange.objects.get(page_id=training.pk).attempts == 2
    retries = queued_syncs()[before:]
    assert len(retries) == 1 and retries[0].task.run_after is not None

    settings.ELASTICSEARCH_URL = None
    engines._elasticsearch_engine.cache_clear()
    sync.retry_pending()
    assert pending() == set()


def test_done_rows_are_kept_a_week_for_rebuilds_then_forgotten():
    training = add_training("Tập huấn A")
    sync.drain()
    old = IndexChange.objects.create(page_id=training.pk)
    IndexChange.objects.filter(pk=old.pk).update(done_at=timezone.now() - sync.KEEP_DONE - datetime.timedelta(hours=1))
    recent = IndexChange.objects.filter(page_id=training.pk).exclude(pk=old.pk).get()

    sync.drain()
    assert not IndexChange.objects.filter(pk=old.pk).exists()
    assert IndexChange.objects.filter(pk=recent.pk).exists()


def test_replaying_applies_every_page_changed_since_a_moment_done_or_not():
    before = add_training("Tập huấn trước")
    sync.drain()
    moment = timezone.now()
    after = add_training("Tập huấn sau")
    sync.drain()
    engines.database_engine().delete([f"training:{before.pk}", f"training:{after.pk}"])

    result = sync.replay_since(moment, engines.engines())
    assert result.ok and result.pages == 1
    assert f"training:{after.pk}" in indexed()
    assert f"training:{before.pk}" not in indexed()
