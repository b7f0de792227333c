"""Every path that gives a page its topics keeps each name whole — commas, quotes and diacritics — and finds
an existing topic whatever its case: `import_practices --topic`, the demo, and the page editor's field."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import QueryDict

import pytest

from portal.core.text import vietnamese_sort_key
from portal.home.demo import PRACTICES, SUBMISSIONS, TRAININGS
from portal.home.models import Topic
from portal.home.topic_field import TopicInput, TopicsField
from portal.practices.models import GoodPracticePage
from tests.practices.documents import VIETNAMESE, make_docx

pytestmark = pytest.mark.django_db

TRAINING_TOPIC = "Đào tạo, bồi dưỡng cán bộ"
QUOTED_TOPIC = 'Án “tín dụng đen”, "cho vay" nặng lãi'


@pytest.fixture(autouse=True)
def media_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_import_practices_gives_each_write_up_the_topics_named_whole(tmp_path, hanoi):
    existing = Topic.objects.create(name="Chuyển đổi số")
    folder = tmp_path / "reports"
    folder.mkdir()
    make_docx(folder / "a.docx", "Bồi dưỡng kiểm sát viên trẻ", [VIETNAMESE])
    topics = ["--topic", TRAINING_TOPIC, "--topic", f"  {QUOTED_TOPIC} ", "--topic", "chuyển đổi SỐ"]

    call_command("import_practices", str(folder), "--unit", "HN", "--publish", *topics, stdout=StringIO())

    page = GoodPracticePage.objects.get()
    assert sorted(topic.name for topic in page.topics.all()) == sorted([TRAINING_TOPIC, QUOTED_TOPIC, "Chuyển đổi số"])
    assert existing in page.topics.all()
    assert sorted(topic.name for topic in page.get_latest_revision_as_object().topics.all()) == sorted(
        [TRAINING_TOPIC, QUOTED_TOPIC, "Chuyển đổi số"]
    )
    assert Topic.objects.count() == 3


def test_import_practices_refuses_an_empty_topic_before_importing_anything(tmp_path, hanoi):
    folder = tmp_path / "reports"
    folder.mkdir()
    make_docx(folder / "a.docx", "Báo cáo", [VIETNAMESE])
    with pytest.raises(CommandError):
        call_command("import_practices", str(folder), "--unit", "HN", "--topic", "  ", stdout=StringIO())
    assert not GoodPracticePage.objects.exists()


def test_the_demo_keeps_its_topics_with_commas_whole():
    call_command("seed_demo", "--force", "--no-recordings", stdout=StringIO())
    specs = [*TRAININGS, *PRACTICES, *(submission.practice for submission in SUBMISSIONS)]
    named = {name for spec in specs for name in spec.topics}
    assert {"Đào tạo, bồi dưỡng cán bộ", "Kiểm sát tạm giữ, tạm giam"} <= named
    assert set(Topic.objects.values_list("name", flat=True)) == named
    custody = GoodPracticePage.objects.filter(topics__name="Kiểm sát tạm giữ, tạm giam")
    assert custody.exists()


def form_data(**values: object) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in values.items():
        data.setlist(key, value if isinstance(value, list) else [value])  # type: ignore[arg-type]
    return data


def test_the_editors_field_keeps_ticked_topics_and_new_lines_whole():
    ticked = Topic.objects.create(name=TRAINING_TOPIC)
    Topic.objects.create(name="Chuyển đổi số")
    field = TopicsField(required=False)
    typed = f"{QUOTED_TOPIC}\r\n\r\n  chuyển đổi số  \n{TRAINING_TOPIC.upper()}\n"

    value = field.widget.value_from_datadict(form_data(topics=[str(ticked.pk)], **{"topics-new": typed}), {}, "topics")
    cleaned = field.clean(value)

    names = [topic.name if isinstance(topic, Topic) else topic for topic in cleaned]
    assert names == [TRAINING_TOPIC, QUOTED_TOPIC, "Chuyển đổi số"]
    assert not field.has_changed([ticked], TopicInput(ticked=(str(ticked.pk),)))
    assert field.has_changed([ticked], value)


def test_the_editors_field_shows_a_pages_topics_ticked_and_sends_them_back_unchanged():
    topics = [Topic.objects.create(name=TRAINING_TOPIC), Topic.objects.create(name=QUOTED_TOPIC)]
    Topic.objects.create(name="Chuyển đổi số")
    field = TopicsField(required=False)

    html = field.widget.render("topics", field.prepare_value(topics), {"id": "id_topics"})

    for topic in topics:
        assert f'value="{topic.pk}" checked' in html
    assert "Án “tín dụng đen”, &quot;cho vay&quot; nặng lãi" in html
    assert field.clean(TopicInput(ticked=tuple(str(topic.pk) for topic in topics))) == sorted(
        topics, key=lambda topic: vietnamese_sort_key(topic.name)
    )
