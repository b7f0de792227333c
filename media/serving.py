"""Sending stored media files: HTTP Range for players and resumed downloads, content types and cache
headers for HLS, and X-Accel-Redirect so nginx sends the bytes in production.

Playlists change when a video is re-transcoded, so they are revalidated; segments, sheets and posters
live in a folder whose name changes with every transcode, so they can be cached for long.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".vtt": "text/vtt; charset=utf-8",
    ".jpg": "image/jpeg",
}
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def content_type_for(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def cache_control_for(name: str) -> str:
    if name.endswith(".m3u8"):
        return "private, no-cache"
    return "private, max-age=31536000, immutable"


def send_stored_file(request: HttpRequest, name: str, *, download_as: str = "") -> HttpResponseBase:
    """Answer with the stored file `name` (relative to storage), honouring Range requests."""
    if settings.SERVE_MEDIA_WITH == "x-accel":
        accel = HttpResponse()
        # Percent-encoded: Django would MIME-encode a non-Latin-1 value (=?utf-8?q?...?=), which nginx
        # takes for a path; nginx decodes %XX in X-Accel-Redirect before looking the file up.
        accel["X-Accel-Redirect"] = settings.SERVE_MEDIA_ACCEL_PREFIX + quote(name, safe="/")
        accel["Content-Type"] = content_type_for(name)
        accel["Cache-Control"] = cache_control_for(name)
        if download_as:
            accel["Content-Disposition"] = _attachment(download_as)
        return accel
    opened = _open_stored(name)
    if opened is None:
        raise Http404
    handle, size = opened
    start, end = 0, size - 1
    status = 200
    match = RANGE.match(request.headers.get("Range", "").strip())
    first, last = match.groups() if match else ("", "")
    if first and last and int(last) < int(first):
        first = last = ""  # not a valid range ("bytes=5-3"): ignored, as RFC 9110 says, so the whole file
    if first or last:
        if first:
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
        else:  # "bytes=-500": the last 500 bytes
            start = max(0, size - int(last))
        if start > end or start >= size:
            handle.close()
            refusal = HttpResponse(status=416)
            refusal["Content-Range"] = f"bytes */{size}"
            return refusal
        status = 206
    handle.seek(start)
    length = end - start + 1
    response = FileResponse(_limited(handle, length), status=status, content_type=content_type_for(name))
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = cache_control_for(name)
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    if download_as:
        response["Content-Disposition"] = _attachment(download_as)
    return response


def _open_stored(name: str) -> tuple[Any, int] | None:
    """(an open file, its size) for the stored file `name`, or None when there is none. On the local disk the
    file itself; on remote storage (S3) the storage's file object: `make run` and the tests send files from the
    bucket through Django, production has nginx fetch them (X-Accel-Redirect above)."""
    try:
        path = Path(default_storage.path(name))
    except NotImplementedError:
        if not name or not default_storage.exists(name):
            return None
        return default_storage.open(name, "rb"), default_storage.size(name)
    if not path.is_file():
        return None
    return path.open("rb"), path.stat().st_size


def _limited(handle, length: int, chunk: int = 256 * 1024):
    try:
        remaining = length
        while remaining > 0:
            data = handle.read(min(chunk, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        handle.close()


def ascii_fallback(filename: str) -> str:
    """The name for clients that ignore filename*: accents folded ("Tập huấn" → "Tap huan"), đ → d,
    and nothing that would break the quoted header value."""
    folded = unicodedata.normalize("NFKD", filename.replace("đ", "d").replace("Đ", "D"))
    ascii_name = "".join(c for c in folded if not unicodedata.combining(c)).encode("ascii", "ignore").decode()
    ascii_name = "".join(c for c in ascii_name if c.isprintable() and c not in '"\\').strip()
    return ascii_name or "recording"


def _attachment(filename: str) -> str:
    return f"attachment; filename=\"{ascii_fallback(filename)}\"; filename*=UTF-8''{quote(filename)}"
