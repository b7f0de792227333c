"""The Elasticsearch engine on a real server (osmem-server, or the cluster in TEST_ELASTICSEARCH_URL), with
hand-built documents: Vietnamese matching and ranking, permissions, facets, highlights, transcript moments,
completion, the index's upkeep (deletes, digests, rebuild behind the alias) and failing loudly when it is down."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest

from search.engines import elastic
from search.engines.base import (
    DOCUMENT,
    NOBODY,
    PRACTICE,
    TRAINING,
    EngineUnavailable,
    FacetValue,
    Moment,
    Query,
    SearchDoc,
    Viewer,
)
from search.engines.elastic import ElasticsearchEngine, from_source, to_source

# Personas: what each one may see.
STAFF = Viewer()  # anyone signed in
INSPECTOR = Viewer(groups=(7,))  # member of group 7
REVIEWER = Viewer(all_drafts=True)
HANOI_SUBMITTER = Viewer(draft_unit=2)
ADMIN = Viewer(superuser=True)

HANOI, HUE = 2, 3
CRIMINAL, CIVIL = 11, 12  # topics
INVESTIGATION = 21  # field of work


def make_doc(key: str, title: str, **fields: Any) -> SearchDoc:
    kind, page_id = key.split(":")[:2]
    defaults: dict[str, Any] = {
        "type": kind,
        "page_id": int(page_id),
        "url": f"/{kind}/{page_id}/",
        "date": datetime.date(2024, 1, 1),
        "digest": f"digest of {key}",
    }
    return SearchDoc(key=key, title=title, **{**defaults, **fields})


def keys(engine: ElasticsearchEngine, text: str = "", **query: Any) -> list[str]:
    return [hit.key for hit in engine.search(Query(text=text, viewer=query.pop("viewer", ADMIN), **query)).hits]


def counts(values: list[FacetValue]) -> dict[str, int]:
    return {value.value: value.count for value in values}


def test_a_document_is_stored_whole_and_comes_back_equal(elastic_engine):
    doc = make_doc(
        "training:1",
        "Đào tạo kiểm sát viên",
        summary="Tóm tắt",
        body="Nội dung",
        topics=((CRIMINAL, "Hình sự"), (CIVIL, "Dân sự")),
        unit_id=HANOI,
        unit_name="VKSND TP Hà Nội",
        groups=(7, 8),
        live=False,
        moments=(Moment(part=1, start=0.0, end=30.5, text="xin chào"),),
    )
    elastic_engine.upsert([doc])

    assert from_source(to_source(doc)) == doc
    assert elastic_engine.get("training:1") == doc
    assert elastic_engine.get("training:404") is None


def test_words_typed_without_diacritics_find_the_vietnamese_text(elastic_engine):
    elastic_engine.upsert([make_doc("practice:1", "Kinh nghiệm đào tạo kiểm sát viên")])

    assert keys(elastic_engine, "dao tao kiem sat") == ["practice:1"]
    assert keys(elastic_engine, "ĐÀO TẠO") == ["practice:1"]


def test_every_word_of_the_query_must_occur(elastic_engine):
    elastic_engine.upsert(
        [
            make_doc("practice:1", "Đào tạo cán bộ", body="hình sự"),
            make_doc("practice:2", "Đào tạo cán bộ"),
        ]
    )

    assert keys(elastic_engine, "đào tạo hình sự") == ["practice:1"]
    assert keys(elastic_engine, "đào tạo dân sự") == []


def test_the_spelling_the_user_typed_ranks_above_other_diacritics(elastic_engine):
    elastic_engine.upsert(
        [
            make_doc("practice:1", "Chuyên đề", body="bàn về đạo tạo"),
            make_doc("practice:2", "Chuyên đề", body="bàn về dao tao"),
            make_doc("practice:3", "Chuyên đề", body="bàn về đào tạo"),
        ]
    )

    found = keys(elastic_engine, "đào tạo")
    assert found[0] == "practice:3"
    assert sorted(found) == ["practice:1", "practice:2", "practice:3"]
    assert sorted(keys(elastic_engine, "dao tao")) == ["practice:1", "practice:2", "practice:3"]


def test_the_spelling_as_typed_wins_even_from_the_body_against_the_title(elastic_engine):
    elastic_engine.upsert(
        [
            make_doc("practice:1", "Chuyên đề", body="Bài viết dài về công tác đào tạo cán bộ trong ngành kiểm sát"),
            make_doc("practice:2", "Đạo tạo"),
            make_doc("practice:3", "Dao tao"),
            make_doc("training:4", "Bài giảng", moments=(Moment(part=1, start=0.0, end=30.0, text="nói về đào tạo"),)),
        ]
    )

    assert sorted(keys(elastic_engine, "đào tạo")[:2]) == ["practice:1", "training:4"]
    assert sorted(keys(elastic_engine, "đào tao")[:2]) == ["practice:1", "training:4"]
    assert keys(elastic_engine, "đạo tạo")[0] == "practice:2"
    assert len(keys(elastic_engine, "dao tao")) == 4


def test_words_next_to_each_other_rank_above_scattered_ones(elastic_engine):
    elastic_engine.upsert(
        [
            make_doc("practice:1", "Chuyên đề", body="kiểm tra hồ sơ và giám sát việc thi hành án"),
            make_doc("practice:2", "Chuyên đề", body="công tác kiểm sát việc thi hành án hình sự"),
            make_doc("practice:3", "Chuyên đề", body="kiểm điểm công tác, sát hạch hồ sơ thi hành án"),
        ]
    )

    assert keys(elastic_engine, "kiểm sát")[0] == "practice:2"
    assert keys(elastic_engine, "kiem sat")[0] == "practice:2"
    assert sorted(keys(elastic_engine, "kiểm sát")) == ["practice:1", "practice:2", "practice:3"]


def test_a_match_in_the_title_ranks_above_one_in_the_body(elastic_engine):
    elastic_engine.upsert(
        [
            make_doc("practice:1", "Kinh nghiệm chung", body="vụ án tham nhũng được phát hiện"),
            make_doc("practice:2", "Chống tham nhũng", body="kinh nghiệm chung"),
        ]
    )

    assert keys(elastic_engine, "tham nhũng") == ["practice:2", "practice:1"]


def test_a_document_matching_any_acronym_reading_is_found(elastic_engine):
    elastic_engine.upsert(
        [
            make_doc("document:1:1", "Quy chế của VKSND"),
            make_doc("document:1:2", "Quy chế Viện kiểm sát nhân dân"),
            make_doc("document:1:3", "Quy chế của Tòa án"),
        ]
    )

    found = keys(elastic_engine, "quy chế VKSND", variants=("quy chế Viện kiểm sát nhân dân",))
    assert sorted(found) == ["document:1:1", "document:1:2"]
    assert keys(elastic_engine, "quy chế VKSND") == ["document:1:1"]


def test_the_fuzzy_pass_forgives_a_wrong_letter_the_first_pass_does_not(elastic_engine):
    elastic_engine.upsert([make_doc("practice:1", "Kinh nghiệm điều tra tham nhũng")])

    assert keys(elastic_engine, "dieu trs tham nhung") == []
    assert keys(elastic_engine, "dieu trs tham nhung", fuzzy=True) == ["practice:1"]


def test_an_empty_query_lists_everything_newest_first(elastic_engine):
    elastic_engine.upsert(
        [
            make_doc("practice:1", "Cũ", date=datetime.date(2020, 5, 1)),
            make_doc("practice:3", "Mới", date=datetime.date(2025, 5, 1)),
            make_doc("practice:2", "Mới", date=datetime.date(2025, 5, 1)),
            make_doc("practice:4", "Không ngày", date=None),
        ]
    )

    assert keys(elastic_engine) == ["practice:2", "practice:3", "practice:1", "practice:4"]
    page = elastic_engine.search(Query(page=2, per_page=3, viewer=ADMIN))
    assert page.total == 4
    assert [hit.key for hit in page.hits] == ["practice:4"]


def test_newest_first_sorts_matches_by_date(elastic_engine):
    elastic_engine.upsert(
        [
            make_doc("practice:1", "Đào tạo đào tạo", date=datetime.date(2020, 1, 1)),
            make_doc("practice:2", "Chuyên đề", body="đào tạo", date=datetime.date(2023, 1, 1)),
        ]
    )

    assert keys(elastic_engine, "đào tạo") == ["practice:1", "practice:2"]
    assert keys(elastic_engine, "đào tạo", sort="newest") == ["practice:2", "practice:1"]


@pytest.fixture
def restricted(elastic_engine) -> ElasticsearchEngine:
    elastic_engine.upsert(
        [
            make_doc("practice:1", "Kinh nghiệm công khai"),
            make_doc("practice:2", "Kinh nghiệm của nhóm", groups=(7,)),
            make_doc("practice:3", "Kinh nghiệm có mật khẩu", groups=(NOBODY,)),
            make_doc("practice:4", "Kinh nghiệm Hà Nội chưa đăng", live=False, unit_id=HANOI),
            make_doc("practice:5", "Kinh nghiệm Huế chưa đăng", live=False, unit_id=HUE),
            make_doc("practice:6", "Kinh nghiệm nháp có mật khẩu", live=False, unit_id=HANOI, groups=(NOBODY,)),
        ]
    )
    return elastic_engine


@pytest.mark.parametrize(
    ("viewer", "visible"),
    [
        (STAFF, [1]),
        (INSPECTOR, [1, 2]),
        (Viewer(groups=(NOBODY, 9)), [1]),
        (REVIEWER, [1, 4, 5]),
        (HANOI_SUBMITTER, [1, 4]),
        (ADMIN, [1, 2, 3, 4, 5, 6]),
    ],
)
def test_each_viewer_finds_only_what_they_may_see(restricted, viewer, visible):
    expected = sorted(f"practice:{number}" for number in visible)

    assert sorted(keys(restricted, "kinh nghiệm", viewer=viewer)) == expected
    assert sorted(keys(restricted, viewer=viewer)) == expected
    assert restricted.search(Query(text="kinh nghiem", viewer=viewer)).total == len(expected)


def test_completion_is_filtered_by_permissions_too(restricted):
    assert restricted.complete("kinh", STAFF) == ["Kinh nghiệm công khai"]
    assert len(restricted.complete("kinh", ADMIN)) == 6


@pytest.fixture
def library(elastic_engine) -> ElasticsearchEngine:
    def doc(number: int, kind: str, year: int, unit: int, topics: tuple[int, ...], **fields: Any) -> SearchDoc:
        names = {CRIMINAL: "Hình sự", CIVIL: "Dân sự"}
        key = f"{kind}:{number}" if kind != DOCUMENT else f"document:{number}:1"
        return make_doc(
            key,
            f"Kỹ năng số {number}",
            date=datetime.date(year, 6, 1),
            unit_id=unit,
            topics=tuple((topic, names[topic]) for topic in topics),
            **fields,
        )

    elastic_engine.upsert(
        [
            doc(1, TRAINING, 2024, HANOI, (CRIMINAL,)),
            doc(2, TRAINING, 2025, HUE, (CRIMINAL, CIVIL)),
            doc(3, PRACTICE, 2025, HANOI, (CIVIL,), field_id=INVESTIGATION),
            doc(4, PRACTICE, 2023, HUE, (), field_id=INVESTIGATION),
            doc(5, DOCUMENT, 2025, HANOI, (CRIMINAL,)),
            doc(6, PRACTICE, 2025, HANOI, (CRIMINAL,), groups=(NOBODY,)),
        ]
    )
    return elastic_engine


def test_facets_count_every_value_within_the_text_and_permissions(library):
    page = library.search(Query(text="kỹ năng", viewer=STAFF))

    assert page.total == 5
    assert page.facets["type"] == [FacetValue("training", 2), FacetValue("practice", 2), FacetValue("document", 1)]
    assert counts(page.facets["topic"]) == {str(CRIMINAL): 3, str(CIVIL): 2}
    assert counts(page.facets["unit"]) == {str(HANOI): 3, str(HUE): 2}
    assert counts(page.facets["field"]) == {str(INVESTIGATION): 2}
    assert [value.value for value in page.facets["year"]] == ["2025", "2024", "2023"]
    assert counts(page.facets["year"]) == {"2025": 3, "2024": 1, "2023": 1}


def test_filters_combine_and_each_facet_ignores_its_own_filter(library):
    page = library.search(Query(types=(TRAINING, PRACTICE), years=(2025,), viewer=STAFF))

    assert sorted(hit.key for hit in page.hits) == ["practice:3", "training:2"]
    assert page.total == 2
    # The type facet applies the year filter only; the year facet applies the type filter only.
    assert counts(page.facets["type"]) == {"training": 1, "practice": 1, "document": 1}
    assert counts(page.facets["year"]) == {"2025": 2, "2024": 1, "2023": 1}
    assert counts(page.facets["unit"]) == {str(HANOI): 1, str(HUE): 1}
    assert counts(page.facets["topic"]) == {str(CRIMINAL): 1, str(CIVIL): 2}


def test_topic_unit_and_field_filters_match_by_id(library):
    assert sorted(keys(library, topics=(CIVIL,), viewer=STAFF)) == ["practice:3", "training:2"]
    assert sorted(keys(library, topics=(CIVIL, CRIMINAL), units=(HUE,), viewer=STAFF)) == ["training:2"]
    assert sorted(keys(library, fields=(INVESTIGATION,), viewer=STAFF)) == ["practice:3", "practice:4"]
    page = library.search(Query(units=(HUE,), viewer=STAFF))
    assert counts(page.facets["unit"]) == {str(HANOI): 3, str(HUE): 2}


def test_the_snippet_marks_the_matches_and_escapes_the_text(elastic_engine):
    elastic_engine.upsert(
        [
            make_doc(
                "practice:1",
                "Chuyên đề",
                summary="Tóm tắt <b>in đậm</b> & không liên quan",
                body="Phần mở đầu. " * 30 + "Kinh nghiệm <script>đào tạo</script> kiểm sát viên. " + "Kết luận. " * 30,
            )
        ]
    )

    (hit,) = elastic_engine.search(Query(text="dao tao", viewer=ADMIN)).hits
    assert "<mark>đào</mark> <mark>tạo</mark>" in hit.snippet
    assert "&lt;script&gt;" in hit.snippet
    assert "<script>" not in hit.snippet
    assert len(hit.snippet) < 400

    (hit,) = elastic_engine.search(Query(viewer=ADMIN)).hits
    assert hit.snippet == "Tóm tắt &lt;b&gt;in đậm&lt;/b&gt; &amp; không liên quan"


def test_a_match_in_the_title_only_still_gets_a_snippet(elastic_engine):
    elastic_engine.upsert([make_doc("practice:1", "Điều tra vụ án", summary="Không liên quan")])

    (hit,) = elastic_engine.search(Query(text="điều tra", viewer=ADMIN)).hits
    assert hit.snippet == "<mark>Điều</mark> <mark>tra</mark> vụ án"
    assert hit.title == "Điều tra vụ án"
    assert hit.url == "/practice/1/"


@pytest.fixture
def lecture(elastic_engine) -> ElasticsearchEngine:
    moments = (
        Moment(part=1, start=0.0, end=30.0, text="Chào các đồng chí, hôm nay chúng ta học về kỹ năng"),
        Moment(part=1, start=30.0, end=60.0, text="kiểm sát việc khám nghiệm hiện trường"),
        Moment(part=2, start=0.0, end=25.0, text="khi khám nghiệm hiện trường vụ án giết người, kiểm sát viên"),
        Moment(part=2, start=25.0, end=50.0, text="phải có mặt. Tử thi được khám nghiệm"),
    )
    elastic_engine.upsert([make_doc("training:1", "Bài giảng chuyên đề", moments=moments)])
    return elastic_engine


def test_a_training_matches_by_what_was_said_and_brings_the_moments(lecture):
    (hit,) = lecture.search(Query(text="kham nghiem hien truong", viewer=ADMIN)).hits

    assert [(moment.part, moment.start) for moment in hit.moments] == [(1, 30.0), (2, 0.0)]
    assert hit.moments[0].end == 60.0
    assert (
        hit.moments[0].text
        == "kiểm sát việc <mark>khám</mark> <mark>nghiệm</mark> <mark>hiện</mark> <mark>trường</mark>"
    )


def test_the_words_must_all_be_said_within_one_moment(lecture):
    assert keys(lecture, "chào khám nghiệm") == []
    assert keys(lecture, "kiểm sát viên phải có mặt") == []
    assert keys(lecture, "giết người kiểm sát viên") == ["training:1"]


def test_the_best_moments_come_first_and_at_most_three(lecture):
    (hit,) = lecture.search(Query(text="khám nghiệm", viewer=ADMIN)).hits

    assert len(hit.moments) == 3
    assert {(moment.part, moment.start) for moment in hit.moments} <= {(1, 30.0), (2, 0.0), (2, 25.0)}
    assert all("<mark>khám</mark>" in moment.text for moment in hit.moments)


def test_moments_of_an_acronym_reading_are_found_too(lecture):
    (hit,) = lecture.search(Query(text="KSV", variants=("kiểm sát viên",), viewer=ADMIN)).hits

    assert [(moment.part, moment.start) for moment in hit.moments] == [(2, 0.0)]


def test_completion_offers_titles_and_topics_with_a_word_starting_with_the_prefix(elastic_engine):
    elastic_engine.upsert(
        [
            make_doc("practice:1", "Kinh nghiệm đào tạo cán bộ", topics=((CRIMINAL, "Hình sự"),)),
            make_doc("practice:2", "Đạo đức công vụ", topics=((CIVIL, "Dân sự"),)),
            make_doc("practice:3", "Hội nghị tập huấn", topics=((CIVIL, "Dân sự"), (30, "Đào tạo nghiệp vụ"))),
        ]
    )

    assert sorted(elastic_engine.complete("dao", STAFF)) == [
        "Kinh nghiệm đào tạo cán bộ",
        "Đào tạo nghiệp vụ",
        "Đạo đức công vụ",
    ]
    assert elastic_engine.complete("đào", STAFF) == [
        "Kinh nghiệm đào tạo cán bộ",
        "Đạo đức công vụ",
        "Đào tạo nghiệp vụ",
    ]
    assert elastic_engine.complete("đào t", STAFF) == ["Kinh nghiệm đào tạo cán bộ", "Đào tạo nghiệp vụ"]
    assert elastic_engine.complete("dân", STAFF) == ["Dân sự"]
    assert elastic_engine.complete("ao", STAFF) == []
    assert elastic_engine.complete("  ", STAFF) == []
    assert len(elastic_engine.complete("d", STAFF, limit=2)) == 2


def test_deleting_a_page_keeps_the_documents_asked_for(elastic_engine):
    elastic_engine.upsert(
        [
            make_doc("practice:40", "Trang"),
            make_doc("document:40:1", "Tệp một"),
            make_doc("document:40:2", "Tệp hai"),
            make_doc("practice:41", "Trang khác"),
        ]
    )

    elastic_engine.delete_page(40, keep=["document:40:2"])

    assert sorted(elastic_engine.digests()) == ["document:40:2", "practice:41"]


def test_deleting_keys_ignores_the_unknown_ones(elastic_engine):
    elastic_engine.upsert([make_doc("practice:1", "Một"), make_doc("practice:2", "Hai")])

    elastic_engine.delete(["practice:1", "practice:99"])

    assert elastic_engine.digests() == {"practice:2": "digest of practice:2"}


def test_digests_page_through_the_whole_index(elastic_engine, monkeypatch):
    monkeypatch.setattr(elastic, "SCAN_PAGE", 3)
    docs = [make_doc(f"practice:{number}", f"Trang {number}") for number in range(10)]
    elastic_engine.upsert(docs)
    elastic_engine.upsert([make_doc("practice:3", "Trang 3", digest="new")])

    found = elastic_engine.digests()

    assert len(found) == 10
    assert found["practice:3"] == "new"
    assert found["practice:7"] == "digest of practice:7"


def test_an_upsert_replaces_the_document_with_the_same_key(elastic_engine):
    elastic_engine.upsert([make_doc("practice:1", "Tiêu đề cũ")])
    elastic_engine.upsert([make_doc("practice:1", "Tiêu đề mới")])

    assert keys(elastic_engine, "tiêu đề") == ["practice:1"]
    assert keys(elastic_engine, "cũ") == []


def test_a_rebuild_switches_to_the_new_index_while_the_old_one_answers_until_then(elastic_engine):
    elastic_engine.upsert([make_doc("practice:1", "Cũ")])
    (old_index,) = elastic_engine.aliased_indexes()
    seen_during_rebuild: list[list[str]] = []

    def fresh_docs() -> Iterator[SearchDoc]:
        yield make_doc("practice:2", "Mới")
        seen_during_rebuild.append(keys(elastic_engine))
        yield make_doc("practice:3", "Mới nữa")

    assert elastic_engine.rebuild(fresh_docs()) == 2

    assert seen_during_rebuild == [["practice:1"]]
    assert sorted(keys(elastic_engine)) == ["practice:2", "practice:3"]
    (new_index,) = elastic_engine.aliased_indexes()
    assert new_index != old_index
    assert elastic_engine.concrete_indexes() == [new_index]
    elastic_engine.upsert([make_doc("practice:4", "Sau")])
    assert keys(elastic_engine, "sau") == ["practice:4"]


def test_a_rebuild_creates_the_alias_when_there_was_no_index(elastic_engine):
    assert elastic_engine.rebuild(iter([make_doc("practice:1", "Một")])) == 1

    assert keys(elastic_engine) == ["practice:1"]
    assert len(elastic_engine.aliased_indexes()) == 1


def test_searching_an_engine_that_was_never_written_to_finds_nothing(elastic_engine):
    page = elastic_engine.search(Query(text="đào tạo", viewer=STAFF))

    assert page.total == 0
    assert page.engine == "elasticsearch"
    assert set(page.facets) == {"type", "topic", "unit", "field", "year"}
    assert elastic_engine.digests() == {}
    assert elastic_engine.ping()


def test_an_engine_nobody_answers_for_raises_engine_unavailable(closed_port_url):
    engine = ElasticsearchEngine(closed_port_url, "down", timeout=1)

    assert not engine.ping()
    for call in (
        lambda: engine.search(Query(text="x")),
        lambda: engine.upsert([make_doc("practice:1", "Một")]),
        lambda: engine.delete(["practice:1"]),
        lambda: engine.delete_page(1),
        lambda: engine.digests(),
        lambda: engine.complete("abc", STAFF),
        lambda: engine.rebuild(iter([])),
    ):
        with pytest.raises(EngineUnavailable) as raised:
            call()
        assert raised.value.__cause__ is not None


def test_requests_go_out_as_plain_json(elastic_engine):
    # osmem-server refuses the client's versioned media type with 406; a real cluster accepts both.
    elastic_engine.upsert([make_doc("practice:1", "Một")])

    assert keys(elastic_engine, "một") == ["practice:1"]
