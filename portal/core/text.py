"""Small helpers for Vietnamese text that the site apps need (search/ has the full set for search)."""

from __future__ import annotations

import unicodedata

from anyascii import anyascii

# The Vietnamese alphabet, in dictionary order (with f, j, w, z for foreign names): ă, â, đ, ê, ô, ơ, ư are
# letters of their own that follow their base letter, so "Đà Nẵng" comes after every name in D.
ALPHABET = "aăâbcdđefghijklmnoôơpqrstuưvwxyz"
_LETTER_RANK = {letter: rank for rank, letter in enumerate(ALPHABET)}
# Tones come second, in the dictionary's order: level, huyền, hỏi, ngã, sắc, nặng.
_TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}

SortKey = tuple[tuple[tuple[int, int], ...], tuple[int, ...], str]


def _letter_and_tone(char: str) -> tuple[str, int]:
    """The letter without its tone mark ("ế" → "ê") and the tone's rank (0 for none)."""
    decomposed = unicodedata.normalize("NFD", char.casefold())
    tone = next((_TONE_RANK[mark] for mark in decomposed if mark in _TONE_RANK), 0)
    letter = unicodedata.normalize("NFC", "".join(mark for mark in decomposed if mark not in _TONE_RANK))
    return letter, tone


def vietnamese_sort_key(text: str) -> SortKey:
    """Sort Vietnamese names as a dictionary does: letter by letter in the Vietnamese alphabet ("Hà Nội"
    before "Huế", every "Đ" after every "D"), then by tone; the database's binary order would put every
    accented letter after "z"."""
    letters: list[tuple[int, int]] = []
    tones: list[int] = []
    for char in unicodedata.normalize("NFC", text):
        letter, tone = _letter_and_tone(char)
        if letter in _LETTER_RANK:
            letters.append((1, _LETTER_RANK[letter]))
        elif letter.isalpha():  # a letter of another script or with other marks: by its nearest Latin spelling
            folded = anyascii(letter).casefold()
            letters.extend((1, _LETTER_RANK.get(c, len(ALPHABET) + ord(c))) for c in folded)
        else:  # spaces, digits and punctuation come before letters, so "Hà Nội" sorts before "Hàm"
            letters.append((0, ord(letter[:1] or " ")))
        tones.append(tone)
    return tuple(letters), tuple(tones), text
