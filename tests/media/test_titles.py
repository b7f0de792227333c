"""The title a recording gets from its file name: readable words, the same for every way in."""

from __future__ import annotations

import unicodedata

import pytest

from media.titles import title_from_filename


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("tap_huan-phan_1.mp4", "tap huan phan 1"),
        ("Tap_huan--phan_2.mp4", "Tap huan phan 2"),
        ("Kỹ năng xét hỏi - buổi sáng.MOV", "Kỹ năng xét hỏi buổi sáng"),
        ("  hoi_nghi__ _tong-ket .mkv", "hoi nghi tong ket"),
        ("bai giang.final.mp4", "bai giang.final"),
        ("khong-duoi", "khong duoi"),
    ],
)
def test_underscores_and_dashes_become_spaces_and_the_extension_goes(name, title):
    assert title_from_filename(name) == title


def test_folders_are_dropped_whichever_way_the_slashes_lean():
    assert title_from_filename("D:\\Luu tru\\2019\\hoi_nghi.mp4") == "hoi nghi"
    assert title_from_filename("/mnt/archive/2019/hoi_nghi.mp4") == "hoi nghi"


def test_a_name_made_only_of_separators_is_kept_rather_than_left_empty():
    assert title_from_filename("___.mp4") == "___.mp4"


def test_decomposed_vietnamese_from_a_mac_is_composed():
    decomposed = unicodedata.normalize("NFD", "Kiểm_sát.mp4")
    assert title_from_filename(decomposed) == unicodedata.normalize("NFC", "Kiểm sát")


def test_long_names_are_cut_to_the_titles_length():
    assert title_from_filename("a" * 300 + ".mp4") == "a" * 255
    assert title_from_filename("tap_huan.mp4", max_length=3) == "tap"
