"""Every string a user sees has a Vietnamese translation that keeps its placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted((ROOT / "locale").glob("vi/LC_MESSAGES/*.po")) + sorted(
    (ROOT / "locale-wagtail").glob("vi/LC_MESSAGES/*.po")
)
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]+\}")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_catalogue_is_complete_and_keeps_placeholders(path):
    catalogue = polib.pofile(str(path))
    problems = []
    for entry in catalogue:
        if entry.obsolete:
            continue
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        if "fuzzy" in entry.flags or not all(translations):
            problems.append(f"untranslated or fuzzy: {entry.msgid!r}")
            continue
        if {"python-format", "python-brace-format", "javascript-format"} & set(entry.flags):
            # Vietnamese has one plural form, which says what the English plural says.
            source = set(placeholders(entry.msgid_plural or entry.msgid))
            for text in translations:
                if set(placeholders(text)) != source:
                    problems.append(f"placeholders differ: {entry.msgid!r} -> {text!r}")
    assert problems == []


def test_there_are_catalogues_to_check():
    assert {p.name for p in CATALOGUES} >= {"django.po", "djangojs.po"}
