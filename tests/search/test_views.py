"""The search page: what a result shows (type, title, unit, date, highlighted snippet, moments, documents),
facets that combine and clear, sorting, pages, the reduced-mode notice, what happens when nothing is found,
and who finds what."""

from __future__ import annotations

import datetime
import html
import re
from urllib.parse import parse_qs, urlsplit

from django.contrib.auth.models import Group
from django.utils import translation
from django.utils.formats import date_format

from wagtail.models import PageViewRestriction

import pytest

from portal.home.models import Topic
from portal.practices.models import FieldOfWork
from search.engines.base import DOCUMENT, PRACTICE, TRAINING, FacetValue, Moment, ResultPage
from search.models import ZeroResultQuery
from search.query import PER_PAGE, TYPE_LABELS, parse_request
from search.sync import drain
from search.views import facet_groups, params_for
from tests.practices.pages import add_practice, add_training
from tests.search.docs import doc

PASSWORD = "demo12345"


def vi(message: str, **values: object) -> str:
    """What a Vietnamese reader sees for `message` (the msgid until the catalogue has it)."""
    with translation.override("vi"):
        text = str(translation.gettext(message))
    return text % values if values else text


def get_page(client, query: str) -> str:
    response = client.get(f"/tim-kiem/{query}")
    assert response.status_code == 200
    return response.content.decode()


def links(page: str, css_class: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(rf'<a class="{css_class}[^"]*" href="([^"]*)"', page)]


def params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_a_result_shows_its_type_title_unit_date_and_highlighted_snippet(as_lan, index, hanoi):
    index.upsert(
        [
            doc(
                "training:11",
                "Kỹ năng kiểm sát điều tra",
                summary="Buổi tập huấn về kiểm sát hoạt động điều tra vụ án hình sự.",
                unit_id=hanoi.pk,
                unit_name="VKSND TP Hà Nội",
            )
        ]
    )
    page = get_page(as_lan, "?q=kiem+sat")

    assert vi(str(TYPE_LABELS[TRAINING])) in page
    assert '<a href="/tap-huan/trang-11/">Kỹ năng kiểm sát điều tra</a>' in page
    assert "VKSND TP Hà Nội" in page
    with translation.override("vi"):
        assert f'<time datetime="2026-03-15">{date_format(datetime.date(2026, 3, 15), "DATE_FORMAT")}</time>' in page
    assert re.search(r'class="search-hit__snippet">[^<]*<mark>', page)
    assert vi("%(counter)s result for “%(query)s”") % {"counter": 1, "query": "kiem sat"} in page


def test_a_title_cannot_inject_markup(as_lan, index):
    index.upsert([doc("practice:12", "Cảnh giác <script>alert(1)</script> lừa đảo", type=PRACTICE)])
    page = get_page(as_lan, "?q=lua+dao")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_a_training_lists_its_matching_moments_linking_to_the_player_at_that_second(as_lan, index):
    index.upsert(
        [
            doc(
                "training:21",
                "Hội nghị tập huấn toàn ngành",
                moments=(
                    Moment(part=1, start=754.6, end=780, text="Kiểm sát viên phải lấy lời khai bị can"),
                    Moment(part=2, start=3723.2, end=3750, text="Hỏi đáp về lời khai của người làm chứng"),
                ),
            )
        ]
    )
    page = get_page(as_lan, "?q=loi+khai")

    assert vi("Where it is said or shown in the training:") in page
    moments = dict(
        re.findall(r'<a class="search-moment" href="([^"]+)"><span class="search-moment__time">([^<]+)</span>', page)
    )
    assert moments == {
        "/tap-huan/trang-21/?part=1&amp;t=754": "12:34",
        "/tap-huan/trang-21/?part=2&amp;t=3723": "1:02:03",
    }
    assert re.search(r'class="search-moment__text">[^<]*<mark>', page)


