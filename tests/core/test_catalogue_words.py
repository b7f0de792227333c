"""The Vietnamese catalogues speak one way: the reader is "đồng chí", quotes are “…”, and a required field is
always "Mục này là bắt buộc" (Django's error, Wagtail's and the submission form's)."""

from __future__ import annotations

import re
from pathlib import Path

import django
from django.utils import translation
from django.utils.translation import gettext

import wagtail

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted([*ROOT.glob("locale/vi/LC_MESSAGES/*.po"), *ROOT.glob("locale-wagtail/vi/LC_MESSAGES/*.po")])
# "bạn" as a word (not "các bạn" quoted from a recording: catalogues never quote one).
BAN = re.compile(r"\bbạn\b", re.IGNORECASE)
# A straight-quoted phrase that is not an HTML attribute value ('"' after '=') or markup.
STRAIGHT_QUOTES = re.compile(r"""(?<![=\w])(["'])[^"'<>=]+\1(?!\w)""")


def translations(path: Path) -> list[tuple[str, str]]:
    return [
        (entry.msgid, text)
        for entry in polib.pofile(str(path))
        for text in [entry.msgstr, *entry.msgstr_plural.values()]
        if text and not entry.obsolete
    ]


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: str(path.relative_to(ROOT)))
def test_the_reader_is_addressed_as_dong_chi(path):
    wrong = [f"{msgid!r}: {text!r}" for msgid, text in translations(path) if BAN.search(text)]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: str(path.relative_to(ROOT)))
def test_vietnamese_text_uses_typographic_quotes(path):
    wrong = [f"{msgid!r}: {text!r}" for msgid, text in translations(path) if STRAIGHT_QUOTES.search(text)]
    assert not wrong, "\n".join(wrong)


def test_a_required_field_is_worded_the_same_everywhere():
    with translation.override("vi"):
        django_says = gettext("This field is required.")
        submission_says = gettext("Please fill this in before sending the write-up for review.")
    wagtail_js = {
        entry.msgid: entry.msgstr for entry in polib.pofile(str(ROOT / "locale-wagtail/vi/LC_MESSAGES/djangojs.po"))
    }

    assert django_says == "Mục này là bắt buộc."
    assert wagtail_js["This field is required."] == django_says
    assert submission_says.startswith("Mục này là bắt buộc")


def test_what_wagtail_and_djangos_accounts_say_with_ban_is_said_again_with_dong_chi():
    """Wagtail's and django.contrib.auth's own Vietnamese say "bạn"; every such message is translated again
    by ours, which Django reads first (LOCALE_PATHS). Django's own admin site is not served, so its catalogue
    is left alone."""
    theirs = [
        *Path(wagtail.__file__).parent.glob("**/locale/vi/LC_MESSAGES/django.po"),
        Path(django.__file__).parent / "contrib/auth/locale/vi/LC_MESSAGES/django.po",
    ]
    ours = {(entry.msgctxt, entry.msgid) for path in CATALOGUES for entry in polib.pofile(str(path))}
    left = [
        f"{path.relative_to(path.parents[4])}: {entry.msgid!r}"
        for path in theirs
        for entry in polib.pofile(str(path))
        if not entry.obsolete
        and any(BAN.search(text) for text in [entry.msgstr, *entry.msgstr_plural.values()])
        and (entry.msgctxt, entry.msgid) not in ours
    ]
    assert not left, "\n".join(left)
