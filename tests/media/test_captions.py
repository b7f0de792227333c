"""Reading caption files from many tools into cues, and writing them back as WebVTT."""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext

import pytest

from media.captions import CaptionError, Cue, decode, decode_tcvn3, detect_format, parse_captions, to_webvtt
from tests.media.legacy_text import windows_1258

SRT = """1
00:00:01,000 --> 00:00:04,500
Xin chào các đồng chí kiểm sát viên.

2
00:00:05,000 --> 00:00:09,250
Hôm nay chúng ta học kỹ năng
xét hỏi bị can.

3
00:01:10,000 --> 01:00:00,000
Quyết định khởi tố vụ án hình sự.
"""
EXPECTED = [
    Cue(1.0, 4.5, "Xin chào các đồng chí kiểm sát viên."),
    Cue(5.0, 9.25, "Hôm nay chúng ta học kỹ năng xét hỏi bị can."),
    Cue(70.0, 3600.0, "Quyết định khởi tố vụ án hình sự."),
]


def error_of(data: bytes | str) -> CaptionError:
    with pytest.raises(CaptionError) as caught:
        parse_captions(data)
    return caught.value


@pytest.mark.parametrize(
    ("label", "data", "encoding"),
    [
        ("UTF-8", SRT.encode("utf-8"), "utf-8"),
        ("UTF-8 with BOM", b"\xef\xbb\xbf" + SRT.encode("utf-8"), "utf-8-sig"),
        ("UTF-8 decomposed (macOS)", unicodedata.normalize("NFD", SRT).encode("utf-8"), "utf-8"),
        ("UTF-16 LE with BOM", b"\xff\xfe" + SRT.encode("utf-16-le"), "utf-16"),
        ("UTF-16 BE with BOM", b"\xfe\xff" + SRT.encode("utf-16-be"), "utf-16"),
        ("UTF-16 LE without BOM", SRT.encode("utf-16-le"), "utf-16-le"),
        ("Windows CRLF", SRT.replace("\n", "\r\n").encode("utf-8"), "utf-8"),
        ("old Mac CR", SRT.replace("\n", "\r").encode("utf-8"), "utf-8"),
        ("Windows-1258, CRLF", windows_1258(SRT.replace("\n", "\r\n")), "cp1258"),
    ],
)
def test_it_reads_the_same_cues_whatever_the_encoding_and_line_endings(label, data, encoding):
    assert decode(data)[1] == encoding
    assert parse_captions(data) == EXPECTED


def test_windows_1258_tone_marks_are_combined_into_nfc_letters():
    data = windows_1258("1\n00:00:01,000 --> 00:00:02,000\nViệt Nam, người, quyết định\n")
    assert "\u0323".encode("cp1258") in data  # the test file really uses combining marks
    (cue,) = parse_captions(data)
    assert cue.text == "Việt Nam, người, quyết định"
    assert unicodedata.is_normalized("NFC", cue.text)


def test_tcvn3_files_are_recognised_and_read_with_their_own_table():
    # The familiar sight of a TCVN3 (.VnTime) document opened as Latin-1.
    srt = (
        "1\n00:00:01,000 --> 00:00:03,000\nCéng hoµ x· héi chñ nghÜa ViÖt Nam\n\n"
        "2\n00:00:03,000 --> 00:00:05,000\n§éc lËp - Tù do - H¹nh phóc\n"
    )
    data = srt.encode("latin-1")
    assert decode(data)[1] == "tcvn3"
    assert [cue.text for cue in parse_captions(data)] == [
        "Cộng hoà xã hội chủ nghĩa Việt Nam",
        "Độc lập - Tự do - Hạnh phúc",
    ]


def test_tcvn3_headings_in_capitals_get_capital_toned_letters():
    # The .VnTimeH fonts draw the small-letter codes as capitals.
    assert decode_tcvn3("VIÖN KIÓM S¸T NH¢N D¢N TèI CAO\nTù do".encode("latin-1")) == (  # noqa: RUF001
        "VIỆN KIỂM SÁT NHÂN DÂN TỐI CAO\nTự do"
    )


