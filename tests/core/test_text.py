"""Vietnamese dictionary order for lists of names and titles."""

from __future__ import annotations

from portal.core.text import vietnamese_sort_key


def ordered(*names: str) -> list[str]:
    return sorted(names, key=vietnamese_sort_key)


def test_accented_letters_sort_beside_their_base_letter_not_after_z():
    assert ordered("Yên Bái", "Ấn tượng", "Bắc Ninh", "An Giang") == ["An Giang", "Ấn tượng", "Bắc Ninh", "Yên Bái"]


def test_d_with_stroke_is_a_letter_after_d():
    assert ordered("Đà Nẵng", "Điện Biên", "Duyên hải", "Dân sự") == ["Dân sự", "Duyên hải", "Đà Nẵng", "Điện Biên"]


def test_a_breve_and_a_circumflex_follow_a_and_o_horn_follows_o_circumflex():
    assert ordered("ân", "ăn", "an") == ["an", "ăn", "ân"]
    assert ordered("ơn", "ôn", "on") == ["on", "ôn", "ơn"]


def test_tones_decide_only_between_the_same_letters_in_dictionary_order():
    assert ordered("má", "mạ", "mà", "ma", "mả", "mã") == ["ma", "mà", "mả", "mã", "má", "mạ"]
    assert ordered("mạnh", "mai") == ["mai", "mạnh"]


def test_shorter_words_first_and_case_does_not_matter():
    assert ordered("Hàm Yên", "Hà Nội", "huế") == ["Hà Nội", "Hàm Yên", "huế"]
    assert ordered("Tập huấn 2", "Tập huấn 10", "tập huấn 1")[0] == "tập huấn 1"
