"""The database search engine on the database the suite runs on (SQLite by default, PostgreSQL in CI's second
run): folded matching, ranking, acronym readings, typos, facets, permissions, snippets, transcript moments,
completion and index upkeep, with hand-made documents."""

from __future__ import annotations

import datetime

from django.db import connection

import pytest

from search.engines import database
from search.engines.base import DOCUMENT, NOBODY, PRACTICE, TRAINING, Moment, Query, SearchDoc, Viewer
from search.engines.database import DatabaseEngine
from search.models import SearchTerm

pytestmark = pytest.mark.django_db

EVERYONE = Viewer()
ADMIN = Viewer(superuser=True)
LEGAL_TEAM = 7  # a group with its own restricted pages
HANOI = 100
HUE = 200
CRIMINAL = 10  # topics
CORRUPTION = 11
INSPECTION = 30  # a field of work


def make_doc(key: str, title: str, **fields: object) -> SearchDoc:
    kind, page, *_ = key.split(":")
    values: dict[str, object] = {
        "type": kind,
        "page_id": int(page),
        "url": f"/{key.replace(':', '/')}/",
        "date": datetime.date(2025, 1, 1),
        "digest": f"{key}-1",
    }
    values.update(fields)
    return SearchDoc(key=key, title=title, **values)  # type: ignore[arg-type]


INTERROGATION = make_doc(
    "training:1",
    "Đào tạo cán bộ kiểm sát",
    date=datetime.date(2025, 3, 1),
    summary="Lớp bồi dưỡng nghiệp vụ cho kiểm sát viên trẻ.",
    topics=((CRIMINAL, "Hình sự"),),
    unit_id=HANOI,
    unit_name="VKSND TP Hà Nội",
    moments=(
        Moment(1, 0.0, 30.0, "Chào mừng các đồng chí đến với lớp học hôm nay."),
        Moment(1, 30.0, 60.0, "Kỹ năng thẩm vấn: hỏi ngắn, ghi đủ."),
        Moment(1, 60.0, 90.0, "Khi thẩm vấn bị can, kiểm sát viên cần chuẩn bị kỹ câu hỏi."),
        Moment(2, 0.0, 30.0, "Thẩm vấn bị can chưa thành niên có người đại diện."),
        Moment(2, 30.0, 60.0, "Bị can có quyền im lặng; thẩm vấn phải ghi âm."),
        Moment(2, 60.0, 90.0, "Câu hỏi gợi ý bị cấm khi thẩm vấn bị can."),
    ),
)
CORRUPTION_PRACTICE = make_doc(
    "practice:2",
    "Kinh nghiệm phòng, chống tham nhũng",
    date=datetime.date(2024, 6, 1),
    summary="Phát hiện tham nhũng qua công tác kiểm sát điều tra.",
    body="Đơn vị đã phối hợp với Cơ quan điều tra trong các vụ án tham nhũng.",
    topics=((CORRUPTION, "Tham nhũng"), (CRIMINAL, "Hình sự")),
    unit_id=HUE,
    unit_name="VKSND TP Huế",
    field_id=INSPECTION,
    field_name="Kiểm sát điều tra",
)
REGULATION = make_doc(
    "document:2:5",
    "Quy chế của Viện kiểm sát nhân dân",
    page_id=2,
    date=datetime.date(2023, 5, 1),
    body="Quy chế về công tác đào tạo.",
    parent_title="Kinh nghiệm phòng, chống tham nhũng",
    parent_url="/practice/2/",
    unit_id=HUE,
    field_id=INSPECTION,
)


@pytest.fixture
def engine() -> DatabaseEngine:
    engine = DatabaseEngine()
    engine.upsert([INTERROGATION, CORRUPTION_PRACTICE, REGULATION])
    return engine


def keys(engine: DatabaseEngine, text: str = "", **options: object) -> list[str]:
    options.setdefault("viewer", ADMIN)
    return [hit.key for hit in engine.search(Query(text=text, **options)).hits]  # type: ignore[arg-type]


def test_it_needs_no_arguments_and_answers_a_ping():
    engine = DatabaseEngine()
    assert engine.name == "database"
    assert engine.ping() is True


def test_a_query_without_diacritics_finds_the_text_with_them(engine):
    assert keys(engine, "dao tao can bo") == ["training:1"]
    assert keys(engine, "ĐÀO TẠO cán bộ") == ["training:1"]
    assert keys(engine, "kiem sat dieu tra") == ["practice:2"]  # đ folded to d, summary and field name


