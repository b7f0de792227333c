"""Vietnamese text as old tools wrote it, for tests of the readers that must recognise it.

Import with `from tests.media.legacy_text import windows_1258` (pytest-django puts the project folder on
sys.path)."""

from __future__ import annotations

import unicodedata


def windows_1258(text: str) -> bytes:
    """How Windows-1258 stores Vietnamese: letters with their shape (ê, ơ, ă...) precomposed where the code
    page has them, tone marks as separate combining characters."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", char)
        tones = "".join(mark for mark in decomposed if mark in "\u0300\u0301\u0303\u0309\u0323")
        base = unicodedata.normalize("NFC", "".join(mark for mark in decomposed if mark not in tones))
        try:
            out.append(char.encode("cp1258"))
        except UnicodeEncodeError:
            out.append((base + tones).encode("cp1258"))
    return b"".join(out)


def tcvn3_as_western_letters(text: str) -> str:
    """`text` as a document made with the old ".Vn" fonts holds it: TCVN3 bytes, which readers that know no
    better (PDF text extraction, a Latin-1 editor) give back as Windows-1252 letters."""
    from media.captions import _TCVN3_BYTES, _TCVN3_LETTERS

    table = dict(zip(_TCVN3_LETTERS, _TCVN3_BYTES, strict=True))
    return bytes(table[char] if char in table else ord(char) for char in text).decode("cp1252")