def test_a_slide_says_which_page_it_is_and_opens_the_pdf_there_or_the_recording_at_its_time(as_lan, index):
    index.upsert(
        [
            doc(
                "training:22",
                "Tập huấn kỹ năng xét hỏi",
                moments=(
                    Moment(part=0, start=0, end=0, text="Xét hỏi bị can", slide=12, link="/documents/5/bg.pdf#page=12"),
                    Moment(part=2, start=754, end=754, text="Xét hỏi người làm chứng", slide=13, link="/x#page=13"),
                ),
            )
        ]
    )
    page = get_page(as_lan, "?q=xet+hoi")

    moments = dict(
        re.findall(r'<a class="search-moment" href="([^"]+)"><span class="search-moment__time">([^<]+)</span>', page)
    )
    slide = vi("Slide %(number)s")
    assert moments == {
        "/documents/5/bg.pdf#page=12": slide % {"number": 12},
        "/tap-huan/trang-22/?part=2&amp;t=754": f"{slide % {'number': 13}} · 12:34",
    }


def test_a_document_names_itself_and_the_page_it_belongs_to(as_lan, index):
    index.upsert(
        [
            doc(
                "document:31:7",
                "Giáo trình kiểm sát án ma túy",
                type=DOCUMENT,
                url="/documents/7/giao-trinh.pdf",
                parent_title="Tập huấn án ma túy 2026",
                parent_url="/tap-huan/an-ma-tuy/",
            )
        ]
    )
    page = get_page(as_lan, "?q=giao+trinh")

    assert '<a href="/documents/7/giao-trinh.pdf">Giáo trình kiểm sát án ma túy</a>' in page
    assert (
        vi("Document “%(document)s” of %(page)s")
        % {
            "document": "Giáo trình kiểm sát án ma túy",
            "page": '<a href="/tap-huan/an-ma-tuy/">Tập huấn án ma túy 2026</a>',
        }
        in page
    )


@pytest.fixture
def catalogue(index, hanoi, hue):
    """Three trainings and two write-ups about "kiểm sát", across two units, two topics and two years."""
    drugs = Topic.objects.create(name="Ma túy")
    fraud = Topic.objects.create(name="Lừa đảo")
    enforcement = FieldOfWork.objects.create(name="Thi hành án")
    index.upsert(
        [
            doc("training:41", "Kiểm sát án ma túy", topics=((drugs.pk, "Ma túy"),), unit_id=hanoi.pk),
            doc("training:42", "Kiểm sát án lừa đảo", topics=((fraud.pk, "Lừa đảo"),), unit_id=hue.pk),
            doc("training:43", "Kiểm sát xét xử", date=datetime.date(2025, 6, 1), unit_id=hanoi.pk),
            doc(
                "practice:44",
                "Cách kiểm sát án ma túy hiệu quả",
                type=PRACTICE,
                topics=((drugs.pk, "Ma túy"),),
                unit_id=hue.pk,
                field_id=enforcement.pk,
            ),
            doc("practice:45", "Kiểm sát thi hành án", type=PRACTICE, field_id=enforcement.pk),
        ]
    )
    return {"drugs": drugs, "fraud": fraud, "enforcement": enforcement, "hanoi": hanoi, "hue": hue}


def test_facets_show_counts_with_names_from_the_database(as_lan, catalogue):
    page = get_page(as_lan, "?q=kiem+sat")
    for label in [vi(str(TYPE_LABELS[TRAINING])), "Ma túy", "Lừa đảo", "VKSND TP Huế", "Thi hành án", "2025", "2026"]:
        assert f'<span class="search-facet__label">{label}</span>' in page
    drugs_link = re.search(
        r'<span class="search-facet__label">Ma túy</span> <span class="search-facet__count"[^>]*>(\d+)<', page
    )
    assert drugs_link and drugs_link.group(1) == "2"


def test_a_facet_link_adds_its_value_to_the_query_and_the_other_filters_and_drops_the_page(as_lan, catalogue):
    drugs, hue = catalogue["drugs"], catalogue["hue"]
    page = get_page(as_lan, f"?q=kiem+sat&unit={hue.pk}&page=1")
    option = {html.unescape(label): html.unescape(url) for url, label in re.findall(FACET_OPTION, page)}
    assert params(option["Ma túy"]) == {"q": ["kiem sat"], "topic": [str(drugs.pk)], "unit": [str(hue.pk)]}

    narrowed = get_page(as_lan, option["Ma túy"].removeprefix("/tim-kiem/"))
    assert "Cách kiểm sát án ma túy hiệu quả" in narrowed
    assert "Kiểm sát án ma túy<" not in narrowed  # Hà Nội's training, outside the unit filter
    assert "Kiểm sát án lừa đảo" not in narrowed