def test_every_word_of_the_query_must_occur(engine):
    assert keys(engine, "dao tao xyz") == []
    assert set(keys(engine, "tham nhung")) == {"practice:2", "document:2:5"}  # the document by its parent title


def test_the_exact_spelling_typed_ranks_first():
    engine = DatabaseEngine()
    engine.upsert(
        [
            # Folded alike, but not the same words: "báo về" (reports back) is not "bảo vệ" (to protect).
            make_doc("practice:1", "Tin vắn", summary="Báo về kết quả; báo về tiến độ; báo về số liệu."),
            make_doc("practice:2", "Tin ngắn", summary="Bảo vệ quyền con người."),
        ]
    )
    assert keys(engine, "bảo vệ") == ["practice:2", "practice:1"]
    assert keys(engine, "báo về") == ["practice:1", "practice:2"]


def test_a_title_match_ranks_before_a_body_match():
    engine = DatabaseEngine()
    engine.upsert(
        [
            make_doc("practice:1", "Tin vắn", body="Kỹ năng thẩm vấn được nhắc lại nhiều lần: thẩm vấn, thẩm vấn."),
            make_doc("practice:2", "Kỹ năng thẩm vấn"),
        ]
    )
    assert keys(engine, "tham van") == ["practice:2", "practice:1"]


def test_a_document_matches_the_query_or_any_of_its_acronym_readings():
    engine = DatabaseEngine()
    engine.upsert(
        [
            make_doc("document:1:1", "Quy chế của Viện kiểm sát nhân dân", page_id=1),
            make_doc("practice:2", "Quy chế VKSND năm 2024"),
            make_doc("practice:3", "Quy chế thi đua"),
        ]
    )
    query = Query(text="quy chế VKSND", variants=("quy chế Viện kiểm sát nhân dân",), viewer=ADMIN)
    assert {hit.key for hit in engine.search(query).hits} == {"document:1:1", "practice:2"}
    assert keys(engine, "quy chế VKSND") == ["practice:2"]


def test_a_fuzzy_search_forgives_a_wrong_letter(engine):
    assert keys(engine, "dao tso can bo") == []
    assert keys(engine, "dao tso can bo", fuzzy=True) == ["training:1"]
    assert keys(engine, "tham nhunh", fuzzy=True)[0] == "practice:2"


def test_it_suggests_the_query_corrected_and_with_its_diacritics(engine):
    assert engine.suggest("dao tso can bo") == "đào tạo cán bộ"
    assert engine.suggest("phong chong tham nhung") == "phòng chống tham nhũng"
    assert engine.suggest("đào tạo cán bộ") == ""  # nothing better known
    assert engine.suggest("zzzz") == ""


def test_words_of_drafts_and_restricted_pages_never_feed_suggestions():
    engine = DatabaseEngine()
    engine.upsert(
        [
            make_doc("practice:1", "Chuyên án bí mật", groups=(NOBODY,)),
            make_doc("practice:2", "Đề xuất chưa duyệt", live=False, unit_id=HANOI),
        ]
    )
    assert engine.suggest("chuyen an bi mat") == ""
    assert engine.suggest("de xuat") == ""
    assert not SearchTerm.objects.exists()


def test_each_facet_counts_with_the_other_filters_but_not_its_own(engine):
    page = engine.search(Query(types=(TRAINING,), topics=(CRIMINAL,), viewer=ADMIN))
    assert [hit.key for hit in page.hits] == ["training:1"]
    facets = {name: {value.value: value.count for value in values} for name, values in page.facets.items()}
    assert facets["type"] == {TRAINING: 1, PRACTICE: 1}  # the topic filter applies, the type filter does not
    assert facets["topic"] == {str(CRIMINAL): 1}  # trainings only
    assert facets["unit"] == {str(HANOI): 1}
    assert facets["year"] == {"2025": 1}
    assert [value.value for value in engine.search(Query(viewer=ADMIN)).facets["year"]] == ["2025", "2024", "2023"]


def test_filters_are_any_of_within_a_facet_and_all_of_across_facets(engine):
    assert set(keys(engine, types=(PRACTICE, DOCUMENT))) == {"practice:2", "document:2:5"}
    assert keys(engine, types=(PRACTICE, DOCUMENT), years=(2023,)) == ["document:2:5"]
    assert keys(engine, units=(HUE,), fields=(INSPECTION,), topics=(CORRUPTION,)) == ["practice:2"]
    assert keys(engine, "quy che", units=(HANOI,)) == []


