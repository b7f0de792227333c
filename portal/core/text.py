"""Small helpers for Vietnamese text that the site apps need (search/ has the full set for search)."""

from __future__ import annotations

import unicodedata

from anyascii import anyascii


def vietnamese_sort_key(text: str) -> tuple[str, str]:
    """Sort Vietnamese names as a reader expects ("Hà Nội" before "Huế"); the database's binary
    order puts every accented letter after "z"."""
    return (anyascii(unicodedata.normalize("NFC", text)).casefold(), text)
