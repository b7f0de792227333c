"""A topic's name is one whole name: "Đào tạo, bồi dưỡng cán bộ" is one topic, never two or five.

taggit's own helpers read a string of names separated by commas and spaces (`parse_tags`); nothing in the
portal does that. Every path that gives a page its topics — the page editor, the submission form,
`import_practices`, the demo — hands over whole names or Topic rows, and the names go through here, so
that one spelling of a topic is found whatever its case, spaces or Unicode form.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from portal.home.models import Topic

MAX_LENGTH: int = Topic._meta.get_field("name").max_length or 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_topic_name(name: str) -> str:
    """The name as it is stored: composed Unicode (as Vietnamese keyboards differ), single spaces, no
    control characters. Commas, quotes and every diacritic are part of the name and stay."""
    return " ".join(_CONTROL.sub(" ", unicodedata.normalize("NFC", name)).split())


def topic_key(name: str) -> str:
    """Two names with the same key are the same topic ("chuyển đổi số" is "Chuyển đổi số")."""
    return clean_topic_name(name).casefold()


def match_topics(names: Iterable[str]) -> list[Topic | str]:
    """For each name, in order and without repeats: the existing topic it names (whatever the case), or the
    cleaned name of a topic still to be made. A page's `topics.set()` or `.add()` takes the result as it
    is and makes the new ones — nothing is made here, so a form sent back with an error leaves no topic
    behind. Blank names are left out."""
    wanted = {topic_key(name): clean_topic_name(name) for name in names if clean_topic_name(name)}
    if not wanted:
        return []
    # SQLite's case-insensitive comparison folds ASCII letters only ("Đ" is not "đ" to it): compare here.
    existing: dict[str, Topic] = {}
    for topic in Topic.objects.order_by("pk"):
        existing.setdefault(topic_key(topic.name), topic)
    return [existing.get(key, name) for key, name in wanted.items()]


def get_or_create_topics(names: Iterable[str]) -> list[Topic]:
    """The topics with these names, made now for the names no topic has yet (for commands and the demo)."""
    return [
        found if isinstance(found, Topic) else Topic.objects.get_or_create(name=found)[0]
        for found in match_topics(names)
    ]