def test_facets_apply_the_text_query(engine):
    facets = engine.search(Query(text="tham nhung", viewer=ADMIN)).facets
    assert {value.value: value.count for value in facets["type"]} == {PRACTICE: 1, DOCUMENT: 1}
    assert all(value.label == "" for values in facets.values() for value in values)


def test_an_empty_query_lists_everything_newest_first(engine):
    assert keys(engine) == ["training:1", "practice:2", "document:2:5"]
    assert keys(engine, "kiem sat", sort="newest") == ["training:1", "practice:2", "document:2:5"]
    page = engine.search(Query(per_page=2, page=2, viewer=ADMIN))
    assert page.total == 3
    assert [hit.key for hit in page.hits] == ["document:2:5"]
    assert page.engine == "database"


def test_each_viewer_sees_only_what_they_may():
    engine = DatabaseEngine()
    engine.upsert(
        [
            make_doc("practice:1", "Kinh nghiệm công khai"),
            make_doc("practice:2", "Kinh nghiệm của nhóm pháp chế", groups=(LEGAL_TEAM,)),
            make_doc("practice:3", "Kinh nghiệm có mật khẩu", groups=(NOBODY,)),
            make_doc("practice:4", "Kinh nghiệm chờ duyệt của Hà Nội", live=False, unit_id=HANOI),
            make_doc("practice:5", "Kinh nghiệm chờ duyệt của Huế", live=False, unit_id=HUE),
        ]
    )

    def seen(viewer: Viewer) -> set[str]:
        found = {hit.key for hit in engine.search(Query(text="kinh nghiem", viewer=viewer, per_page=50)).hits}
        listed = {hit.key for hit in engine.search(Query(viewer=viewer, per_page=50)).hits}
        assert found == listed
        return found

    assert seen(EVERYONE) == {"practice:1"}
    assert seen(Viewer(groups=(LEGAL_TEAM, 8))) == {"practice:1", "practice:2"}
    assert seen(Viewer(draft_unit=HANOI)) == {"practice:1", "practice:4"}
    assert seen(Viewer(all_drafts=True)) == {"practice:1", "practice:4", "practice:5"}
    assert seen(Viewer(groups=(NOBODY,))) == {"practice:1"}
    assert seen(ADMIN) == {f"practice:{n}" for n in range(1, 6)}
    assert engine.search(Query(viewer=EVERYONE)).facets["type"][0].count == 1


def test_the_snippet_marks_the_words_found_and_keeps_their_diacritics(engine):
    [hit] = engine.search(Query(text="kiem sat vien", viewer=ADMIN, types=(TRAINING,))).hits
    assert hit.snippet == "Lớp bồi dưỡng nghiệp vụ cho <mark>kiểm</mark> <mark>sát</mark> <mark>viên</mark> trẻ."
    [hit] = engine.search(Query(text="co quan dieu tra", viewer=ADMIN, types=(PRACTICE,))).hits
    assert "<mark>Cơ</mark> <mark>quan</mark> <mark>điều</mark> <mark>tra</mark>" in hit.snippet


def test_the_snippet_is_escaped_and_cut_around_the_first_match():
    engine = DatabaseEngine()
    body = "Mở đầu <script>alert(1)</script> " + "lời dẫn " * 100 + "Điều tra viên & kiểm sát viên. " + "kết " * 100
    engine.upsert([make_doc("practice:1", "Tin", summary="<b>Tóm tắt</b> không khớp", body=body)])
    [hit] = engine.search(Query(text="dieu tra vien", viewer=ADMIN)).hits
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert "<mark>Điều</mark> <mark>tra</mark> <mark>viên</mark> &amp; kiểm" in hit.snippet
    assert len(hit.snippet) < 400
    [hit] = engine.search(Query(text="", viewer=ADMIN)).hits
    assert hit.snippet == "&lt;b&gt;Tóm tắt&lt;/b&gt; không khớp"


def test_a_training_is_found_by_its_transcript_with_the_best_moments_first(engine):
    [hit] = engine.search(Query(text="tham van bi can", viewer=ADMIN)).hits
    assert hit.key == "training:1"
    assert len(hit.moments) == 3
    assert all(
        "<mark>thẩm</mark> <mark>vấn</mark> <mark>bị</mark> <mark>can</mark>" in m.text.lower() for m in hit.moments
    )
    assert (hit.moments[0].part, hit.moments[0].start) in {(1, 60.0), (2, 0.0), (2, 60.0)}
    assert hit.moments[0].end > hit.moments[0].start


