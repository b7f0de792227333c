"""Vietnamese text for search: one spelling for what is stored and what is queried, a folded form without
diacritics, and acronym expansion. Pure functions, no database: both engines and the tests use them.

Tone placement follows the *old style* ("kiểu cũ": hòa, thủy, khỏe, quý), the habit of most typed
Vietnamese, Unikey's default and the spelling of the names already in the portal. Both habits differ only in
open syllables whose rhyme is "oa", "oe" or "uy"; the new style (hoà, thuỷ, khoẻ) is rewritten to the old.
A naive rule ("the tone goes on the first of two vowels") breaks closed syllables such as "toàn" or "hoàng",
so each syllable is parsed into onset, vowels and final consonant and the tone is placed by the rules:

1. on the vowel with a shape mark (ă, â, ê, ô, ơ, ư), the last one when there are two ("người", "giữa");
2. otherwise, when a final consonant follows, on the last vowel ("toàn", "hoạch", "huỳnh");
3. otherwise on the middle one of three vowels ("ngoài", "khuỷu") or the first of two ("hòa", "mùa", "tài").

"qu" and "gi" (before another vowel) are onsets, so "quý", "quyết" and "giữa" carry the tone on the vowel
after them, while "gì" and "gìn" keep it on their only vowel. A word that is not a Vietnamese syllable (an
English word, a code with digits, a name with foreign diacritics) is left exactly as it is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

# The five tone marks as combining characters (huyền, sắc, ngã, hỏi, nặng).
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
SHAPED_VOWELS = frozenset("ăâêôơư")
VOWELS = frozenset("aeiouy") | SHAPED_VOWELS

_ONSET_LIST = "b c ch d đ g gh gi h k kh l m n ng ngh nh p ph qu r s t th tr v x"
ONSETS = sorted(_ONSET_LIST.split(), key=len, reverse=True)  # longest first: "ngh" before "ng" before "n"
# "k" ends a few place names of the Central Highlands (Đắk Lắk).
FINALS = frozenset(["", "c", "ch", "k", "m", "n", "ng", "nh", "p", "t"])
# Every vowel sequence of a Vietnamese rhyme, without tone marks (some only occur before a final consonant).
_NUCLEUS_LIST = (
    "a ă â e ê i o ô ơ u ư y "
    "ai ao au ay âu ây eo êu ia iê iu oa oă oe oi oo ôi ơi ua uâ uê ui uô uơ uy ưa ưi ưu ươ yê "
    "iêu yêu oai oao oay oeo uây uôi uya uyê uyu ươi ươu"
)
NUCLEI = frozenset(_NUCLEUS_LIST.split())

# A word: letters and digits with any combining marks that NFC left apart.
_WORD = re.compile(r"(?:\w|[\u0300-\u036f])+")
_FOLD_LETTERS = str.maketrans({"đ": "d", "ð": "d"})  # "ð" is a common wrong stand-in for "đ"


def nfc(text: str) -> str:
    """Unicode NFC: the precomposed form, so "hòa" typed as o + U+0300 equals the one typed as "ò"."""
    return unicodedata.normalize("NFC", text)


def _split_tone(char: str) -> tuple[str, str]:
    """A character without its tone mark, and the mark ("" when it has none): "ộ" → ("ô", "\u0323")."""
    decomposed = unicodedata.normalize("NFD", char)
    tone = "".join(mark for mark in decomposed if mark in TONE_MARKS)
    base = "".join(mark for mark in decomposed if mark not in TONE_MARKS)
    return nfc(base), tone


def _tone_position(syllable: str) -> int | None:
    """Where the tone belongs in a lowercase syllable without tone marks, or None if it is not Vietnamese."""
    onset = next((o for o in ONSETS if syllable.startswith(o)), "")
    if onset == "gi" and (len(syllable) == 2 or syllable[2] not in VOWELS):
        onset = "g"  # "gì", "gìn": the i is the vowel
    start = len(onset)
    end = start
    while end < len(syllable) and syllable[end] in VOWELS:
        end += 1
    nucleus, final = syllable[start:end], syllable[end:]
    if nucleus not in NUCLEI or final not in FINALS:
        return None
    shaped = [i for i, vowel in enumerate(nucleus) if vowel in SHAPED_VOWELS]
    if shaped:
        return start + shaped[-1]
    if final:
        return start + len(nucleus) - 1
    if len(nucleus) == 3:
        return start + 1
    return start


def _place_tone(word: str) -> str:
    parts = [_split_tone(char) for char in word]
    tones = [(i, tone) for i, (_, tone) in enumerate(parts) if tone]
    if len(tones) != 1 or len(tones[0][1]) != 1:
        return word  # no tone to move, or not a Vietnamese syllable
    bases = [base for base, _ in parts]
    if any(len(base) != 1 for base in bases):
        return word
    lowered = "".join(bases).lower()
    target = _tone_position(lowered) if len(lowered) == len(bases) else None
    if target is None:
        return word
    bases[target] = bases[target] + tones[0][1]
    return nfc("".join(bases))


def normalize_tones(text: str) -> str:
    """One tone placement (old style, see the module docstring) for every Vietnamese syllable in `text`,
    keeping case and leaving other words untouched. The result is in NFC."""
    return _WORD.sub(lambda match: _place_tone(match.group()), nfc(text))


def normalize(text: str) -> str:
    """The exact form that is stored and queried: NFC with one tone placement."""
    return normalize_tones(text)


def fold(text: str) -> str:
    """Lowercase without any diacritics, đ as d: "Đào tạo" → "dao tao". Used for the folded index field
    and for matching what users type without diacritics."""
    decomposed = unicodedata.normalize("NFD", text.casefold().translate(_FOLD_LETTERS))
    return nfc("".join(char for char in decomposed if not unicodedata.combining(char)))


def words(text: str) -> list[str]:
    """The words of `text` as written (NFC), without punctuation."""
    return _WORD.findall(nfc(text))


def tokens(text: str) -> list[str]:
    """The folded words of `text`: "Đào tạo, cán bộ!" → ["dao", "tao", "can", "bo"]."""
    return [fold(word) for word in words(text)]


def _same_word(written: str, known: str) -> bool:
    """A written word stands for a known one when they fold alike and the writer either typed no
    diacritics at all ("kiem", "cqdt") or the right ones: "thà" is not the acronym "THA"."""
    folded = fold(written)
    if folded != fold(known):
        return False
    return folded == written.casefold() or normalize(written).casefold() == normalize(known).casefold()


def _phrases(acronyms: Mapping[str, str]) -> dict[tuple[str, ...], list[tuple[list[str], str]]]:
    """Each acronym and each expansion as a folded word sequence → (its words as written, what it adds)."""
    phrases: dict[tuple[str, ...], list[tuple[list[str], str]]] = {}
    for short, expansion in acronyms.items():
        for phrase, alternative in ((short, expansion), (expansion, short)):
            written = words(phrase)
            if written and words(alternative):
                phrases.setdefault(tuple(fold(w) for w in written), []).append((written, alternative.strip()))
    return phrases


def acronym_alternatives(text: str, acronyms: Mapping[str, str]) -> list[str]:
    """What to search for besides `text`: the expansion of each acronym it contains and the acronym of
    each expansion it contains. Whole words only, insensitive to case and to missing diacritics, the longest
    phrase first ("VKSND" is not read as "VKS", "Viện kiểm sát nhân dân" not as "Viện kiểm sát").
    Alternatives already present in the text are left out."""
    written = words(text)
    present = " ".join(fold(word) for word in written)
    found = [alternative for _, _, candidates in _acronym_spans(written, acronyms) for alternative in candidates]
    return _unique_absent(found, present)


def _acronym_spans(written: list[str], acronyms: Mapping[str, str]) -> list[tuple[int, int, list[str]]]:
    """(first word, after the last word, alternatives) of each acronym or expansion in `written`, the
    longest phrase first, left to right."""
    phrases = _phrases(acronyms)
    if not phrases:
        return []
    longest = max(len(key) for key in phrases)
    folded = [fold(word) for word in written]
    spans: list[tuple[int, int, list[str]]] = []
    i = 0
    while i < len(written):
        for size in range(min(longest, len(written) - i), 0, -1):
            candidates = [
                alternative
                for known, alternative in phrases.get(tuple(folded[i : i + size]), [])
                if all(_same_word(w, k) for w, k in zip(written[i : i + size], known, strict=True))
            ]
            if candidates:
                spans.append((i, i + size, candidates))
                i += size
                break
        else:
            i += 1
    return spans


def acronym_variants(text: str, acronyms: Mapping[str, str], limit: int = 8) -> list[str]:
    """Other whole readings of `text` with its acronyms expanded and its expansions contracted, for an
    engine that matches every word: "quy chế VKSND" → ["quy chế Viện kiểm sát nhân dân"]. Each span is
    swapped alone, then all together; at most `limit` readings, never `text` itself."""
    written = words(text)
    spans = _acronym_spans(written, acronyms)
    readings: list[list[str]] = []
    for start, end, candidates in spans:
        for alternative in candidates:
            readings.append([*written[:start], alternative, *written[end:]])
    if len(spans) > 1:
        combined: list[str] = []
        position = 0
        for start, end, candidates in spans:
            combined.extend(written[position:start])
            combined.append(candidates[0])
            position = end
        combined.extend(written[position:])
        readings.append(combined)
    variants: list[str] = []
    seen = {" ".join(tokens(text))}
    for reading in readings:
        variant = " ".join(reading)
        key = " ".join(tokens(variant))
        if key not in seen:
            seen.add(key)
            variants.append(variant)
    return variants[:limit]


def _unique_absent(alternatives: Iterable[str], present: str) -> list[str]:
    result: list[str] = []
    seen = set()
    for alternative in alternatives:
        key = " ".join(tokens(alternative))
        if key in seen or re.search(rf"(?:^| ){re.escape(key)}(?: |$)", present):
            continue
        seen.add(key)
        result.append(alternative)
    return result


def expand_acronyms(text: str, acronyms: Mapping[str, str]) -> str:
    """`text` followed by its acronym alternatives: "quy chế VKSND" → "quy chế VKSND Viện kiểm sát nhân dân"."""
    alternatives = acronym_alternatives(text, acronyms)
    return " ".join([text, *alternatives]) if alternatives else text
