"""Checking the files attached to a write-up and reading their text (for search and the page's preview).

`check_and_extract(file, name)` is the one gate every attachment goes through, from the submission form,
`import_practices` and search alike: it either returns what the file is and its text, or raises
`DocumentRejected` with a message a submitter can act on.

The file itself is read in a process of its own (portal.practices.document_reader, where the decisions on
what is accepted are written down), never in the web process: reading a hostile document can take
hundreds of megabytes and many seconds (a 10 MB .docx can hold 95 MB of XML), and a process that ends
gives all of it back. That process is bounded by settings:
- DOCUMENT_READ_MEMORY_BYTES, its address space (RLIMIT_AS);
- DOCUMENT_READ_SECONDS while a submitter waits for the form, DOCUMENT_READ_BACKGROUND_SECONDS for
  `import_practices` and search: after 70% of it the reading stops and keeps the text it has (a long report
  is accepted with the start of its text), at 100% the process group is killed and the file refused;
  its CPU time is bounded too (RLIMIT_CPU), and it dies with its parent;
- DOCUMENT_MAX_UNPACKED_BYTES, what the members of a .docx/.odt may hold together once unpacked, checked on
  the ZIP's table of contents before anything is unpacked.
A file that needs more is refused with a message that says so; everything else the submitter sent is kept
by the form as for any refused file.

Only the first MAX_TEXT_CHARS characters (and 500 pages of a PDF) are read: enough for search and a
preview.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

from portal.practices.document_reader import (
    KIND_OF_EXTENSION,
    MAX_IMAGE_PIXELS,
    TOO_DEMANDING,
    Limits,
    clean_text,
    pdf_paragraphs,
)

__all__ = ["clean_text", "pdf_paragraphs"]  # re-exported: they belong to reading but are used from here

logger = logging.getLogger(__name__)

ALLOWED_EXTENSIONS: tuple[str, ...] = (".docx", ".pdf", ".odt", ".jpg", ".jpeg", ".png", ".webp", ".gif")
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_TEXT_CHARS = 500_000
STOP_READING_AT = 0.7  # of the time allowed: the text read so far is kept, before the process is killed
READER_MODULE = "portal.practices.document_reader"
PROJECT_ROOT = Path(__file__).resolve().parents[2]

KIND_LABELS = {
    "docx": _("a Word document (.docx)"),
    "pdf": _("a PDF document"),
    "odt": _("an OpenDocument text (.odt)"),
    "image": _("a picture"),
}

StrOrPromise = str | Promise


def _format(template: StrOrPromise, params: dict[str, Any]) -> str:
    return str(template) % {key: str(value) if isinstance(value, Promise) else value for key, value in params.items()}


_lazy_format = lazy(_format, str)


class DocumentRejected(Exception):
    """The file cannot be attached. `message` says why, in the reader's language when it is shown;
    `code` says the same to programs and tests."""

    def __init__(self, code: str, message: StrOrPromise, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.message: StrOrPromise = _lazy_format(message, params) if params else message

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class Extracted:
    """What an accepted file is and the text read from it."""

    kind: str  # "docx" | "pdf" | "odt" | "image"
    text: str  # plain text, paragraphs separated by blank lines, NFC; "" for pictures and scans
    title: str  # the document's own heading, "" when it has none
    truncated: bool = False  # the text stops at MAX_TEXT_CHARS (or 500 pages, or the time allowed)
    # When the document says it was written (its creation date, else last change): old reports keep their year.
    written: datetime.date | None = None


def max_attachment_bytes() -> int:
    return int(getattr(settings, "PRACTICE_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def accepted_types_text() -> str:
    """The accepted extensions as a short list for help texts: ".docx, .pdf, .odt, .jpg, ..."."""
    return ", ".join(ALLOWED_EXTENSIONS)


def preview(text: str, chars: int = 600) -> str:
    """The start of a text, cut at a word boundary with an ellipsis when there is more."""
    text = text.strip()
    if len(text) <= chars:
        return text
    cut = text[:chars]
    space = cut.rfind(" ")
    if space > chars // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-\u2013") + "…"


def check_and_extract(
    file: IO[bytes] | Path, name: str, *, max_bytes: int | None = None, background: bool = False
) -> Extracted:
    """Check an attachment by its content and read its text, or raise DocumentRejected.

    `file` is a path or a seekable binary file (a Django upload is fine); a file is left at position 0
    so that it can be saved afterwards. `name` is the name the user gave the file. `background` gives the
    reading the longer time of work nobody waits for (imports, search).
    """
    limit = max_attachment_bytes() if max_bytes is None else max_bytes
    seconds = float(settings.DOCUMENT_READ_BACKGROUND_SECONDS if background else settings.DOCUMENT_READ_SECONDS)
    limits = Limits(
        max_bytes=limit,
        max_unpacked_bytes=int(settings.DOCUMENT_MAX_UNPACKED_BYTES),
        max_text_chars=MAX_TEXT_CHARS,
        seconds=seconds * STOP_READING_AT,
        started=time.monotonic(),
    )
    if isinstance(file, Path):
        return _read_in_process(file, name, limits, seconds)
    try:
        file.seek(0, 2)
        size = file.tell()
        if size == 0:
            raise _empty(name)
        if size > limit:
            raise _too_large(name, size, limit)
        file.seek(0)
        on_disk = getattr(file, "temporary_file_path", None)
        if callable(on_disk):
            return _read_in_process(Path(on_disk()), name, limits, seconds)
        descriptor = _file_descriptor(file)
        if descriptor is not None:  # a file in storage: the reader opens it again, nothing is copied
            return _read_in_process(Path(f"/proc/self/fd/{descriptor}"), name, limits, seconds, descriptor)
        with tempfile.NamedTemporaryFile(prefix="document-", dir=settings.FILE_UPLOAD_TEMP_DIR) as copy:
            shutil.copyfileobj(file, copy, 1024 * 1024)
            copy.flush()
            return _read_in_process(Path(copy.name), name, limits, seconds)
    finally:
        file.seek(0)


def _file_descriptor(file: IO[bytes]) -> int | None:
    """The descriptor of a regular file the reading process can open again as /proc/self/fd/N (Linux)."""
    if not Path("/proc/self/fd").is_dir():
        return None
    try:
        descriptor = file.fileno()
        return descriptor if stat.S_ISREG(os.fstat(descriptor).st_mode) else None
    except (AttributeError, OSError, ValueError):  # in memory (BytesIO), or not a real file
        return None


def _read_in_process(path: Path, name: str, limits: Limits, seconds: float, descriptor: int | None = None) -> Extracted:
    """Read the file at `path` in the bounded reading process and turn its answer into ours."""
    request = {
        "path": str(path),
        "name": name,
        "limits": asdict(limits),
        "memory_bytes": int(settings.DOCUMENT_READ_MEMORY_BYTES),
        "cpu_seconds": int(seconds) + 1,
        "parent": os.getpid(),
    }
    with tempfile.TemporaryFile() as stderr:  # a file, not a pipe: whatever the reader prints costs us nothing
        try:
            process = subprocess.Popen(  # noqa: S603 - a fixed command: this interpreter and our module
                [sys.executable, "-m", READER_MODULE],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                cwd=PROJECT_ROOT,
                pass_fds=(descriptor,) if descriptor is not None else (),
                start_new_session=True,  # its own process group, killed whole
            )
        except OSError:
            logger.exception("Could not start the document reader for %r", name)
            raise _reader_failed(name) from None
        try:
            output, _none = process.communicate(json.dumps(request).encode(), timeout=seconds)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            logger.warning("Reading %r took more than %s s: refused", name, seconds)
            raise _too_demanding(name) from None
        finally:
            if process.poll() is None:
                _kill_group(process)
        stderr.seek(max(stderr.seek(0, os.SEEK_END) - 4000, 0))
        errors = stderr.read()
    try:
        answer = json.loads(output)
    except ValueError:
        if process.returncode < 0 or b"MemoryError" in errors:  # killed at a limit, or out of memory on the way
            logger.warning("Reading %r stopped at a limit (exit %s)", name, process.returncode)
            raise _too_demanding(name) from None
        logger.error("The document reader failed on %r (exit %s): %s", name, process.returncode, errors)
        raise _reader_failed(name) from None
    if "refused" in answer:
        raise _refusal(answer["refused"], name, answer.get("params") or {})
    read = answer["read"]
    written = read.get("written")
    return Extracted(
        kind=read["kind"],
        text=read["text"],
        title=read["title"],
        truncated=bool(read["truncated"]),
        written=datetime.date.fromisoformat(written) if written else None,
    )


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()


def _refusal(code: str, name: str, params: dict[str, Any]) -> DocumentRejected:
    """The refusal the reading process named, with its message."""
    make: dict[str, Callable[[], DocumentRejected]] = {
        "empty": lambda: _empty(name),
        "too_large": lambda: _too_large(name, int(params["size"]), int(params["limit"])),
        "unknown_type": lambda: _unknown_type(name),
        "legacy_format": lambda: _legacy_format(name),
        "mismatch": lambda: _mismatch(name, str(params["actual"])),
        "macro": lambda: _macro(name),
        "encrypted": lambda: _encrypted(name),
        "malformed": lambda: _malformed(name),
        "archive_bomb": lambda: _archive_bomb(name),
        "unpacked_too_large": lambda: _unpacked_too_large(name, int(params["size"]), int(params["limit"])),
        "image_too_large": lambda: _image_too_large(name),
        TOO_DEMANDING: lambda: _too_demanding(name),
    }
    if code not in make:
        logger.error("The document reader gave an unknown refusal %r for %r", code, name)
        return _reader_failed(name)
    return make[code]()


# The refusals, each with the message the submitter sees.


def _short(name: str) -> str:
    base = Path(name.replace("\\", "/")).name or name
    return base if len(base) <= 80 else base[:77] + "…"


def _empty(name: str) -> DocumentRejected:
    return DocumentRejected(
        "empty", _("The file “%(name)s” is empty. Check it on your computer and choose it again."), name=_short(name)
    )


def _too_large(name: str, size: int, limit: int) -> DocumentRejected:
    return DocumentRejected(
        "too_large",
        _(
            "The file “%(name)s” is %(size)s; a file may be at most %(limit)s. Make it smaller (for example, "
            "compress its pictures or save it as PDF) or split it into several files."
        ),
        name=_short(name),
        size=lazy(filesizeformat, str)(size),
        limit=lazy(filesizeformat, str)(limit),
    )


def _unknown_type(name: str) -> DocumentRejected:
    return DocumentRejected(
        "unknown_type",
        _(
            "“%(name)s” is not a kind of file that can be attached. Accepted: Word documents (.docx), PDF "
            "documents (.pdf), OpenDocument texts (.odt) and pictures (.jpg, .png, .webp, .gif)."
        ),
        name=_short(name),
    )


def _legacy_format(name: str) -> DocumentRejected:
    return DocumentRejected(
        "legacy_format",
        _(
            "“%(name)s” is in an old Office format (such as .doc), which cannot be attached. Open it in Word, "
            "save it as a Word document (.docx) or as PDF, and attach the new file."
        ),
        name=_short(name),
    )


def _mismatch(name: str, actual: str) -> DocumentRejected:
    extension = Path(name).suffix.lower()
    claimed = KIND_OF_EXTENSION.get(extension)
    if claimed is None:
        message = _(
            "The name “%(name)s” does not match its content: the file is %(actual)s. Give it the right "
            "extension and attach it again."
        )
        return DocumentRejected("mismatch", message, name=_short(name), actual=KIND_LABELS[actual])
    message = _(
        "The name “%(name)s” says the file is %(claimed)s, but it is really %(actual)s. Correct the "
        "extension of its name (or save it again in the right format) and attach it again."
    )
    return DocumentRejected(
        "mismatch", message, name=_short(name), claimed=KIND_LABELS[claimed], actual=KIND_LABELS[actual]
    )


def _macro(name: str) -> DocumentRejected:
    return DocumentRejected(
        "macro",
        _(
            "“%(name)s” contains macros (small programs that run inside the document), which are not accepted "
            "for safety. Save it as an ordinary Word document (.docx) or as PDF and attach the new file."
        ),
        name=_short(name),
    )


def _encrypted(name: str) -> DocumentRejected:
    return DocumentRejected(
        "encrypted",
        _(
            "“%(name)s” is protected by a password, so it cannot be read. Save a copy without the password "
            "and attach that copy."
        ),
        name=_short(name),
    )


def _malformed(name: str) -> DocumentRejected:
    return DocumentRejected(
        "malformed",
        _(
            "“%(name)s” is damaged or incomplete and cannot be opened. Check that it opens on your computer, "
            "save a new copy and attach it again."
        ),
        name=_short(name),
    )


def _archive_bomb(name: str) -> DocumentRejected:
    return DocumentRejected(
        "archive_bomb",
        _(
            "“%(name)s” unpacks into far more data than a normal document and was refused for safety. If it "
            "is a genuine document, save it again (for example as PDF) and attach the new copy."
        ),
        name=_short(name),
    )


def _image_too_large(name: str) -> DocumentRejected:
    return DocumentRejected(
        "image_too_large",
        _(
            "The picture “%(name)s” is too large to handle (more than %(megapixels)d megapixels). Make it "
            "smaller and attach it again."
        ),
        name=_short(name),
        megapixels=MAX_IMAGE_PIXELS // 1_000_000,
    )


def _unpacked_too_large(name: str, size: int, limit: int) -> DocumentRejected:
    return DocumentRejected(
        "unpacked_too_large",
        _(
            "“%(name)s” unpacks into %(size)s of content; a document may hold at most %(limit)s. If it is a "
            "genuine document, save it again (for example as PDF, or with smaller pictures) and attach the new copy."
        ),
        name=_short(name),
        size=lazy(filesizeformat, str)(size),
        limit=lazy(filesizeformat, str)(limit),
    )


def _too_demanding(name: str) -> DocumentRejected:
    return DocumentRejected(
        "too_demanding",
        _(
            "“%(name)s” needs more memory or time to read than a document may have, so it was refused for "
            "safety. If it is a genuine document, save it again (for example as PDF) or split it into several "
            "files, and attach the new copies."
        ),
        name=_short(name),
    )


def _reader_failed(name: str) -> DocumentRejected:
    return DocumentRejected(
        "reader_failed",
        _(
            "“%(name)s” could not be read because of a problem on the portal, not in the file. Attach it again "
            "in a few minutes; if it happens again, tell an administrator."
        ),
        name=_short(name),
    )