FACET_OPTION = re.compile(
    r'<a class="search-facet__option[^"]*" href="([^"]*)"[^>]*>.*?<span class="search-facet__label">([^<]*)</span>'
)


def test_selected_values_come_first_and_their_link_removes_them(as_lan, catalogue):
    fraud, drugs = catalogue["fraud"], catalogue["drugs"]
    page = get_page(as_lan, f"?q=kiem+sat&topic={fraud.pk}")
    topic_section = page.split('id="facet-topic"')[1].split("</section>")[0]
    labels = re.findall(r'<span class="search-facet__label">([^<]*)</span>', topic_section)
    assert labels[0] == "Lừa đảo"
    selected = re.search(r'<a class="search-facet__option is-selected" href="([^"]*)" aria-current="true">', page)
    assert selected and params(html.unescape(selected.group(1))) == {"q": ["kiem sat"]}
    assert vi("Remove filter:") in topic_section

    # Another topic of the same facet combines with the selected one.
    option = {label: html.unescape(url) for url, label in re.findall(FACET_OPTION, topic_section)}
    assert sorted(params(option["Ma túy"])["topic"]) == sorted([str(fraud.pk), str(drugs.pk)])


def test_a_selected_value_that_matches_nothing_stays_listed_so_it_can_be_removed():
    request = parse_request({"q": "kiểm sát", "year": "2019"})
    groups = facet_groups(request, ResultPage(total=0, hits=[], facets={"year": [FacetValue("2026", 3, "2026")]}))
    years = groups[0].options
    assert [(o.value, o.count, o.selected) for o in years] == [("2019", 0, True), ("2026", 3, False)]
    assert params(years[0].url) == {"q": ["kiểm sát"]}
    assert params(years[1].url) == {"q": ["kiểm sát"], "year": ["2019", "2026"]}
    assert params(groups[0].clear_url) == {"q": ["kiểm sát"]}


def test_links_carry_only_what_the_search_understands():
    request = parse_request({"q": "ma túy", "type": ["training", "bogus"], "page": "3", "utm": "x"})
    assert params_for(request) == [("q", "ma túy"), ("type", "training")]
    assert params_for(request, page=2, sort="newest") == [
        ("q", "ma túy"),
        ("type", "training"),
        ("sort", "newest"),
        ("page", "2"),
    ]
    # Without text the default order is newest first, so only relevance is spelt out.
    assert params_for(parse_request({"type": "practice"}), sort="relevance") == [
        ("type", "practice"),
        ("sort", "relevance"),
    ]


def test_clearing_a_facet_or_every_filter_keeps_the_query(as_lan, catalogue):
    fraud, hue = catalogue["fraud"], catalogue["hue"]
    page = get_page(as_lan, f"?q=kiem+sat&topic={fraud.pk}&unit={hue.pk}")
    clear_topic = re.search(r'<p class="search-facet__clear"><a href="([^"]*)">', page.split('id="facet-topic"')[1])
    assert clear_topic and params(html.unescape(clear_topic.group(1))) == {"q": ["kiem sat"], "unit": [str(hue.pk)]}
    clear_all = re.search(r'<p class="search-facets__clear-all"><a href="([^"]*)">', page)
    assert clear_all and params(html.unescape(clear_all.group(1))) == {"q": ["kiem sat"]}
    assert vi("Clear all filters") in page


def test_facets_alone_list_what_matches_newest_first(as_lan, catalogue):
    page = get_page(as_lan, f"?field={catalogue['enforcement'].pk}")
    titles = re.findall(r'<h3 class="card__title"><a href="[^"]*">([^<]*)</a>', page)
    assert sorted(titles) == sorted(["Cách kiểm sát án ma túy hiệu quả", "Kiểm sát thi hành án"])
    ZeroResultQuery.objects.all().delete()
    get_page(as_lan, f"?q=khongcogi&field={catalogue['enforcement'].pk}")
    assert not ZeroResultQuery.objects.exists(), "filtered searches are not reported"


