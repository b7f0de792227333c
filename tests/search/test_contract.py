"""The same searches, as staff make them, against every engine: the database fallback and Elasticsearch
(osmem-server here, a real cluster with `make test-es ELASTICSEARCH_URL=...`).

Everything goes the way production goes: pages are published, unpublished, moved and deleted by Wagtail,
the signal receivers write the outbox, `search.sync.drain()` (the sync task's body) sends the documents to
every configured engine, and the personas search through `search.query.run`. Nothing is mocked: an engine
that is "down" is an address where nothing listens.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.models import AnonymousUser, Group
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction
from django.utils.translation import gettext

from wagtail.documents.models import Document
from wagtail.models import PageViewRestriction

import pytest

from portal.practices.models import FieldOfWork, GoodPracticePage, PracticeAttachment
from portal.trainings.models import (
    Attachment,
    Chapter,
    RecordingPart,
    TrainingIndexPage,
    TrainingPage,
    TrainingSeriesPage,
)
from portal.units.models import Unit, User
from search import engines
from search.engines.base import Engine, Hit
from search.models import IndexChange, ZeroResultQuery
from search.query import Outcome, complete, parse_request, run
from search.sync import DrainResult, drain
from search.text import fold, tokens
from tests.conftest import make_user
from tests.practices.pages import add_practice

pytestmark = pytest.mark.django_db

ENGINES = ["database", "elasticsearch"]


# --- Engines -----------------------------------------------------------------------------------------


def elastic_address(request: pytest.FixtureRequest) -> tuple[str, str]:
    """The URL and a fresh index prefix of the test cluster (osmem-server, or TEST_ELASTICSEARCH_URL), from
    the Elasticsearch engine's own fixture, which also deletes the indexes afterwards."""
    clone = request.getfixturevalue("elastic_engine")
    return clone.url, clone.prefix


def configure(settings: Any, url: str | None, prefix: str | None = None) -> Engine:
    """Point the portal at `url` (None: no Elasticsearch) as an operator would, and return the engine
    that answers queries."""
    settings.ELASTICSEARCH_URL = url
    if prefix:
        settings.ELASTICSEARCH_INDEX_PREFIX = prefix
    engines._elasticsearch_engine.cache_clear()
    primary = engines.primary_engine()
    if primary.name == "elasticsearch":
        primary.refresh_writes = True  # type: ignore[attr-defined]  # each write visible to the next search
    return primary


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, settings: Any) -> Iterator[Engine]:
    """The engine that answers queries: the database alone, or Elasticsearch (the sync then writes to both)."""
    if request.param == "database":
        primary = configure(settings, None)
    else:
        primary = configure(settings, *elastic_address(request))
    assert primary.name == request.param
    yield primary
    engines._elasticsearch_engine.cache_clear()


def sync() -> DrainResult:
    """What the sync task does once the transaction commits."""
    result = drain()
    assert result.ok, result.failed
    return result


# --- Content and people --------------------------------------------------------------------------------


def add_training(
    title: str,
    *,
    summary: str = "",
    unit: Unit | None = None,
    date: datetime.date = datetime.date(2026, 1, 15),
    topics: tuple[str, ...] = (),
    parts: tuple[Any, ...] = (),
    live: bool = True,
    parent: Any = None,
) -> TrainingPage:
    """A training as editors make one: its recording parts (videos) in order, then published."""
    page = TrainingPage(title=title, summary=summary, unit=unit, date=date, live=False)
    (parent or TrainingIndexPage.objects.get()).add_child(instance=page)
    for order, video in enumerate(parts):
        RecordingPart.objects.create(page=page, video=video, title=f"Phần {order + 1}", sort_order=order)
    page.topics.add(*topics)
    revision = page.save_revision()
    if live:
        revision.publish()
    page.refresh_from_db()
    return page


def practice(title: str, **fields: Any) -> GoodPracticePage:
    fields.setdefault("summary", "")
    return add_practice(title, **fields)


@pytest.fixture
def boss(supreme) -> User:
    """The portal's superuser."""
    return make_user("boss", supreme, None, is_superuser=True, is_staff=True)


@pytest.fixture
def huong_hue_submitter(hue) -> User:
    from portal.units import roles

    return make_user("huong", hue, roles.SUBMITTER, first_name="Hương", last_name="Võ Thị")


