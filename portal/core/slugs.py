"""Readable ASCII slugs from Vietnamese titles.

Django's slugify drops letters it cannot decompose, so "Đào tạo" would become "ao-tao"; anyascii
transliterates first (đ → d, ư → u, ...), then slugify tidies up.
"""

from __future__ import annotations

import unicodedata

from django.utils.text import slugify

from anyascii import anyascii


def vietnamese_slugify(text: str, max_length: int = 255) -> str:
    ascii_text = anyascii(unicodedata.normalize("NFC", text or ""))
    slug = slugify(ascii_text)[:max_length].strip("-")
    return slug


def _vietnamese_letters() -> dict[str, str]:
    """Every precomposed Vietnamese letter (both cases) mapped to its ASCII base letter."""
    tones = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
    bases = {
        "a": ["", "\u0306", "\u0302"],
        "e": ["", "\u0302"],
        "i": [""],
        "o": ["", "\u0302", "\u031b"],
        "u": ["", "\u031b"],
        "y": [""],
    }
    letters: dict[str, str] = {"đ": "d", "Đ": "D"}
    for base, modifiers in bases.items():
        for modifier in modifiers:
            for tone in tones:
                for letter in (base, base.upper()):
                    composed = unicodedata.normalize("NFC", letter + modifier + tone)
                    if composed != letter:
                        letters[composed] = letter
    return letters


VIETNAMESE_LETTERS = _vietnamese_letters()


def slug_input_formatters() -> list[tuple[str, str]]:
    """Replacements for Wagtail's slug widget, which transliterates neither đ nor most Vietnamese
    vowels in the browser (it would turn "Tập huấn" into "tp-hun")."""
    grouped: dict[str, list[str]] = {}
    for letter, base in VIETNAMESE_LETTERS.items():
        grouped.setdefault(base, []).append(letter)
    return [(f"[{''.join(sorted(letters))}]", base) for base, letters in sorted(grouped.items())]