def test_the_words_of_a_training_must_occur_within_one_moment(engine):
    assert keys(engine, "chao mung ky nang") == []  # two different windows
    assert keys(engine, "chao mung lop hoc") == ["training:1"]


def test_a_training_found_by_its_text_alone_has_no_moments(engine):
    [hit] = engine.search(Query(text="boi duong", viewer=ADMIN)).hits
    assert hit.moments == ()


def test_completion_offers_titles_and_topic_names_the_viewer_may_see(engine):
    engine.upsert([make_doc("practice:9", "Đào tạo bí mật", groups=(NOBODY,))])
    assert engine.complete("dao", EVERYONE) == ["Đào tạo cán bộ kiểm sát"]
    assert engine.complete("đào t", ADMIN) == ["Đào tạo cán bộ kiểm sát", "Đào tạo bí mật"]  # newest first
    assert engine.complete("hinh", EVERYONE) == ["Hình sự"]
    assert engine.complete("tham", EVERYONE) == ["Tham nhũng", "Kinh nghiệm phòng, chống tham nhũng"]
    assert engine.complete("tham", EVERYONE, limit=1) == ["Tham nhũng"]
    assert engine.complete("   ", EVERYONE) == []


def test_upserting_a_key_again_replaces_the_document(engine):
    engine.upsert([make_doc("training:1", "Tập huấn kỹ năng nói", digest="training:1-2")])
    assert keys(engine, "dao tao can bo") == []
    assert keys(engine, "tham van bi can") == []
    assert keys(engine, "ky nang noi") == ["training:1"]
    assert engine.suggest("tap huan") == "tập huấn"
    assert engine.digests()["training:1"] == "training:1-2"


def test_deleting_removes_documents_and_their_words(engine):
    engine.delete(["training:1", "unknown:1"])
    assert keys(engine, "dao tao can bo") == []
    assert keys(engine, "tham van") == []
    assert engine.suggest("dao tso can bo") != "đào tạo cán bộ"
    assert not SearchTerm.objects.filter(folded="can bo").exists()
    assert set(engine.digests()) == {"practice:2", "document:2:5"}


def test_deleting_a_page_keeps_only_the_keys_asked_for(engine):
    engine.upsert([make_doc("document:2:6", "Phụ lục", page_id=2)])
    engine.delete_page(2, keep=["document:2:6"])
    assert engine.digests() == {"training:1": "training:1-1", "document:2:6": "document:2:6-1"}
    engine.delete_page(2)
    assert set(engine.digests()) == {"training:1"}


def test_digests_list_every_key_with_its_digest(engine):
    assert engine.digests() == {
        "training:1": "training:1-1",
        "practice:2": "practice:2-1",
        "document:2:5": "document:2:5-1",
    }


def test_a_rebuild_replaces_the_whole_index(engine):
    count = engine.rebuild(iter([make_doc("practice:7", "Tập huấn kỹ năng"), REGULATION]))
    assert count == 2
    assert set(engine.digests()) == {"practice:7", "document:2:5"}
    assert keys(engine, "dao tao can bo") == []
    assert keys(engine, "tap huan") == ["practice:7"]
    assert keys(engine, "quy che") == ["document:2:5"]
    assert engine.suggest("tap huan ky nang") == "tập huấn kỹ năng"
    engine.upsert([INTERROGATION])
    assert keys(engine, "tham van bi can") == ["training:1"]
    engine.delete(["training:1"])
    assert keys(engine, "tham van") == []


def test_the_full_text_indexes_stay_in_step_with_the_rows(engine, monkeypatch):
    monkeypatch.setattr(database, "COMPACT_EVERY", 5)  # compact on the way, as a long sync would
    engine.upsert([make_doc("training:1", "Tập huấn", moments=INTERROGATION.moments[:2], digest="training:1-2")])
    engine.upsert([make_doc("training:3", "Thẩm vấn", moments=INTERROGATION.moments[2:], digest="training:3-1")])
    engine.delete_page(2)
    assert keys(engine, "tham van bi can") == ["training:3"]
    assert keys(engine, "chao mung") == ["training:1"]
    engine.rebuild(iter([INTERROGATION, make_doc("training:3", "Thẩm vấn", moments=INTERROGATION.moments[:1])]))
    engine.delete(["training:3"])
    assert keys(engine, "chao mung") == ["training:1"]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for table in ("search_entry_fts", "search_moment_fts", "search_transcript_fts"):
                # Checks the index against its rows (the windows, the transcripts view): raises when out of step.
                cursor.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")  # noqa: S608
