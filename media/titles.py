"""The title a recording gets from its file name when nobody typed one (a pure decision, tested on its own).

People name files for the disk, not for readers: "tap_huan-phan_1.mp4" reads "tap huan phan 1". The
upload screen's script (media/static/media/upload.js) fills its title field by the same rule, so what an
editor sees before sending is what the server would choose.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath

TITLE_MAX_LENGTH = 255
_SEPARATORS = re.compile(r"[_\-]+")


def title_from_filename(name: str, *, max_length: int = TITLE_MAX_LENGTH) -> str:
    """ "tap_huan-phan_1.mp4" → "tap huan phan 1": folders and the extension dropped, underscores and dashes
    turned into spaces, spaces collapsed. A name with nothing left (e.g. "___.mp4") is kept as it is."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/")).rsplit("/", 1)[-1].strip()
    stem = PurePosixPath(name).stem if name else ""
    title = " ".join(_SEPARATORS.sub(" ", stem).split()) or name
    return title[:max_length]
