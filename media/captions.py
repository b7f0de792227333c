"""Caption files (WebVTT and SRT) read into timed cues, and cues written back as normalised WebVTT.

Old caption files come from many tools, so reading forgives what has one obvious meaning and refuses what
would put words at the wrong time:

- Encoding: a byte order mark wins (UTF-8, UTF-16, UTF-32); then strict UTF-8; then the two legacy
  Vietnamese encodings, Windows-1258 (tone marks stored as combining characters) and TCVN3, the "ABC" / VN3
  encoding of the ".Vn" fonts. Python has no TCVN3 codec, so its table is below. Both legacy decodings are
  tried and the one whose words are more often Vietnamese syllables wins; a file that reads as Vietnamese in
  neither is refused, naming the first line that is not UTF-8. TCVN3 has no capital letters with tone marks
  (the ".VnTimeH" fonts draw the small-letter codes as capitals), so a toned letter inside a word otherwise
  written in capitals is made a capital.
- Text: NFC; tags (<i>, <b>, <c.yellow>, <v Speaker>, <00:01.000>, <font ...>) and ASS overrides ({\\an8})
  removed, entities (&amp;) resolved, the lines of a cue joined by a space. A cue left without text is dropped.
- Timing: a time that cannot be read, a timing line without its arrow, or a cue ending before it starts is
  refused with a `CaptionError` naming its line (1-based, as an editor shows it). Cues are put in order of
  start; an overlap is clipped (the earlier cue ends when the next one starts) rather than refused, and two
  cues starting at the same moment become one.
"""

from __future__ import annotations

import contextlib
import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol

from django.utils.translation import gettext

Format = Literal["vtt", "srt"]


