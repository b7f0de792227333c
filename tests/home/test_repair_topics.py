"""`repair_topics` (and the migration that runs it) puts back the topics with commas that the admin's old
tag field broke into pieces, on a database damaged the way the tag field damaged it."""

from __future__ import annotations

import contextlib
import importlib
from io import StringIO

from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

import pytest

from portal.home.models import Topic
from portal.home.topic_repair import TopicSet, is_head, is_piece, plan_repair
from portal.practices.models import GoodPracticePage
from search.models import IndexChange
from tests.home.topic_damage import damage, tag_field_round_trip
from tests.practices.pages import add_practice, add_training

pytestmark = pytest.mark.django_db

TRAINING_TOPIC = "Đào tạo, bồi dưỡng cán bộ"
CUSTODY_TOPIC = "Kiểm sát tạm giữ, tạm giam"
PLAIN_TOPIC = "Chuyển đổi số"


def names_of(page) -> list[str]:
    return sorted(topic.name for topic in type(page).objects.get(pk=page.pk).topics.all())


def latest_names(page) -> list[str]:
    latest = type(page).objects.get(pk=page.pk).get_latest_revision_as_object()
    return sorted(topic.name for topic in latest.topics.all())


def repair(*args: str) -> str:
    out = StringIO()
    call_command("repair_topics", *args, stdout=out)
    return out.getvalue()


def test_the_replayed_tag_field_breaks_topics_as_chromium_saw_it():
    # What publishing unchanged in Chromium gave before the fix (tests/browser/test_topics_in_admin.py).
    pieces = ["Chuyển đổi số", "Kiểm sát tạm giữ,", "tạm giam"]
    assert sorted(tag_field_round_trip([CUSTODY_TOPIC, PLAIN_TOPIC])) == pieces
    assert sorted(tag_field_round_trip([TRAINING_TOPIC])) == ["bồi", "bộ", "cán", "dưỡng", "Đào tạo,"]


def test_it_puts_the_real_topics_back_and_deletes_the_pieces(client, quang_admin):
    practice = damage(add_practice("Kiểm sát nhà tạm giữ", topics=[CUSTODY_TOPIC, PLAIN_TOPIC]), times=2)
    training = damage(add_training("Bồi dưỡng kiểm sát viên", topics=[TRAINING_TOPIC]))
    untouched = add_practice("Chuyển đổi số ở Huế", topics=[TRAINING_TOPIC, PLAIN_TOPIC])
    assert names_of(practice) == ["Chuyển đổi số", "Kiểm sát tạm giữ,", "tạm giam"]
    assert names_of(training) == ["bồi", "bộ", "cán", "dưỡng", "Đào tạo,"]
    IndexChange.objects.all().delete()

    output = repair()

    # Search is told, so its topic filters stop offering the pieces.
    assert set(IndexChange.objects.values_list("page_id", flat=True)) == {practice.pk, training.pk}

    assert names_of(practice) == ["Chuyển đổi số", CUSTODY_TOPIC]
    assert names_of(training) == [TRAINING_TOPIC]
    assert names_of(untouched) == ["Chuyển đổi số", TRAINING_TOPIC]
    assert latest_names(practice) == ["Chuyển đổi số", CUSTODY_TOPIC]
    assert latest_names(training) == [TRAINING_TOPIC]
    assert sorted(Topic.objects.values_list("name", flat=True)) == sorted([CUSTODY_TOPIC, PLAIN_TOPIC, TRAINING_TOPIC])
    # Every saved version still opens: no revision points at a deleted topic.
    client.force_login(quang_admin)
    topic_ids = set(Topic.objects.values_list("pk", flat=True))
    for page in (practice, training):
        assert client.get(f"/admin/pages/{page.pk}/edit/").status_code == 200
        for revision in page.revisions.all():
            assert {item["tag"] for item in revision.content["topic_items"]} <= topic_ids

    assert f"Cách làm hay “Kiểm sát nhà tạm giữ” (trang {practice.pk}): gắn lại chủ đề “{CUSTODY_TOPIC}”" in output
    assert f"Tập huấn “Bồi dưỡng kiểm sát viên” (trang {training.pk}): gắn lại chủ đề “{TRAINING_TOPIC}”" in output
    assert "Đã xóa chủ đề hỏng “Đào tạo,”: không còn gì dùng đến." in output
    assert "Đã xóa chủ đề hỏng “tạm giam”: không còn gì dùng đến." in output
    assert "2 trang đã được sửa, 7 chủ đề hỏng đã bị xóa." in output

    assert repair() == "Không tìm thấy chủ đề nào bị tách hỏng. Không có gì thay đổi.\n"


