"""The damage Wagtail 8's tag field did to topics with commas, made the way it made it, for the repair tests.

`tag_field_round_trip` replays what the page editor sent back when a page was saved unchanged: taggit's
`edit_string_for_tags` wrote the box's value; the tag script (wagtailadmin/js/vendor/tag-it.js with the
w-tag controller's `cleanTag`) split it on commas, trimmed each piece, wrapped a piece holding a space in
quotes unless it began with one, left out empty and repeated pieces and joined the rest with commas; and
taggit's `parse_tags` read that. `damage` saves and publishes a page with the result, as the admin did.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from taggit.utils import _edit_string_for_tags, _parse_tags


def _clean_tag(label: str) -> str:
    return f'"{label}"' if label and label[0] != '"' and " " in label else label


def tag_field_round_trip(names: list[str]) -> list[str]:
    """The topic names Wagtail's tag field sent back for a page with these topics, saved unchanged."""
    shown = _edit_string_for_tags([SimpleNamespace(name=name) for name in names])
    labels: list[str] = []
    for piece in shown.split(","):
        label = _clean_tag(piece.strip())
        if label and label not in labels:
            labels.append(label)
    return _parse_tags(",".join(labels))


def damage(page: Any, *, times: int = 1) -> Any:
    """Save and publish the page unchanged through the old tag field, `times` times; its topics as stored."""
    for _ in range(times):
        latest = page.get_latest_revision_as_object()
        names = tag_field_round_trip([topic.name for topic in latest.topics.all()])
        latest.topics.set(names)  # the old form's save: taggit finds or makes each name (case-insensitively)
        latest.save_revision().publish()
    page.refresh_from_db()
    return page