def test_results_sort_by_relevance_or_newest(as_lan, catalogue):
    page = get_page(as_lan, "?q=kiem+sat")
    sorts = {
        html.unescape(label): html.unescape(url)
        for url, label in re.findall(r'<li><a href="([^"]*)"(?: aria-current="true")?>([^<]*)</a></li>', page)
        if label in {vi("Relevance"), vi("Newest")}
    }
    assert params(sorts[vi("Newest")]) == {"q": ["kiem sat"], "sort": ["newest"]}
    assert params(sorts[vi("Relevance")]) == {"q": ["kiem sat"]}
    assert f'aria-current="true">{vi("Relevance")}</a>' in page

    newest = get_page(as_lan, "?q=kiem+sat&sort=newest")
    titles = re.findall(r'<h3 class="card__title"><a href="[^"]*">([^<]*)</a>', newest)
    assert titles[-1] == "Kiểm sát xét xử"  # 2025, the others 2026
    assert f'aria-current="true">{vi("Newest")}</a>' in newest


def test_many_results_are_paged_and_a_page_past_the_end_goes_to_the_last(as_lan, index):
    index.upsert([doc(f"training:{100 + n}", f"Bài giảng kiểm sát số {n}") for n in range(PER_PAGE + 5)])
    page = get_page(as_lan, "?q=bai+giang")
    assert vi("Page %(number)s of %(total)s") % {"number": 1, "total": 2} in page
    assert len(re.findall(r'<li class="search-hit card[ "]', page)) == PER_PAGE
    next_link = re.search(r'<a href="([^"]*)" rel="next">', page)
    assert next_link and params(html.unescape(next_link.group(1))) == {"q": ["bai giang"], "page": ["2"]}

    second = get_page(as_lan, "?q=bai+giang&page=2")
    assert len(re.findall(r'<li class="search-hit card[ "]', second)) == 5
    assert '<ol class="search-hits" start="21">' in second

    response = as_lan.get("/tim-kiem/?q=bai+giang&page=9")
    assert response.status_code == 302
    assert params(response["Location"]) == {"q": ["bai giang"], "page": ["2"]}


def test_the_page_says_when_search_runs_in_reduced_mode(as_lan, index, settings, closed_port_url):
    index.upsert([doc("training:51", "Kiểm sát án kinh tế")])
    notice = vi(
        "Search is running in reduced mode: results may be less complete or less well ordered than usual. "
        "Please try again later for full results."
    )
    assert notice not in get_page(as_lan, "?q=kinh+te")

    settings.ELASTICSEARCH_URL = closed_port_url  # nothing listens there: the database answers
    settings.ELASTICSEARCH_TIMEOUT = 1
    page = get_page(as_lan, "?q=kinh+te")
    assert notice in page
    assert "Kiểm sát án kinh tế" in page


def test_nothing_found_offers_a_spelling_related_topics_and_tips_and_is_recorded(as_lan, index):
    Topic.objects.create(name="Điều tra tội phạm", slug="dieu-tra-toi-pham")
    index.upsert([doc("training:61", "Kiểm sát điều tra", summary="Điều tra các vụ án hình sự.")])
    page = get_page(as_lan, "?q=dieu+tra+xyzzyqw")

    assert vi("Nothing was found for “%(query)s”.") % {"query": "dieu tra xyzzyqw"} in html.unescape(page)
    assert '<a href="/chu-de/dieu-tra-toi-pham/">Điều tra tội phạm</a>' in page
    assert vi("Search tips") in page
    entry = ZeroResultQuery.objects.get()
    assert (entry.query, entry.count) == ("dieu tra xyzzyqw", 1)
    get_page(as_lan, "?q=Dieu+Tra++xyzzyqw")
    entry.refresh_from_db()
    assert entry.count == 2


def test_a_misspelt_query_proposes_the_right_spelling(as_lan, index):
    index.upsert([doc("training:71", "Kỹ năng đào tạo kiểm sát viên", summary="Đào tạo kiểm sát viên.")])
    page = get_page(as_lan, "?q=dao+tso")
    suggestion = re.search(r'<p class="search-suggestion">(.*?)</p>', page)
    assert suggestion, page
    link = re.search(r'<a href="([^"]*)">([^<]*)</a>', suggestion.group(1))
    assert link and link.group(2) == "đào tạo"
    assert params(html.unescape(link.group(1))) == {"q": ["đào tạo"]}
    assert vi("Did you mean %(suggestion)s?") % {"suggestion": link.group(0)} == suggestion.group(1)