def test_a_real_topic_among_the_pieces_is_kept_where_it_was_chosen():
    # "Tạm giam" is a topic of its own on another write-up; the tag field reused it for the piece "tạm giam".
    own = add_practice("Quản lý người bị tạm giam", topics=["Tạm giam"])
    practice = damage(add_practice("Kiểm sát nhà tạm giữ", topics=[CUSTODY_TOPIC, PLAIN_TOPIC]))
    assert names_of(practice) == ["Chuyển đổi số", "Kiểm sát tạm giữ,", "Tạm giam"]

    output = repair()

    assert names_of(practice) == ["Chuyển đổi số", CUSTODY_TOPIC]
    assert names_of(own) == ["Tạm giam"]
    assert Topic.objects.filter(name="Tạm giam").exists()
    assert not Topic.objects.filter(name="Kiểm sát tạm giữ,").exists()
    assert "Giữ lại chủ đề “Tạm giam”" in output


def test_a_dry_run_says_what_it_would_do_and_changes_nothing():
    practice = damage(add_practice("Kiểm sát nhà tạm giữ", topics=[CUSTODY_TOPIC]))
    before = sorted(Topic.objects.values_list("name", flat=True))

    output = repair("--dry-run")

    assert output.startswith("Chạy thử: chưa thay đổi gì.")
    assert f"gắn lại chủ đề “{CUSTODY_TOPIC}”" in output
    assert "Sẽ xóa chủ đề hỏng “Kiểm sát tạm giữ,”" in output
    assert "Sẽ sửa 1 trang và xóa 3 chủ đề hỏng." in output
    assert sorted(Topic.objects.values_list("name", flat=True)) == before
    assert names_of(practice) == ["Kiểm sát tạm giữ,", "giam", "tạm"]


def test_the_migration_repairs_with_the_models_of_its_time():
    practice = damage(add_practice("Kiểm sát nhà tạm giữ", topics=[CUSTODY_TOPIC]))
    migration = importlib.import_module("portal.home.migrations.0003_repair_broken_topics")
    state = MigrationLoader(connection).project_state(("home", "0003_repair_broken_topics"))

    with contextlib.redirect_stdout(StringIO()) as printed:
        migration.repair(state.apps, None)

    assert f"gắn lại chủ đề “{CUSTODY_TOPIC}”" in printed.getvalue()
    assert "search_index --rebuild" in printed.getvalue()

    assert names_of(practice) == [CUSTODY_TOPIC]
    assert django_apps.get_model("home", "Topic").objects.count() == 1


def test_topics_with_commas_chosen_on_purpose_are_left_alone():
    names = {1: CUSTODY_TOPIC, 2: "Tạm giữ, tạm giam", 3: "Kiểm sát", 4: "Đào tạo,", 5: TRAINING_TOPIC}
    assert is_head("Đào tạo,", TRAINING_TOPIC) and is_head("Đào tạo,bồi", "Đào tạo, bồi")
    assert not is_head("Tạm giữ, tạm giam", CUSTODY_TOPIC)  # a name of its own, not a piece
    assert is_piece("Kiểm sát", CUSTODY_TOPIC) and not is_piece("Tạm giữ, tạm giam", CUSTODY_TOPIC)
    sets = [TopicSet(10, frozenset({2, 3})), TopicSet(11, frozenset({1})), TopicSet(12, frozenset({3}))]
    plan = plan_repair(names, sets)
    assert plan.fixes == []
    assert plan.delete == {4}  # a piece nothing holds; the real topics stay


def test_nothing_to_repair_is_said_plainly():
    add_practice("Kiểm sát nhà tạm giữ", topics=[CUSTODY_TOPIC])
    assert repair() == "Không tìm thấy chủ đề nào bị tách hỏng. Không có gì thay đổi.\n"
    assert GoodPracticePage.objects.get().topics.get().name == CUSTODY_TOPIC
