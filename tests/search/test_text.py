"""The Vietnamese text functions: NFC, one tone placement (old style), folding and acronym expansion."""

from __future__ import annotations

import itertools
import unicodedata

import pytest

from search.text import acronym_alternatives, expand_acronyms, fold, nfc, normalize, normalize_tones, tokens

ACRONYMS = {
    "VKSND": "Viện kiểm sát nhân dân",
    "VKSNDTC": "Viện kiểm sát nhân dân tối cao",
    "VKS": "Viện kiểm sát",
    "KSV": "kiểm sát viên",
    "BLHS": "Bộ luật Hình sự",
    "BLTTHS": "Bộ luật Tố tụng hình sự",
    "TTHS": "tố tụng hình sự",
    "THA": "thi hành án",
    "CNTT": "công nghệ thông tin",
    "CQĐT": "Cơ quan điều tra",
}

SENTENCES = [
    "Viện kiểm sát nhân dân tối cao tổ chức tập huấn kỹ năng thực hành quyền công tố.",
    "Hòa giải thành trong vụ án dân sự; hoà giải không thành thì đưa vụ án ra xét xử.",
    "Công tác thủy lợi, thuỷ sản và khỏe mạnh, khoẻ khoắn của người dân.",
    "Quyết định khởi tố bị can được gửi đến Viện kiểm sát trong thời hạn 24 giờ.",
    "Kinh nghiệm giữ gìn bí mật nhà nước trong hoạt động kiểm sát điều tra.",
    "Giữa năm 2024, quý II, ngoài việc đào tạo cán bộ, đơn vị còn khuyến khích ứng dụng CNTT.",
    "Người thuyền trưởng khuya khoắt vẫn xoáy vào câu hỏi: rượu hay nước?",
    "Đắk Lắk, Thừa Thiên Huế, Khánh Hòa và Quảng Ngãi tham gia hội nghị trực tuyến.",
    "Toàn văn Bộ luật Tố tụng hình sự năm 2015 (sửa đổi, bổ sung năm 2021) — Điều 165.",
]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        # open syllables written in the new style are rewritten to the old style
        ("hoà", "hòa"),
        ("hòa", "hòa"),
        ("thuỷ", "thủy"),
        ("thủy", "thủy"),
        ("khoẻ", "khỏe"),
        ("khỏe", "khỏe"),
        ("Uỷ ban", "Ủy ban"),
        # qu and gi are onsets
        ("quý", "quý"),
        ("qúy", "quý"),
        ("quà", "quà"),
        ("qùa", "quà"),
        ("giữa", "giữa"),
        ("già", "già"),
        ("gìn", "gìn"),
        ("gì", "gì"),
        # closed syllables keep the tone on the vowel the rules require
        ("toàn", "toàn"),
        ("hòan", "hoàn"),
        ("hoàng", "hoàng"),
        ("hoạch", "hoạch"),
        ("huỳnh", "huỳnh"),
        ("quyết", "quyết"),
        ("thuyền", "thuyền"),
        ("khuyết", "khuyết"),
        # vowels with a shape mark carry the tone
        ("người", "người"),
        ("rượu", "rượu"),
        ("thuở", "thuở"),
        ("muốn", "muốn"),
        ("Đắk Lắk", "Đắk Lắk"),
        # three vowels: the middle one; two: the first one
        ("ngoài", "ngoài"),
        ("xoáy", "xoáy"),
        ("khuỷu", "khuỷu"),
        ("mùa", "mùa"),
        ("tài", "tài"),
        ("mía", "mía"),
    ],
)
def test_each_syllable_gets_the_portals_tone_placement(written, expected):
    assert normalize_tones(written) == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("HOÀ BÌNH", "HÒA BÌNH"),
        ("Thuỷ", "Thủy"),
        ("KhoẺ", "KhỏE"),  # the case belongs to the letter, not to the tone
        ("QÚY", "QUÝ"),
    ],
)
def test_it_keeps_the_case_of_every_letter(written, expected):
    assert normalize_tones(written) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Python 3.12, café, José, naïve résumé",
        "ISO 9001:2015 và COVID-19",
        "hoà123 và abc_thuỷ",
        "email: hoa@vks.gov.vn",
    ],
)
def test_it_leaves_words_that_are_not_vietnamese_syllables_untouched(text):
    assert normalize_tones(text) == nfc(text)


def test_english_words_and_digits_around_vietnamese_are_untouched():
    assert normalize("Hoà giải online 24/7 (Zoom)") == "Hòa giải online 24/7 (Zoom)"


@pytest.mark.parametrize("sentence", SENTENCES)
def test_nfd_input_gives_the_same_result_as_nfc(sentence):
    decomposed = unicodedata.normalize("NFD", sentence)
    assert decomposed != sentence
    assert normalize(decomposed) == normalize(sentence)
    assert unicodedata.is_normalized("NFC", normalize(decomposed))


@pytest.mark.parametrize("sentence", SENTENCES)
def test_normalize_is_idempotent_on_real_sentences(sentence):
    once = normalize(sentence)
    assert normalize(once) == once