class CaptionError(ValueError):
    """A caption file we cannot read. The message is for the person who uploaded it (translated)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class TimedText(Protocol):
    """Anything with a start, an end (seconds) and a text: a Cue, a media.models.Segment, a Window."""

    @property
    def start(self) -> float: ...

    @property
    def end(self) -> float: ...

    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class Cue:
    start: float  # seconds
    end: float
    text: str  # NFC, one line, no markup


# --- Encodings ------------------------------------------------------------------------------------------

# TCVN3 (TCVN 5712:1993, VN3 / "ABC"): the bytes and, in the same order, the letters they stand for. Other
# bytes are read as Windows-1252, which is what the .Vn fonts draw there.
_TCVN3_BYTES = bytes.fromhex(
    "b5 b8 b6 b7 b9 a8 bb be bc bd c6 a9 c7 ca c8 c9 cb ae "
    "cc d0 ce cf d1 aa d2 d5 d3 d4 d6 d7 dd d8 dc de df e3 "
    "e1 e2 e4 ab e5 e8 e6 e7 e9 ac ea ed eb ec ee ef f3 f1 "
    "f2 f4 ad f5 f8 f6 f7 f9 fa fd fb fc fe a1 a2 a7 a3 a4 "
    "a5 a6 "
)
_TCVN3_LETTERS = "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĂÂĐÊÔƠƯ"


def _tcvn3_table() -> dict[int, str]:
    table = {}
    for byte in range(0x80, 0x100):
        try:
            table[byte] = bytes([byte]).decode("cp1252")
        except UnicodeDecodeError:
            table[byte] = chr(byte)
    for byte, letter in zip(_TCVN3_BYTES, _TCVN3_LETTERS, strict=True):
        table[byte] = letter
    return table


_TCVN3 = _tcvn3_table()
_TCVN3_SMALL = frozenset(_TCVN3_LETTERS.lower())  # the .VnTimeH fonts draw these codes as capitals
_LINE = re.compile(r"[^\r\n]+")
_WORD_RUN = re.compile(r"\S+")


def decode_tcvn3(data: bytes) -> str:
    text = "".join(_TCVN3[byte] if byte >= 0x80 else chr(byte) for byte in data)
    return _LINE.sub(_capitalise_in_capitals, text)


def _capitals(text: str) -> int | None:
    """How many capitals `text` has outside the TCVN3 letters, or None when it also has small ones."""
    others = [char for char in text if char.isalpha() and char not in _TCVN3_SMALL]
    return len(others) if all(char.isupper() for char in others) else None


def _capitalise_in_capitals(line: re.Match[str]) -> str:
    """Capitals for the TCVN3 letters of words written in capitals: "VIệT" → "VIỆT". A word with a single
    other capital ("Tự", "Xã" or "TỰ", "XÃ"?) follows its line: capitals only in a line of capitals."""
    line_in_capitals = (_capitals(line.group()) or 0) >= 2

    def word(match: re.Match[str]) -> str:
        text = match.group()
        capitals = _capitals(text)
        if capitals and (capitals >= 2 or line_in_capitals) and any(char in _TCVN3_SMALL for char in text):
            return text.upper()
        return text

    return _WORD_RUN.sub(word, line.group())


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)

# A Vietnamese syllable once its tone mark is taken off: onset, one to three vowels, final consonant
# ("k" ends a few place names: Đắk Lắk).
_SYLLABLE = re.compile(
    r"(?:ngh|ng|gh|gi|kh|nh|ph|th|tr|ch|qu|[bcdđghklmnprstvx])?[aăâeêioôơuưy]{1,3}(?:ch|nh|ng|[cmnptk])?"
)
# Real Windows-1258 or TCVN3 captions score above 0.9; UTF-8 misread as either stays below 0.5.
MIN_VIETNAMESE_SCORE = 0.8
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
# Word separators: white space, ASCII punctuation and the typographic quotes and dashes of Windows-1252 (both
# candidates read those bytes alike).
_SEPARATORS = re.compile("[\\s!-/:-@\\[-`{-~\u2013\u2014\u2018\u2019\u201c\u201d\u2026]+")


def _is_syllable(word: str) -> bool:
    decomposed = unicodedata.normalize("NFD", word.lower())
    if sum(char in _TONES for char in decomposed) > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(char for char in decomposed if char not in _TONES))
    return _SYLLABLE.fullmatch(bare) is not None


def vietnamese_score(text: str) -> float:
    """Share of the words with a non-ASCII letter that are Vietnamese syllables (1.0 when there are none).

    Only those words say anything about a legacy encoding: a wrong guess turns their letters into symbols,
    stray marks or impossible spellings, while ASCII reads the same in every candidate.
    """
    words = [word for word in _SEPARATORS.split(unicodedata.normalize("NFC", text)) if not word.isascii()]
    if not words:
        return 1.0
    return sum(map(_is_syllable, words)) / len(words)


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:2000]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    even_zeros, odd_zeros = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_zeros > 0.3 and even_zeros < 0.05:
        return "utf-16-le"
    if even_zeros > 0.3 and odd_zeros < 0.05:
        return "utf-16-be"
    return None


def _line_of(data: bytes, position: int) -> int:
    return len(re.findall(rb"\r\n|\r|\n", data[:position])) + 1


def decode(data: bytes) -> tuple[str, str]:
    """The text of a caption file (NFC, not yet split into lines) and the encoding it was read with:
    a Python codec name, or "tcvn3"."""
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), None) or _utf16_without_bom(data)
    if encoding:
        try:
            return unicodedata.normalize("NFC", data.decode(encoding)), encoding
        except UnicodeDecodeError as exc:
            raise _undecodable(data, exc.start) from exc
    if b"\x00" in data:
        raise CaptionError(gettext("This is not a text file. Upload captions as WebVTT (.vtt) or SRT (.srt)."))
    try:
        return unicodedata.normalize("NFC", data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    candidates = []
    with contextlib.suppress(UnicodeDecodeError):  # bytes Windows-1258 leaves undefined
        candidates.append((unicodedata.normalize("NFC", data.decode("cp1258")), "cp1258"))
    candidates.append((unicodedata.normalize("NFC", decode_tcvn3(data)), "tcvn3"))
    scored = [(vietnamese_score(text), -index, text, name) for index, (text, name) in enumerate(candidates)]
    score, _, text, name = max(scored)
    if score < MIN_VIETNAMESE_SCORE:
        raise _undecodable(data, first_bad)
    return text, name


def _undecodable(data: bytes, position: int) -> CaptionError:
    line = _line_of(data, position)
    return CaptionError(
        gettext(
            "Line %(line)d cannot be read in any text encoding we know (UTF-8, UTF-16, Windows-1258, TCVN3). "
            "Save the file as UTF-8 and upload it again."
        )
        % {"line": line},
        line=line,
    )


# --- Parsing --------------------------------------------------------------------------------------------

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_TIME = re.compile(r"(?:(\d+):)?([0-5]?\d):([0-5]?\d)(?:[.,](\d{1,3}))?")
# A line that starts like a timing line but has no "-->": a broken timing line, not text.
_TIMING_LIKE = re.compile(r"\s*(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}\s*(?:[-\u2013\u2014>=]|$)")
_SIGNATURE = re.compile(r"\ufeff?WEBVTT(?:[ \t\r\n]|$)")
_VTT_BLOCKS = re.compile(r"(?:NOTE|STYLE|REGION)(?:\s|$)")
_TAG = re.compile(r"</?[A-Za-z0-9][^<>]*>|\{\\[^{}]*\}")
_INVISIBLE = re.compile(r"[\ufeff\u200b\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


def detect_format(text: str) -> Format:
    """ "vtt" for a file starting with the WEBVTT signature, "srt" for any other file with timing lines
    (SubRip's own, or a WebVTT body that lost its header: both read the same)."""
    if _SIGNATURE.match(text):
        return "vtt"
    if any("-->" in line for line in _LINE_BREAK.split(text)):
        return "srt"
    raise CaptionError(gettext("This file has no caption timings. Upload captions as WebVTT (.vtt) or SRT (.srt)."))


def parse_captions(data: bytes | str) -> list[Cue]:
    """The cues of a WebVTT or SRT file, given as bytes (any supported encoding) or as text."""
    text = decode(data)[0] if isinstance(data, bytes) else unicodedata.normalize("NFC", data)
    fmt = detect_format(text)
    raw: list[tuple[float, float, list[str]]] = []
    for number, block in enumerate(_blocks(text)):
        if fmt == "vtt" and number == 0 and _SIGNATURE.match(block[0][1]):
            block = block[1:]  # the signature line; its header lines ("Kind: captions") are ignored below
        if not block or (fmt == "vtt" and _VTT_BLOCKS.match(block[0][1]) and "-->" not in block[0][1]):
            continue
        _read_block(block, fmt, raw)
    cues = [Cue(start, end, _clean(lines)) for start, end, lines in raw]
    return _in_order([cue for cue in cues if cue.text])


def _blocks(text: str) -> list[list[tuple[int, str]]]:
    """Runs of non-blank lines, each line with its 1-based number."""
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        if line.strip():
            current.append((number, line))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _read_block(block: list[tuple[int, str]], fmt: Format, raw: list[tuple[float, float, list[str]]]) -> None:
    """Add the cues of one block to `raw`; lines before its first timing line continue the previous cue
    (a blank line typed inside a cue's text)."""
    timings = [index for index, (_, line) in enumerate(block) if "-->" in line]
    if not timings and fmt == "srt" and block[0][1].strip().isdigit() and len(block) > 1:
        raise _timing_missing(block[1][0])  # a cue number followed by no timing line
    # The line right before a timing line is the cue's number or identifier when it opens the block, or
    # when it is a bare number (SRT files that lost the blank line between cues).
    identifiers = {i - 1 for i in timings if i >= 1 and (i == 1 or block[i - 1][1].strip().isdigit())}
    lines = raw[-1][2] if raw else None
    for index, (number, line) in enumerate(block):
        if index in identifiers:
            continue
        if index in timings:
            start, end = _timing(line, number)
            lines = []
            raw.append((start, end, lines))
        elif _TIMING_LIKE.match(line):
            raise _timing_missing(number)
        elif lines is not None:
            lines.append(line)


def _timing(line: str, number: int) -> tuple[float, float]:
    before, after = line.split("-->", 1)
    start_text, end_text = before.strip(), (after.split() or [""])[0]
    if not start_text or not end_text or len(before.split()) > 1:
        raise _timing_missing(number)
    start, end = _seconds(start_text, number), _seconds(end_text, number)
    if end < start:
        raise CaptionError(
            gettext("Line %(line)d: the caption ends (%(end)s) before it starts (%(start)s).")
            % {"line": number, "start": start_text, "end": end_text},
            line=number,
        )
    return start, end


def _seconds(text: str, number: int) -> float:
    match = _TIME.fullmatch(text)
    if not match:
        raise CaptionError(
            gettext("Line %(line)d: “%(time)s” is not a time. Write times like 00:01:02.500.")
            % {"line": number, "time": text},
            line=number,
        )
    hours, minutes, seconds, fraction = match.groups()
    milliseconds = int((fraction or "0").ljust(3, "0"))
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + milliseconds / 1000


def _timing_missing(number: int) -> CaptionError:
    return CaptionError(
        gettext("Line %(line)d should give the start and end of a caption, like 00:01:02.500 --> 00:01:05.000.")
        % {"line": number},
        line=number,
    )


def _clean(lines: list[str]) -> str:
    text = " ".join(lines).replace("\\N", " ").replace("\\n", " ")
    text = html.unescape(_TAG.sub("", text))
    text = _INVISIBLE.sub("", text)
    return unicodedata.normalize("NFC", _SPACES.sub(" ", text).strip())


def _in_order(cues: list[Cue]) -> list[Cue]:
    ordered: list[Cue] = []
    for cue in sorted(cues, key=lambda cue: cue.start):  # stable: equal starts keep the file's order
        if ordered and ordered[-1].end > cue.start:
            previous = ordered.pop()
            if previous.start < cue.start:
                ordered.append(Cue(previous.start, cue.start, previous.text))
            else:
                cue = Cue(cue.start, max(previous.end, cue.end), f"{previous.text} {cue.text}")
        ordered.append(cue)
    return ordered


# --- Writing --------------------------------------------------------------------------------------------


def format_timestamp(seconds: float, hour_digits: int = 2) -> str:
    """Seconds → "01:02:03.450", the WebVTT form with hours always written (on `hour_digits` digits at least)."""
    total = round(max(0.0, seconds) * 1000)
    hours, rest = divmod(total, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:0{hour_digits}d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def to_webvtt(segments: Iterable[TimedText]) -> str:
    """Normalised WebVTT: the signature, then one cue per segment with its text on one line."""
    parts = ["WEBVTT\n"]
    for segment in segments:
        text = _SPACES.sub(" ", segment.text).strip()
        if not text:
            continue
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        parts.append(f"{format_timestamp(segment.start)} --> {format_timestamp(segment.end)}\n{text}\n")
    return "\n".join(parts)
