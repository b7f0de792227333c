"""Hand-built SearchDocs for tests of the search page and the API, which need index entries, not pages."""

from __future__ import annotations

import datetime

from search.engines.base import SearchDoc
from search.text import normalize


def doc(key: str, title: str, **fields: object) -> SearchDoc:
    """A SearchDoc for `key` ("training:11"), dated 15 March 2026, with `fields` on top."""
    kind, page_id = key.split(":")[0], int(key.split(":")[1])
    values: dict[str, object] = {
        "key": key,
        "type": kind,
        "page_id": page_id,
        "title": normalize(title),
        "url": f"/tap-huan/trang-{page_id}/",
        "date": datetime.date(2026, 3, 15),
    }
    values.update(fields)
    return SearchDoc(**values)  # type: ignore[arg-type]