def search(user: Any, q: str = "", **params: Any) -> Outcome:
    return run(parse_request({"q": q, **params}), user)


def titles(outcome: Outcome) -> list[str]:
    return [hit.title for hit in outcome.result.hits]


def hit_for(outcome: Outcome, page: Any) -> Hit:
    found = [hit for hit in outcome.result.hits if hit.page_id == page.pk and hit.type in {"training", "practice"}]
    assert found, f"{page.title!r} not in {titles(outcome)}"
    return found[0]


def marked(html: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", html)


def facet(outcome: Outcome, name: str) -> dict[str, int]:
    return {value.value: value.count for value in outcome.result.facets.get(name, [])}


def labels(outcome: Outcome, name: str) -> dict[str, str]:
    return {value.value: value.label for value in outcome.result.facets.get(name, [])}


# --- Vietnamese text ---------------------------------------------------------------------------------


def test_dao_tao_typed_without_diacritics_finds_dao_tao_and_the_exact_spelling_ranks_first(engine, lan_viewer):
    phone = practice("Dao tao kiem sat vien tre", date=datetime.date(2026, 5, 1))
    slip = practice("Đạo tạo kiểm sát viên trẻ", date=datetime.date(2026, 5, 2))
    exact = practice("Đào tạo kiểm sát viên trẻ", date=datetime.date(2026, 4, 1))
    practice("Kiểm sát việc tạm giữ", date=datetime.date(2026, 5, 3))
    sync()

    folded = search(lan_viewer, "dao tao")
    assert sorted(titles(folded)) == sorted([phone.title, slip.title, exact.title])
    assert folded.result.engine == engine.name
    assert not folded.result.degraded

    typed = search(lan_viewer, "đào tạo")
    assert titles(typed)[0] == exact.title
    assert set(titles(typed)) == {phone.title, slip.title, exact.title}


def test_both_tone_placements_find_each_other(engine, lan_viewer):
    old_style = practice("Hòa giải tranh chấp đất đai")
    new_style = practice("Hoà giải viên ở cơ sở")  # as typed with the new-style habit
    sync()

    assert titles(search(lan_viewer, "viên ở cơ sở")) == ["Hòa giải viên ở cơ sở"]  # stored in one spelling
    for typed in ("hòa giải", "hoà giải", "HOÀ GIẢI", "hoa giai"):
        found = {hit.page_id for hit in search(lan_viewer, typed).result.hits}
        assert found == {old_style.pk, new_style.pk}, typed


def test_a_query_in_decomposed_unicode_finds_what_the_precomposed_one_finds(engine, lan_viewer):
    practice("Đào tạo kiểm sát viên trẻ")
    practice("Thủy lợi và môi trường")
    sync()

    for text in ("đào tạo", "thủy lợi"):
        decomposed = unicodedata.normalize("NFD", text)
        assert decomposed != text
        precomposed = search(lan_viewer, text)
        assert precomposed.result.total == 1
        assert titles(search(lan_viewer, decomposed)) == titles(precomposed)


def test_acronyms_find_their_expansion_and_the_expansion_finds_the_acronym(engine, lan_viewer):
    short = practice("Quy chế phối hợp của VKSND với cơ quan thuế")
    full = practice("Viện kiểm sát nhân dân hướng dẫn kháng nghị")
    other = practice("Tòa án nhân dân xét xử lưu động")
    sync()

    both = sorted([short.title, full.title])
    assert sorted(titles(search(lan_viewer, "VKSND"))) == both
    assert sorted(titles(search(lan_viewer, "vksnd"))) == both
    assert sorted(titles(search(lan_viewer, "viện kiểm sát nhân dân"))) == both
    assert sorted(titles(search(lan_viewer, "vien kiem sat nhan dan"))) == both
    assert titles(search(lan_viewer, "TAND")) == [other.title]
    assert titles(search(lan_viewer, "TAND xét xử")) == [other.title]


def test_a_typo_is_forgiven_in_a_second_pass_and_a_spelling_is_suggested(engine, lan_viewer):
    wanted = practice("Đào tạo kiểm sát viên trẻ")
    practice("Kiểm sát việc tạm giữ")
    sync()

    outcome = search(lan_viewer, "dao tso")
    assert outcome.corrected
    assert titles(outcome)[0] == wanted.title
    assert tokens(outcome.result.suggestion) == ["dao", "tao"]


def test_a_query_that_finds_nothing_even_forgiving_typos_says_so(engine, lan_viewer):
    practice("Đào tạo kiểm sát viên trẻ")
    sync()

    outcome = search(lan_viewer, "xyzzy quokka")
    assert outcome.result.total == 0
    assert not outcome.corrected
    assert outcome.result.hits == []
    search(lan_viewer, "XYZZY  Quokka")
    assert ZeroResultQuery.objects.get(key="xyzzy quokka").count == 2  # counted for editors, once per spelling


# --- Facets --------------------------------------------------------------------------------------------


@pytest.fixture
def fields() -> dict[str, FieldOfWork]:
    return {
        "trial": FieldOfWork.objects.get(name="Thực hành quyền công tố, kiểm sát xét xử vụ án hình sự"),
        "it": FieldOfWork.objects.get(name="Ứng dụng công nghệ thông tin, chuyển đổi số"),
    }


@pytest.fixture
def catalogue(hanoi, hue, fields) -> dict[str, Any]:
    """Four things about "kinh nghiệm", in two units, two fields, two years and two topics."""
    pages = {
        "hn_trial_2025": practice(
            "Kinh nghiệm xét xử trực tuyến",
            unit=hanoi,
            field_of_work=fields["trial"],
            date=datetime.date(2025, 5, 2),
            topics=["Xét xử"],
        ),
        "hn_it_2026": practice(
            "Kinh nghiệm số hóa hồ sơ",
            unit=hanoi,
            field_of_work=fields["it"],
            date=datetime.date(2026, 2, 10),
            topics=["Chuyển đổi số"],
        ),
        "hue_trial_2026": practice(
            "Kinh nghiệm tranh tụng tại phiên tòa",
            unit=hue,
            field_of_work=fields["trial"],
            date=datetime.date(2026, 3, 1),
            topics=["Xét xử"],
        ),
        "hn_training_2026": add_training(
            "Kinh nghiệm xét hỏi bị cáo", unit=hanoi, date=datetime.date(2026, 1, 20), topics=("Xét xử",)
        ),
    }
    sync()
    return pages


def test_each_facet_counts_with_the_other_filters_applied(engine, lan_viewer, hanoi, hue, fields, catalogue):
    from portal.home.models import Topic

    trial_topic = str(Topic.objects.get(name="Xét xử").pk)
    digital_topic = str(Topic.objects.get(name="Chuyển đổi số").pk)

    everything = search(lan_viewer, "kinh nghiệm")
    assert everything.result.total == 4
    assert facet(everything, "type") == {"practice": 3, "training": 1}
    assert facet(everything, "unit") == {str(hanoi.pk): 3, str(hue.pk): 1}
    assert facet(everything, "year") == {"2025": 1, "2026": 3}

    in_hanoi = search(lan_viewer, "kinh nghiệm", unit=str(hanoi.pk))
    assert in_hanoi.result.total == 3
    assert facet(in_hanoi, "unit") == {str(hanoi.pk): 3, str(hue.pk): 1}  # its own filter does not count
    assert facet(in_hanoi, "type") == {"practice": 2, "training": 1}
    assert facet(in_hanoi, "year") == {"2025": 1, "2026": 2}
    assert facet(in_hanoi, "field") == {str(fields["trial"].pk): 1, str(fields["it"].pk): 1}
    assert facet(in_hanoi, "topic") == {trial_topic: 2, digital_topic: 1}

    practices_in_hanoi = search(lan_viewer, "kinh nghiệm", unit=str(hanoi.pk), type="practice")
    assert practices_in_hanoi.result.total == 2
    assert facet(practices_in_hanoi, "unit") == {str(hanoi.pk): 2, str(hue.pk): 1}
    assert facet(practices_in_hanoi, "type") == {"practice": 2, "training": 1}
    assert facet(practices_in_hanoi, "year") == {"2025": 1, "2026": 1}

    two_units_2026 = search(lan_viewer, "kinh nghiệm", unit=f"{hanoi.pk},{hue.pk}", year="2026")
    assert two_units_2026.result.total == 3
    assert facet(two_units_2026, "year") == {"2025": 1, "2026": 3}
    assert facet(two_units_2026, "unit") == {str(hanoi.pk): 2, str(hue.pk): 1}


def test_facet_values_carry_their_names_from_the_database(engine, lan_viewer, hanoi, fields, catalogue):
    outcome = search(lan_viewer, "kinh nghiệm")
    assert labels(outcome, "unit")[str(hanoi.pk)] == hanoi.short_name
    assert labels(outcome, "type") == {"practice": str(gettext("Good practice")), "training": str(gettext("Training"))}
    assert labels(outcome, "field")[str(fields["it"].pk)] == fields["it"].name
    assert "Chuyển đổi số" in labels(outcome, "topic").values()


def test_filters_alone_list_everything_that_matches_newest_first(engine, lan_viewer, hanoi, catalogue):
    outcome = search(lan_viewer, "", unit=str(hanoi.pk))
    assert titles(outcome) == [
        catalogue["hn_it_2026"].title,
        catalogue["hn_training_2026"].title,
        catalogue["hn_trial_2025"].title,
    ]


# --- Highlighting ------------------------------------------------------------------------------------


def test_the_matched_words_are_marked_with_their_diacritics(engine, lan_viewer):
    practice(
        "Bồi dưỡng cán bộ",
        summary="Đơn vị tổ chức công tác đào tạo cán bộ trẻ ngay tại cơ sở.",
    )
    sync()

    hit = search(lan_viewer, "dao tao").result.hits[0]
    words = [fold(word) for mark in marked(hit.snippet) for word in mark.split()]
    assert "dao" in words and "tao" in words
    assert "đào" in hit.snippet and "tạo" in hit.snippet
    assert "dao" not in fold(re.sub(r"<mark>.*?</mark>", "", hit.snippet)).split()


def test_stored_text_is_escaped_in_snippets(engine, lan_viewer):
    practice("Mẫu biểu điện tử", summary='Dùng thẻ <script>alert("x")</script> khi nhập biểu mẫu điện tử')
    sync()

    hit = search(lan_viewer, "biểu mẫu").result.hits[0]
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet


def test_an_attached_document_is_found_by_its_text_and_names_the_page_it_belongs_to(
    engine, lan_viewer, settings, tmp_path
):
    from tests.practices.documents import docx_bytes

    settings.MEDIA_ROOT = tmp_path
    write_up = practice("Kinh nghiệm kiểm sát hồ sơ")
    report = Document.objects.create(
        title="bao-cao.pdf", file=ContentFile(b"%PDF-1.4 bao cao", name="bao-cao.pdf"), collection_id=1
    )
    PracticeAttachment.objects.create(
        page=write_up, document=report, title="Báo cáo tổng kết", text="Số liệu về án hình sự có yếu tố nước ngoài"
    )
    GoodPracticePage.objects.get(pk=write_up.pk).save_revision().publish()
    training = add_training("Tập huấn kỹ năng xét hỏi")
    slides = Document.objects.create(
        title="Bài giảng",
        file=ContentFile(docx_bytes("Bài giảng", ["Xét hỏi người làm chứng là người dưới 18 tuổi"]), name="bg.docx"),
        collection_id=1,
    )
    Attachment.objects.create(page=training, document=slides, title="Bài giảng xét hỏi", sort_order=0)
    TrainingPage.objects.get(pk=training.pk).save_revision().publish()
    sync()

    (hit,) = search(lan_viewer, "yếu tố nước ngoài").result.hits
    assert hit.type == "document" and hit.page_id == write_up.pk
    assert hit.title == "Báo cáo tổng kết"
    assert hit.url == report.url
    assert hit.parent_title == write_up.title
    assert "<mark>" in hit.snippet

    outcome = search(lan_viewer, "nguoi lam chung")
    assert [(hit.type, hit.page_id, hit.parent_title) for hit in outcome.result.hits] == [
        ("document", training.pk, training.title)
    ]
    assert facet(outcome, "type") == {"document": 1}


def test_results_come_twenty_to_a_page(engine, lan_viewer):
    for day in range(1, 24):
        practice(f"Kinh nghiệm số {day}", date=datetime.date(2026, 3, day))
    sync()

    first = search(lan_viewer, "kinh nghiệm", sort="newest")
    second = search(lan_viewer, "kinh nghiệm", sort="newest", page="2")
    assert first.result.total == second.result.total == 23
    assert first.page_count == 2
    assert len(first.result.hits) == 20 and len(second.result.hits) == 3
    assert titles(first)[0] == "Kinh nghiệm số 23"
    assert titles(second) == ["Kinh nghiệm số 3", "Kinh nghiệm số 2", "Kinh nghiệm số 1"]


def test_the_search_box_completes_titles_the_user_may_see_and_acronyms(engine, lan_viewer, hoa_reviewer, hue):
    practice("Đào tạo kiểm sát viên trẻ")
    practice("Đào tạo lại cán bộ Huế", unit=hue, live=False)
    sync()

    for_lan = {item["text"] for item in complete(lan_viewer, "dao t")}
    assert "Đào tạo kiểm sát viên trẻ" in for_lan
    assert "Đào tạo lại cán bộ Huế" not in for_lan
    assert "Đào tạo lại cán bộ Huế" in {item["text"] for item in complete(hoa_reviewer, "đào t")}
    assert {"text": "VKSND (Viện kiểm sát nhân dân)", "kind": "acronym", "value": "VKSND"} in complete(
        lan_viewer, "vksn"
    )
    assert complete(AnonymousUser(), "dao") == []


# --- Permissions ---------------------------------------------------------------------------------------


@pytest.fixture
def drafts(hanoi, hue) -> dict[str, GoodPracticePage]:
    pages = {
        "hanoi": practice("Bản nháp kinh nghiệm kháng nghị Hà Nội", unit=hanoi, live=False),
        "hue": practice("Bản nháp kinh nghiệm kháng nghị Huế", unit=hue, live=False),
        "published": practice("Kinh nghiệm kháng nghị đã đăng", unit=hue),
    }
    sync()
    return pages


def test_a_draft_is_found_only_by_its_units_submitters_and_the_reviewers(
    engine, drafts, lan_viewer, minh_submitter, huong_hue_submitter, hoa_reviewer, quang_admin
):
    published = drafts["published"].title
    assert titles(search(lan_viewer, "kháng nghị")) == [published]
    assert sorted(titles(search(minh_submitter, "kháng nghị"))) == sorted([drafts["hanoi"].title, published])
    assert sorted(titles(search(huong_hue_submitter, "kháng nghị"))) == sorted([drafts["hue"].title, published])
    everything = sorted(page.title for page in drafts.values())
    assert sorted(titles(search(hoa_reviewer, "kháng nghị"))) == everything
    assert sorted(titles(search(quang_admin, "kháng nghị"))) == everything


def test_facets_count_only_what_the_user_may_see(engine, drafts, lan_viewer, hue):
    outcome = search(lan_viewer, "kháng nghị")
    assert facet(outcome, "unit") == {str(hue.pk): 1}
    assert facet(outcome, "type") == {"practice": 1}


def test_a_training_for_some_groups_is_found_only_by_their_members(engine, lan_viewer, minh_submitter, boss):
    panel = Group.objects.create(name="Tổ chuyên đề chứng cứ điện tử")
    lan_viewer.groups.add(panel)
    closed = add_training("Chứng cứ điện tử trong vụ án ma túy")
    restriction = PageViewRestriction.objects.create(page=closed, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(panel)
    opened = add_training("Chứng cứ điện tử và giám định")
    sync()

    assert sorted(titles(search(lan_viewer, "chứng cứ điện tử"))) == sorted([closed.title, opened.title])
    assert titles(search(minh_submitter, "chứng cứ điện tử")) == [opened.title]
    assert sorted(titles(search(boss, "chứng cứ điện tử"))) == sorted([closed.title, opened.title])


def test_a_training_behind_a_password_is_found_only_by_superusers(engine, lan_viewer, quang_admin, boss):
    secret = add_training("Hội nghị tổng kết công tác mật")
    PageViewRestriction.objects.create(
        page=secret, restriction_type=PageViewRestriction.PASSWORD, password="mat-khau-chung"
    )
    sync()

    assert search(lan_viewer, "tổng kết").result.total == 0
    assert search(quang_admin, "tổng kết").result.total == 0
    assert titles(search(boss, "tổng kết")) == [secret.title]


def test_someone_not_signed_in_finds_nothing(engine, catalogue):
    anonymous = search(AnonymousUser(), "kinh nghiệm")
    assert anonymous.result.total == 0
    assert anonymous.result.hits == []
    assert search(AnonymousUser(), "", type="practice").result.total == 0


# --- Moments in recordings ---------------------------------------------------------------------------


def recording(title: str, seconds: float = 600.0) -> Any:
    from media.models import Video
    from media.states import State

    return Video.objects.create(
        title=title,
        original=f"videos/test/original/{fold(title).replace(' ', '-')}.mp4",
        duration=seconds,
        state=State.READY,
        output_dir="videos/test/hls",
    )


def say(video: Any, *lines: tuple[float, float, str]) -> None:
    """Give `video` a transcript, as the captions task or an editor would."""
    from media.transcripts import Window, save_transcript

    save_transcript(video, [Window(start, end, text) for start, end, text in lines], source="machine")


def test_a_hit_inside_a_recording_points_at_the_part_and_second_where_it_was_said(engine, lan_viewer):
    morning, afternoon = recording("Buổi sáng"), recording("Buổi chiều")
    filler = "Các đồng chí chú ý theo dõi phần trình bày tiếp theo."
    say(morning, *[(float(t), float(t + 5), filler) for t in range(0, 300, 5)])
    say(
        afternoon,
        *[(float(t), float(t + 5), filler) for t in range(0, 120, 5)],
        (120.0, 126.0, "Bây giờ chúng ta bàn về việc thu giữ dữ liệu điện tử từ điện thoại"),
        *[(float(t), float(t + 5), filler) for t in range(126, 300, 5)],
    )
    training = add_training("Tập huấn kỹ năng kiểm sát điều tra", parts=(morning, afternoon))
    sync()

    outcome = search(lan_viewer, "thu giu du lieu")
    hit = hit_for(outcome, training)
    assert hit.moments, hit
    moment = hit.moments[0]
    assert moment.part == 2
    assert moment.start <= 120.0 < moment.end
    words = [fold(word) for mark in marked(moment.text) for word in mark.split()]
    assert {"thu", "giu", "du", "lieu"} <= set(words)
    assert "dữ liệu" in re.sub(r"</?mark>", "", moment.text)


def test_inside_a_recording_the_window_that_says_it_as_typed_comes_first(engine, lan_viewer):
    video = recording("Buổi sáng")
    say(
        video,
        (10.0, 16.0, "Công tác đạo tạo cán bộ trẻ của đơn vị"),  # a slip of the recogniser
        (60.0, 66.0, "Công tác đào tạo cán bộ trẻ của đơn vị"),
    )
    training = add_training("Tập huấn nghiệp vụ", parts=(video,))
    sync()

    hit = hit_for(search(lan_viewer, "đào tạo cán bộ"), training)
    assert [moment.start for moment in hit.moments][:1] == [60.0]
    hit = hit_for(search(lan_viewer, "đạo tạo cán bộ"), training)
    assert [moment.start for moment in hit.moments][:1] == [10.0]


def test_a_chapter_title_is_a_moment_too(engine, lan_viewer):
    video = recording("Buổi sáng")
    training = add_training("Tập huấn nghiệp vụ kháng nghị", parts=(video,))
    Chapter.objects.create(page=training, part_number=1, start=95, title="Giải đáp vướng mắc về án treo")
    training.save_revision().publish()
    sync()

    hit = hit_for(search(lan_viewer, "án treo"), training)
    assert [(moment.part, moment.start) for moment in hit.moments][:1] == [(1, 95.0)]


def test_a_slide_is_a_moment_opening_the_pdf_at_its_page_or_the_recording_at_its_tied_time(
    engine, lan_viewer, settings, tmp_path
):
    from portal.trainings.models import SlideTiming
    from portal.trainings.slides import build_deck
    from tests.practices.documents import has_vietnamese_font, slides_pdf_bytes

    if not has_vietnamese_font():
        pytest.skip("needs DejaVu Sans (fonts-dejavu-core) to write Vietnamese")
    settings.MEDIA_ROOT = tmp_path
    video = recording("Buổi sáng")
    training = add_training("Tập huấn kỹ năng kiểm sát điều tra", parts=(video,))
    deck = Document.objects.create(
        title="Bài giảng",
        file=ContentFile(
            slides_pdf_bytes([["Mở đầu"], ["Nội dung chính"], ["Thu giữ dữ liệu điện tử từ điện thoại"]]),
            name="bai-giang.pdf",
        ),
        collection_id=1,
    )
    Attachment.objects.create(page=training, document=deck, sort_order=0)
    training.save_revision().publish()
    build_deck(deck)  # what the worker does once the training is published
    sync()

    # The recording says it many times too: the slide still shows among the hit's moments.
    say(video, *[(float(t), float(t + 25), "Việc thu giữ dữ liệu điện tử phải đúng luật") for t in range(0, 600, 30)])
    sync()

    hit = hit_for(search(lan_viewer, "thu giu du lieu dien tu"), training)
    assert any(moment.slide is None for moment in hit.moments)
    (moment,) = [moment for moment in hit.moments if moment.slide is not None]
    assert (moment.slide, moment.part, moment.link) == (3, 0, f"{deck.url}#page=3")
    assert "<mark>" in moment.text

    SlideTiming.objects.create(page=training, document=deck, number=3, part_number=1, start=754)
    from portal.trainings.slides import slides_changed

    slides_changed.send(sender=SlideTiming, document=deck)  # as the admin's slides screen does
    sync()
    hit = hit_for(search(lan_viewer, "dữ liệu điện tử"), training)
    (moment,) = [moment for moment in hit.moments if moment.slide is not None]
    assert (moment.slide, moment.part, moment.start) == (3, 1, 754.0)


def test_a_new_transcript_makes_the_recording_searchable(engine, lan_viewer):
    video = recording("Buổi sáng")
    training = add_training("Tập huấn nghiệp vụ", parts=(video,))
    sync()
    assert search(lan_viewer, "giám định tư pháp").result.total == 0

    say(video, (30.0, 38.0, "Vấn đề giám định tư pháp trong vụ án kinh tế"))
    sync()
    hit = hit_for(search(lan_viewer, "giám định tư pháp"), training)
    assert hit.moments[0].start <= 30.0


# --- Keeping up with changes -------------------------------------------------------------------------


def test_publishing_unpublishing_editing_and_deleting_show_at_once(engine, lan_viewer):
    training = add_training("Tập huấn phòng chống tham nhũng", live=False)
    sync()
    assert search(lan_viewer, "tham nhũng").result.total == 0

    training.save_revision().publish()
    sync()
    assert titles(search(lan_viewer, "tham nhũng")) == [training.title]

    training.title = "Tập huấn phòng chống lãng phí"
    training.save_revision().publish()
    sync()
    assert search(lan_viewer, "tham nhũng").result.total == 0
    assert titles(search(lan_viewer, "lãng phí")) == [training.title]

    TrainingPage.objects.get(pk=training.pk).unpublish()
    sync()
    assert search(lan_viewer, "lãng phí").result.total == 0

    write_up = practice("Kinh nghiệm phòng chống lãng phí")
    sync()
    assert titles(search(lan_viewer, "lãng phí")) == [write_up.title]
    GoodPracticePage.objects.get(pk=write_up.pk).delete()
    sync()
    assert search(lan_viewer, "lãng phí").result.total == 0


def test_a_moved_training_has_its_new_address_and_its_new_sections_restriction(engine, lan_viewer, minh_submitter):
    panel = Group.objects.create(name="Tổ công tác đặc biệt")
    lan_viewer.groups.add(panel)
    series = TrainingSeriesPage(title="Chuỗi tập huấn chuyên sâu", date=datetime.date(2026, 1, 1))
    TrainingIndexPage.objects.get().add_child(instance=series)
    series.save_revision().publish()
    restriction = PageViewRestriction.objects.create(page=series, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(panel)
    training = add_training("Tập huấn điều tra tội phạm công nghệ cao")
    sync()
    assert titles(search(minh_submitter, "công nghệ cao")) == [training.title]

    TrainingPage.objects.get(pk=training.pk).move(series, pos="last-child")
    sync()
    training.refresh_from_db()
    assert search(minh_submitter, "công nghệ cao").result.total == 0
    hit = hit_for(search(lan_viewer, "công nghệ cao"), training)
    assert hit.url == training.url
    assert series.url_path.rstrip("/") in training.url_path


def test_renaming_a_unit_renames_it_in_every_hit(engine, lan_viewer, hanoi):
    write_up = practice("Kinh nghiệm hòa giải", unit=hanoi)
    sync()
    assert hit_for(search(lan_viewer, "hòa giải"), write_up).unit_name == hanoi.short_name

    hanoi.short_name = "VKSND Thủ đô"
    hanoi.save()
    sync()
    assert hit_for(search(lan_viewer, "hòa giải"), write_up).unit_name == "VKSND Thủ đô"


def test_a_publish_that_rolls_back_is_never_found(engine, lan_viewer):
    training = add_training("Tập huấn phòng chống tham nhũng", live=False)
    sync()

    with pytest.raises(RuntimeError), transaction.atomic():
        TrainingPage.objects.get(pk=training.pk).save_revision().publish()
        raise RuntimeError("the request failed after publishing")

    assert not IndexChange.objects.filter(done_at__isnull=True).exists()
    sync()
    assert search(lan_viewer, "tham nhũng").result.total == 0


# --- Rebuilding while people work ----------------------------------------------------------------------


def test_a_rebuild_swaps_in_a_new_index_and_keeps_changes_made_while_it_ran(engine, lan_viewer, monkeypatch, capsys):
    from search.management.commands import search_index

    kept = practice("Kinh nghiệm giải quyết án tồn đọng")
    renamed = practice("Kinh nghiệm kiểm sát thi hành án dân sự")
    late = add_training("Tập huấn giải quyết án tồn đọng", live=False)
    sync()
    before = engine.aliased_indexes() if engine.name == "elasticsearch" else []  # type: ignore[attr-defined]

    original = search_index.all_documents
    rebuilds = len(engines.engines())
    calls: list[int] = []
    meanwhile: list[str] = []

    def documents_while_editors_work() -> Iterator[Any]:
        calls.append(1)
        for number, doc in enumerate(original()):
            # Halfway through loading the engine that answers queries (the last one), two edits arrive.
            if len(calls) == rebuilds and number == 1 and not meanwhile:
                page = GoodPracticePage.objects.get(pk=renamed.pk)
                page.title = "Kinh nghiệm kiểm sát thi hành án hành chính"
                page.save_revision().publish()
                TrainingPage.objects.get(pk=late.pk).save_revision().publish()
                meanwhile.append(page.title)
            yield doc

    monkeypatch.setattr(search_index, "all_documents", documents_while_editors_work)
    call_command("search_index", "--rebuild")
    assert meanwhile

    found = titles(search(lan_viewer, "án tồn đọng"))
    assert sorted(found) == sorted([kept.title, late.title])
    assert titles(search(lan_viewer, "thi hành án hành chính")) == [meanwhile[0]]
    assert search(lan_viewer, "thi hành án dân sự").result.total == 0
    if engine.name == "elasticsearch":
        after = engine.aliased_indexes()  # type: ignore[attr-defined]
        assert len(after) == 1 and after != before
        assert engine.concrete_indexes() == after  # type: ignore[attr-defined]  # the old index is gone

    monkeypatch.setattr(search_index, "all_documents", original)
    call_command("search_index", "--check")  # raises CommandError on any difference
    assert "The index matches the database." in capsys.readouterr().out


# --- Elasticsearch down, then back -------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["elasticsearch"], indirect=True)
def test_when_elasticsearch_is_down_the_database_answers_and_nothing_is_lost(
    engine, settings, closed_port_url, lan_viewer
):
    url, prefix = settings.ELASTICSEARCH_URL, settings.ELASTICSEARCH_INDEX_PREFIX
    earlier = practice("Kinh nghiệm truy tố án ma túy")
    sync()

    configure(settings, closed_port_url, prefix)
    during = practice("Kinh nghiệm kiểm sát án ma túy xuyên quốc gia")
    earlier_page = GoodPracticePage.objects.get(pk=earlier.pk)
    earlier_page.unpublish()

    outage = drain()
    assert not outage.ok and "elasticsearch" in outage.failed
    waiting = IndexChange.objects.filter(done_at__isnull=True)
    assert set(waiting.values_list("page_id", flat=True)) == {during.pk, earlier.pk}
    assert all(change.error and change.attempts == 1 for change in waiting)

    degraded = search(lan_viewer, "ma túy")
    assert degraded.result.degraded
    assert degraded.result.engine == "database"
    assert titles(degraded) == [during.title]  # the database engine took the changes at once

    back = configure(settings, url, prefix)
    assert drain().ok
    assert not IndexChange.objects.filter(done_at__isnull=True).exists()
    answered = search(lan_viewer, "ma túy")
    assert not answered.result.degraded
    assert answered.result.engine == "elasticsearch"
    assert titles(answered) == [during.title]
    assert set(back.digests()) == set(engines.database_engine().digests())