def test_a_file_in_no_known_encoding_is_refused_naming_the_first_unreadable_line():
    data = "1\n00:00:01,000 --> 00:00:02,000\nTiếng Việt\n".encode().replace(b"Ti", b"\x81\x8d\x8f")
    data = data.replace("ế".encode(), b"\x90\x9d")
    error = error_of(data)
    assert error.line == 3
    assert str(error) == gettext(
        "Line %(line)d cannot be read in any text encoding we know (UTF-8, UTF-16, Windows-1258, TCVN3). "
        "Save the file as UTF-8 and upload it again."
    ) % {"line": 3}


def test_utf8_damaged_by_a_stray_byte_is_refused_rather_than_read_as_garbage():
    data = SRT.encode("utf-8").replace("chúng".encode(), b"ch\xfang")
    assert error_of(data).line == 7


def test_a_binary_file_is_refused():
    assert str(error_of(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00isom")) == gettext(
        "This is not a text file. Upload captions as WebVTT (.vtt) or SRT (.srt)."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("WEBVTT\n\n00:01.000 --> 00:02.000\nxin chào\n", "vtt"),
        ("\ufeffWEBVTT - bài giảng\n\n00:01.000 --> 00:02.000\nxin chào\n", "vtt"),
        (SRT, "srt"),
        ("00:00:01.000 --> 00:00:02.000\nmột tệp WebVTT mất dòng đầu\n", "srt"),
        ("WEBVTTX\n\n1\n00:00:01,000 --> 00:00:02,000\nxin chào\n", "srt"),
    ],
)
def test_it_tells_webvtt_from_srt(text, expected):
    assert detect_format(text) == expected


def test_a_file_without_timings_is_refused():
    assert str(error_of("Biên bản hỏi cung\nkhông có thời gian\n".encode())) == gettext(
        "This file has no caption timings. Upload captions as WebVTT (.vtt) or SRT (.srt)."
    )


def test_webvtt_headers_notes_styles_identifiers_and_cue_settings_are_understood():
    vtt = """WEBVTT - Tập huấn
Kind: captions
Language: vi

STYLE
::cue { color: yellow }

NOTE phụ đề do Viện kiểm sát tỉnh gửi
có hai dòng

mo-dau
00:00.500 --> 00:03.000 align:start position:10% line:0
<v Nguyễn Thị Lan>Chào các đồng chí.</v>

00:01:03.000 --> 00:01:05.000 line:85%
Tiếp theo
"""
    assert parse_captions(vtt.encode()) == [
        Cue(0.5, 3.0, "Chào các đồng chí."),
        Cue(63.0, 65.0, "Tiếp theo"),
    ]


@pytest.mark.parametrize(
    ("payload", "text"),
    [
        ("<i>nghiêng</i> và <b>đậm</b>", "nghiêng và đậm"),
        ("<c.yellow.bg_blue>màu</c> <u>gạch</u>", "màu gạch"),
        ('<font color="#ffff00">Bị can</font> khai', "Bị can khai"),
        ("{\\an8}Phía trên màn hình", "Phía trên màn hình"),
        ("Một<00:00:01.500> từng <00:00:02.000>chữ", "Một từng chữ"),
        ("Tom &amp; Jerry &lt;3 &nbsp;x", "Tom & Jerry <3 x"),
        ("a < b và c > d", "a < b và c > d"),
        ("Dòng một\\Ndòng hai", "Dòng một dòng hai"),
        ("  nhiều    khoảng   trắng  ", "nhiều khoảng trắng"),
    ],
)
def test_markup_is_stripped_from_cue_text(payload, text):
    (cue,) = parse_captions(f"1\n00:00:01,000 --> 00:00:02,000\n{payload}\n")
    assert cue.text == text


def test_lines_of_a_cue_are_joined_with_a_space_even_across_a_stray_blank_line():
    srt = (
        "1\n00:00:01,000 --> 00:00:02,000\n- Anh có mặt\n- Có\n\ntại hiện trường?\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\nCó.\n"
    )
    assert [cue.text for cue in parse_captions(srt)] == ["- Anh có mặt - Có tại hiện trường?", "Có."]