def test_an_empty_search_shows_the_box_and_tips_only(as_lan, index):
    page = get_page(as_lan, "")
    assert 'role="search"' in page
    assert 'name="q"' in page
    assert vi("Search tips") in page
    assert "search-hits" not in page
    assert not ZeroResultQuery.objects.exists()


def test_the_box_is_labelled_and_offers_suggestions_from_the_complete_endpoint(as_lan, index):
    page = get_page(as_lan, "?q=ma+t%C3%BAy")
    assert '<label for="search-q">' in page
    assert 'data-complete-url="/api/v1/search/complete/"' in page
    assert 'value="ma túy"' in page
    assert "/static/search/autocomplete.js" in page
    assert "<h1>" in page and "<title>ma túy · " in page


def test_the_page_only_answers_get_and_head(as_lan, index):
    assert as_lan.head("/tim-kiem/?q=x").status_code == 200
    assert as_lan.post("/tim-kiem/", {"q": "x"}).status_code == 405


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get("/tim-kiem/?q=kiem+sat")
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/")


# --- Who finds what, with pages indexed by the sync as in production ------------------------------------


@pytest.fixture
def published_and_hidden(db, tuan_editor):
    """A published training, another restricted to administrators, and a unit's draft write-up."""
    open_page = add_training("Tập huấn phòng chống tham nhũng công khai")
    restricted = add_training("Tập huấn phòng chống tham nhũng nội bộ")
    restriction = PageViewRestriction.objects.create(page=restricted, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(Group.objects.get(name="Quản trị viên"))
    draft = add_practice("Cách làm phòng chống tham nhũng chưa duyệt", live=False)
    drain()
    return open_page, restricted, draft


def test_viewers_find_only_published_pages_open_to_them(client, lan_viewer, published_and_hidden):
    client.force_login(lan_viewer)
    page = get_page(client, "?q=tham+nhung")
    assert "Tập huấn phòng chống tham nhũng công khai" in page
    assert "Tập huấn phòng chống tham nhũng nội bộ" not in page
    assert "chưa duyệt" not in page


def test_the_restricted_page_is_found_by_the_group_it_is_open_to(client, quang_admin, published_and_hidden):
    client.force_login(quang_admin)
    page = get_page(client, "?q=tham+nhung")
    assert "Tập huấn phòng chống tham nhũng nội bộ" in page


def test_a_long_slide_is_cut_around_what_matched_with_every_mark_closed():
    from search.views import clip_marked

    text = "Quy định chung. " * 40 + "Việc <mark>thu giữ</mark> dữ liệu &amp; thiết bị. " + "Nội dung khác. " * 40
    clipped = clip_marked(text, 120)
    plain = re.sub(r"<[^>]+>|&\w+;", "x", clipped)
    assert len(plain) <= 140
    assert clipped.startswith("…") and clipped.endswith("…")
    assert "<mark>thu giữ</mark>" in clipped and "&amp;" in clipped
    assert clip_marked("Ngắn <mark>gọn</mark>", 120) == "Ngắn <mark>gọn</mark>"
    # A match longer than the room left is closed where it is cut.
    inside = clip_marked("<mark>" + "rất dài " * 100 + "</mark>", 50)
    assert inside.count("<mark>") == inside.count("</mark>") == 1


def test_a_slide_moment_shows_a_part_of_its_text_but_a_transcript_window_all_of_it(as_lan, index):
    long = "Quy định chung về kiểm sát. " * 30
    index.upsert(
        [
            doc(
                "training:23",
                "Tập huấn kiểm sát",
                moments=(
                    Moment(part=0, start=0, end=0, text=long + "Niêm phong điện thoại", slide=4, link="/d.pdf#page=4"),
                    Moment(part=1, start=60, end=90, text=long + "Niêm phong máy tính"),
                ),
            )
        ]
    )
    page = get_page(as_lan, "?q=niem+phong")
    texts = re.findall(r'class="search-moment__text">(.*?)</span></a>', page)
    assert len(texts) == 2
    slide, window = sorted(texts, key=len)
    assert slide.startswith("…") and "<mark>Niêm phong</mark> điện thoại" in slide.replace("</mark> <mark>", " ")
    assert len(window) > len(long)