def test_both_habits_of_a_sentence_normalise_alike():
    assert normalize(SENTENCES[2]) == normalize(SENTENCES[2].replace("thuỷ", "thủy").replace("khoẻ", "khỏe"))
    assert "hoà" not in normalize(SENTENCES[1])


ONSETS = ["", "b", "ch", "đ", "gi", "ngh", "qu", "th", "tr"]
NUCLEI = ["a", "ă", "ê", "oa", "oe", "uy", "ưa", "ươ", "uô", "iê", "yê", "oai", "uyu", "ươi", "ia", "ua"]
FINALS = ["", "c", "ng", "nh", "t", "n"]
TONES = ["\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]


def _generated_syllables():
    """Every onset, rhyme and tone above, with the tone written on each vowel of the rhyme in turn."""
    for onset, nucleus, final, tone in itertools.product(ONSETS, NUCLEI, FINALS, TONES):
        for position in range(len(nucleus)):
            letters = list(onset + nucleus + final)
            letters[len(onset) + position] += tone
            yield (onset, nucleus, final, tone), nfc("".join(letters))


def test_every_generated_syllable_gets_one_spelling_whatever_vowel_carried_the_tone():
    spellings: dict[tuple[str, str, str, str], set[str]] = {}
    for key, syllable in _generated_syllables():
        normalised = normalize_tones(syllable)
        assert normalize_tones(normalised) == normalised
        assert fold(normalised) == fold(syllable)
        spellings.setdefault(key, set()).add(normalised)
    assert {key: found for key, found in spellings.items() if len(found) > 1} == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Đào tạo", "dao tao"),
        ("ĐÀO TẠO CÁN BỘ", "dao tao can bo"),
        ("đường", "duong"),
        ("Kiểm sát viên", "kiem sat vien"),
        ("Hòa", "hoa"),
        ("hoà", "hoa"),
        ("CQĐT", "cqdt"),
        ("Python 3.12", "python 3.12"),
    ],
)
def test_fold_lowercases_and_removes_every_diacritic(text, expected):
    assert fold(text) == expected


def test_fold_accepts_nfd_input():
    assert fold(unicodedata.normalize("NFD", "Đào tạo kỹ năng")) == "dao tao ky nang"


def test_tokens_are_the_folded_words():
    assert tokens("Đào tạo, cán bộ! (2024)") == ["dao", "tao", "can", "bo", "2024"]


@pytest.mark.parametrize(
    ("query", "added"),
    [
        ("quy chế VKSND", ["Viện kiểm sát nhân dân"]),
        ("vksnd", ["Viện kiểm sát nhân dân"]),
        ("KSV giỏi", ["kiểm sát viên"]),
        ("cqdt", ["Cơ quan điều tra"]),
        ("CQĐT", ["Cơ quan điều tra"]),
        ("Viện kiểm sát nhân dân Hà Nội", ["VKSND"]),
        ("vien kiem sat nhan dan", ["VKSND"]),
        ("kiểm sát viên và CNTT", ["KSV", "công nghệ thông tin"]),
        ("Bộ luật tố tụng hình sự", ["BLTTHS"]),
        ("BLHS, BLTTHS", ["Bộ luật Hình sự", "Bộ luật Tố tụng hình sự"]),
    ],
)
def test_acronyms_expand_both_ways(query, added):
    assert acronym_alternatives(query, ACRONYMS) == added


@pytest.mark.parametrize(
    ("query", "added"),
    [
        ("VKSNDTC", ["Viện kiểm sát nhân dân tối cao"]),
        ("VKSND", ["Viện kiểm sát nhân dân"]),
        ("VKS", ["Viện kiểm sát"]),
        ("Viện kiểm sát nhân dân tối cao", ["VKSNDTC"]),
        ("Viện kiểm sát tỉnh", ["VKS"]),
        ("tố tụng hình sự", ["TTHS"]),
    ],
)
def test_the_longest_match_wins(query, added):
    assert acronym_alternatives(query, ACRONYMS) == added


@pytest.mark.parametrize(
    "query",
    [
        "VKSNDX",  # not a whole word
        "thà",  # a different word, not the acronym THA written without diacritics
        "viên kiểm sát",  # "viên" is not "viện"
        "kiểm sát",  # part of an expansion only
    ],
)
def test_only_whole_words_with_compatible_diacritics_match(query):
    assert acronym_alternatives(query, ACRONYMS) == []


def test_alternatives_already_in_the_text_are_not_repeated():
    assert acronym_alternatives("VKSND (Viện kiểm sát nhân dân)", ACRONYMS) == []
    assert acronym_alternatives("VKSND vksnd", ACRONYMS) == ["Viện kiểm sát nhân dân"]


def test_expand_acronyms_appends_the_alternatives_to_the_query():
    assert expand_acronyms("quy chế VKSND", ACRONYMS) == "quy chế VKSND Viện kiểm sát nhân dân"
    assert expand_acronyms("đào tạo", ACRONYMS) == "đào tạo"
    assert expand_acronyms("VKSND", {}) == "VKSND"