def test_an_srt_that_lost_its_blank_lines_still_reads():
    srt = "1\n00:00:01,000 --> 00:00:02,000\nmột\n2\n00:00:02,000 --> 00:00:03,000\nhai\n"
    assert parse_captions(srt) == [Cue(1.0, 2.0, "một"), Cue(2.0, 3.0, "hai")]


def test_cues_without_text_are_dropped():
    srt = "1\n00:00:01,000 --> 00:00:02,000\n<i></i>\n\n2\n00:00:02,000 --> 00:00:03,000\nhai\n"
    assert parse_captions(srt) == [Cue(2.0, 3.0, "hai")]


def test_overlapping_cues_are_kept_in_order_and_clipped():
    srt = """1
00:00:01,000 --> 00:00:05,000
một

2
00:00:04,000 --> 00:00:06,000
hai

3
00:00:03,000 --> 00:00:03,500
ba

4
00:00:06,000 --> 00:00:07,000
bốn

5
00:00:06,000 --> 00:00:08,000
năm
"""
    assert parse_captions(srt) == [
        Cue(1.0, 3.0, "một"),
        Cue(3.0, 3.5, "ba"),
        Cue(4.0, 6.0, "hai"),
        Cue(6.0, 8.0, "bốn năm"),
    ]


def timing_error(line: int, time: str) -> str:
    return gettext("Line %(line)d: “%(time)s” is not a time. Write times like 00:01:02.500.") % {
        "line": line,
        "time": time,
    }


def missing_timing(line: int) -> str:
    return gettext("Line %(line)d should give the start and end of a caption, like 00:01:02.500 --> 00:01:05.000.") % {
        "line": line
    }


@pytest.mark.parametrize(
    ("label", "text", "line", "message"),
    [
        (
            "end before start",
            SRT.replace("00:00:05,000 --> 00:00:09,250", "00:00:09,250 --> 00:00:05,000"),
            6,
            gettext("Line %(line)d: the caption ends (%(end)s) before it starts (%(start)s).")
            % {"line": 6, "start": "00:00:09,250", "end": "00:00:05,000"},
        ),
        ("seconds past 59", SRT.replace("00:01:10,000", "00:01:70,000"), 11, timing_error(11, "00:01:70,000")),
        ("letters in a time", SRT.replace("00:00:09,250", "00:00:O9,250"), 6, timing_error(6, "00:00:O9,250")),
        ("colon before milliseconds", SRT.replace("00:00:01,000", "00:00:01:000"), 2, timing_error(2, "00:00:01:000")),
        ("no end time", SRT.replace(" 00:00:04,500", ""), 2, missing_timing(2)),
        ("a one-dash arrow", SRT.replace("00:00:05,000 -->", "00:00:05,000 ->"), 6, missing_timing(6)),
        ("a number without a timing", SRT.replace("00:01:10,000 --> 01:00:00,000\n", ""), 11, missing_timing(11)),
        (
            "crlf line numbers",
            SRT.replace("00:00:01,000 -->", "00:00:01.000.5 -->").replace("\n", "\r\n"),
            2,
            timing_error(2, "00:00:01.000.5"),
        ),
        (
            "webvtt without hours",
            "WEBVTT\n\nNOTE x\n\n00:01.000 --> 00:02.000\nmột\n\n00:61.000 --> 01:02.000\nhai\n",
            8,
            timing_error(8, "00:61.000"),
        ),
    ],
)
def test_broken_timing_is_refused_naming_the_line(label, text, line, message):
    error = error_of(text.encode("utf-8"))
    assert (error.line, str(error)) == (line, message)


def test_webvtt_output_is_normalised_and_reads_back_the_same():
    cues = [Cue(1.0, 4.5, "Xin chào"), Cue(3725.25, 3726.0, "A & B <i>không phải thẻ</i> --> x")]
    vtt = to_webvtt(cues)
    assert vtt == (
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:04.500\nXin chào\n\n"
        "01:02:05.250 --> 01:02:06.000\nA &amp; B &lt;i&gt;không phải thẻ&lt;/i&gt; --&gt; x\n"
    )
    assert parse_captions(vtt.encode()) == cues
    assert parse_captions(to_webvtt(parse_captions(SRT))) == EXPECTED
