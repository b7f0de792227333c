"""Finding English on a screen that should be all Vietnamese.

Two nets, because neither alone is enough:

- **Catalogue strings.** Every msgid of the catalogues that can reach a screen (ours, our translations of
  Wagtail's, and the English catalogues Wagtail, Django and the other installed apps ship, which hold every
  msgid they have) is a string some template or view may print. A text on the page that *is* one of those
  msgids (ignoring case: Wagtail capitalises labels it prints) is a string that was printed untranslated:
  either its translation is missing (Wagtail's Vietnamese catalogue covers about a fifth of its admin) or the
  code bypassed gettext. Msgids whose Vietnamese translation is the very same text ("PDF") are left out.
- **Tell-tale words.** Words such as "Name", "Slug", "True" or "Root" reach a screen without being a msgid
  (a model field without a verbose_name, a boolean printed raw, Wagtail's page tree root): they are flagged
  wherever they appear as whole words.

A page's text is every text node under <body> that is rendered (visually hidden text for screen readers
counts, an element with ``hidden`` or ``display: none`` does not) and the ``title``, ``aria-label``,
``placeholder`` and ``alt`` texts of rendered elements.
"""

from __future__ import annotations

import functools
import re
import sys
from pathlib import Path

import polib
from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
SITE_PACKAGES = next(Path(p) for p in sys.path if p.endswith("site-packages") and Path(p, "wagtail").is_dir())
APP_PACKAGES = ("wagtail", "django", "taggit", "axes", "django_tasks", "django_rq", "modelcluster", "django_filters")

# Capitalised as Wagtail and Django print them; "default" is the name of a task queue printed raw.
TELLTALE_WORDS = re.compile(
    r"\b(Name|Slug|True|False|None|Root|Live|Draft|Search|Edit|Delete|Save|Cancel|Title|Status|Actions|"
    r"Add|Owner|Type|Created|Updated|Yes|No|Home|Pages?|Users?|Groups?|Settings|Submit|default)\b"
)
# Strings that are the same in Vietnamese though no catalogue says so; "English" is the language switcher's
# offer of English, in English as every language names itself there.
SAME_IN_VIETNAMESE = frozenset(
    word.casefold() for word in ("OK", "Email", "Video", "Logo", "HLS", "PDF", "URL", "ID", "Wagtail", "CSV", "English")
)
# A msgid worth looking for: at least one Latin word of two letters, no placeholder.
WORDY = re.compile(r"[A-Za-z]{2,}")
PLACEHOLDER = re.compile(r"%(\([^)]*\))?[sdif]|\{[^}]*\}")

COLLECT_TEXT = """() => {
    const skip = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "svg", "SVG", "CODE", "PRE"]);
    const texts = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        if (!parent || skip.has(parent.tagName) || parent.closest("svg, code, pre, [contenteditable], textarea")
            || !parent.checkVisibility()) {
            continue;
        }
        const text = node.textContent.replace(/\\s+/g, " ").trim();
        if (text) texts.push(text);
    }
    for (const el of document.body.querySelectorAll("[title], [aria-label], [placeholder], img[alt]")) {
        if (!el.checkVisibility()) continue;
        for (const name of ["title", "aria-label", "placeholder", "alt"]) {
            const value = (el.getAttribute(name) || "").replace(/\\s+/g, " ").trim();
            if (value) texts.push(value);
        }
    }
    return texts;
}"""


def _catalogues(language: str) -> list[Path]:
    found = [p for d in (ROOT / "locale", ROOT / "locale-wagtail") for p in d.glob(f"{language}/LC_MESSAGES/*.po")]
    for package in APP_PACKAGES:
        found += (SITE_PACKAGES / package).glob(f"**/locale/{language}/LC_MESSAGES/*.po")
    return found


@functools.cache
def english_ui_strings() -> frozenset[str]:
    """Every msgid a screen may print, less those whose Vietnamese is the same text."""
    msgids: set[str] = set()
    for path in _catalogues("en") + _catalogues("vi"):
        for entry in polib.pofile(str(path)):
            for msgid in (entry.msgid, entry.msgid_plural):
                if msgid and WORDY.search(msgid) and not PLACEHOLDER.search(msgid):
                    msgids.add(_normal(msgid))
    same = {
        _normal(entry.msgid)
        for path in _catalogues("vi")
        for entry in polib.pofile(str(path))
        if entry.msgstr and entry.msgstr == entry.msgid
    }
    return frozenset(msgids - same - SAME_IN_VIETNAMESE)


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().rstrip(":*…. ").strip().casefold()


def page_texts(page: Page) -> list[str]:
    return page.evaluate(COLLECT_TEXT)


def english_in(texts: list[str], *, allowed: frozenset[str] = frozenset()) -> list[str]:
    """The texts that are English: a catalogue string shown untranslated, or one with a tell-tale word."""
    known = english_ui_strings()
    found = []
    for text in texts:
        if text in allowed:
            continue
        if _normal(text) in known or TELLTALE_WORDS.search(text):
            found.append(text)
    return sorted(set(found))


def english_on(page: Page, *, allowed: frozenset[str] = frozenset()) -> list[str]:
    """The English texts on the page as it is now."""
    return english_in(page_texts(page), allowed=allowed)


def in_vietnamese(page: Page, main_page: object) -> list[str]:
    """A check for tests/browser/test_main_pages.py: no English on the page."""
    return [f"English {text!r}" for text in english_on(page)]
