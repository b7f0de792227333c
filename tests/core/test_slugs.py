"""Vietnamese titles become readable ASCII slugs, in Python and in the admin's slug widget."""

from __future__ import annotations

import pytest

from portal.core.slugs import VIETNAMESE_LETTERS, slug_input_formatters, vietnamese_slugify
from portal.trainings.models import TrainingIndexPage, TrainingPage


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Tập huấn kỹ năng kiểm sát viên", "tap-huan-ky-nang-kiem-sat-vien"),
        ("Đào tạo, bồi dưỡng cán bộ", "dao-tao-boi-duong-can-bo"),
        ("ĐẤU TRANH PHÒNG, CHỐNG TỘI PHẠM", "dau-tranh-phong-chong-toi-pham"),
        ("Hướng dẫn áp dụng BLTTHS 2015", "huong-dan-ap-dung-bltths-2015"),
        ("Thuỷ lợi và thủy sản", "thuy-loi-va-thuy-san"),
        ("Hoa\u0300 gia\u0309i", "hoa-giai"),  # combining marks (decomposed input)
    ],
)
def test_it_transliterates_vietnamese_titles(title, slug):
    assert vietnamese_slugify(title) == slug


def test_the_admin_widget_formatters_cover_every_vietnamese_letter():
    import re

    formatters = slug_input_formatters()
    for letter, base in VIETNAMESE_LETTERS.items():
        replaced = letter
        for pattern, replacement in formatters:
            replaced = re.sub(pattern, replacement, replaced)
        assert replaced == base, letter
    # 12 vowels (a ă â e ê i o ô ơ u ư y) times 6 tones, less the 6 plain ones, in both cases, and đ Đ
    assert len(VIETNAMESE_LETTERS) == 2 * (12 * 6 - 6) + 2


@pytest.mark.django_db
def test_a_page_saved_without_a_slug_gets_a_readable_one():
    index = TrainingIndexPage.objects.get()
    page = TrainingPage(title="Đánh giá chứng cứ điện tử")
    index.add_child(instance=page)
    assert page.slug == "danh-gia-chung-cu-dien-tu"
    second = TrainingPage(title="Đánh giá chứng cứ điện tử")
    index.add_child(instance=second)
    assert second.slug == "danh-gia-chung-cu-dien-tu-2"


@pytest.mark.django_db
def test_the_page_editor_sends_the_vietnamese_formatters_to_the_browser(client, quang_admin):
    client.force_login(quang_admin)
    index = TrainingIndexPage.objects.get()
    response = client.get(f"/admin/pages/add/trainings/trainingpage/{index.pk}/")
    assert response.status_code == 200
    assert "data-w-slug-formatters-value" in response.content.decode()
    form_class = TrainingPage.get_edit_handler().get_form_class()
    widget = form_class(for_user=quang_admin).fields["slug"].widget
    formatters = widget.attrs["data-w-slug-formatters-value"]
    assert "\\u0111" in formatters  # đ, as the widget escapes it for the browser
