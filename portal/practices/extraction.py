"""Checking the files attached to a write-up and reading their text (for search and the page's preview).

`check_and_extract(file, name)` is the one gate every attachment goes through, from the submission form
and from `import_practices` alike: it either returns what the file is and its text, or raises
`DocumentRejected` with a message a submitter can act on.

Decisions a newcomer might question:
- The type is decided by the bytes, never by the name: PDF by its `%PDF-` header, .docx and .odt by
  looking inside the ZIP container ([Content_Types].xml, the `mimetype` entry), pictures by their magic
  numbers. The extension must then agree with the content: a Word file named ".pdf" is refused with a
  message that says what it really is (accepting it under the wrong name would make it open in the wrong
  program on every reader's computer). Pictures are the exception: a PNG named ".jpg" is still a picture
  and every browser shows it, so any picture extension fits any picture.
- ZIP-based files are judged on their central directory before anything is decompressed: number of
  entries, total declared size, compression ratio. Python's zipfile never yields more bytes than an
  entry declares (it stops and fails the CRC check), so the declared sizes are real bounds on memory.
- Macros are refused outright (VBA projects, ActiveX, macro-enabled content types, ODF Basic/scripts and
  script event listeners). PDFs containing JavaScript are accepted: nothing here runs them, only text is
  read.
- Encrypted files are refused, except PDFs that open with an empty password (the common "protected
  against editing" PDF), whose text is readable.
- Only the first MAX_TEXT_CHARS characters (and MAX_PDF_PAGES pages) are read: enough for search and a
  preview, and a bound on time and memory for a 1,000-page scan dump.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

from defusedxml import ElementTree as SafeElementTree

ALLOWED_EXTENSIONS: tuple[str, ...] = (".docx", ".pdf", ".odt", ".jpg", ".jpeg", ".png", ".webp", ".gif")
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

# Bounds on what a file may ask of the server. Real reports are far below each of them.
MAX_TEXT_CHARS = 500_000
MAX_PDF_PAGES = 500
MAX_ZIP_ENTRIES = 5_000
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100  # checked on entries larger than RATIO_CHECK_FROM_BYTES once unpacked
RATIO_CHECK_FROM_BYTES = 1024 * 1024
MAX_SMALL_PART_BYTES = 1024 * 1024  # [Content_Types].xml, mimetype, manifest: tiny in any real file
MAX_IMAGE_PIXELS = 80_000_000  # a 64-megapixel phone photo passes
TITLE_MAX_CHARS = 255

DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif"})
KIND_OF_EXTENSION = {".docx": "docx", ".pdf": "pdf", ".odt": "odt"} | dict.fromkeys(IMAGE_EXTENSIONS, "image")
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
    truncated: bool = False  # the text stops at MAX_TEXT_CHARS (or MAX_PDF_PAGES)
    # When the document says it was written (its creation date, else last change): old reports keep their year.
    written: datetime.date | None = None


# python-docx's blank template carries this creation time: documents made by programs built on it say
# nothing true about when they were written.
_TEMPLATE_TIMESTAMPS = {datetime.datetime(2013, 12, 23, 23, 15, tzinfo=datetime.UTC)}


def _plausible_date(value: Any) -> datetime.date | None:
    """A date from document metadata, or None when it is missing or absurd (1601, the future...)."""
    if isinstance(value, datetime.datetime):
        if value in _TEMPLATE_TIMESTAMPS:
            return None
        value = value.date()
    if not isinstance(value, datetime.date):
        return None
    if not datetime.date(1990, 1, 1) <= value <= datetime.date.today() + datetime.timedelta(days=1):
        return None
    return value


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


def check_and_extract(file: IO[bytes] | Path, name: str, *, max_bytes: int | None = None) -> Extracted:
    """Check an attachment by its content and read its text, or raise DocumentRejected.

    `file` is a path or a seekable binary file (a Django upload is fine); a file is left at position 0
    so that it can be saved afterwards. `name` is the name the user gave the file.
    """
    limit = max_attachment_bytes() if max_bytes is None else max_bytes
    if isinstance(file, Path):
        with file.open("rb") as stream:
            return _check(stream, name, limit)
    try:
        return _check(file, name, limit)
    finally:
        file.seek(0)


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


# Deciding what the file is.


def _check(stream: IO[bytes], name: str, limit: int) -> Extracted:
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise _empty(name)
    if size > limit:
        raise _too_large(name, size, limit)
    head = stream.read(8192)
    stream.seek(0)

    if head.startswith(b"PK\x03\x04"):
        return _check_zip(stream, name)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        # An OLE2 container: an old .doc/.xls, or a password-protected .docx (Office wraps those in OLE2).
        if _contains(stream, "EncryptedPackage".encode("utf-16-le")):
            raise _encrypted(name)
        raise _legacy_format(name)
    if b"%PDF-" in head[:1024]:
        _require_kind(name, "pdf")
        return _extract_pdf(stream, name)
    if _image_format(head):
        _require_kind(name, "image")
        _check_image(stream, name)
        return Extracted(kind="image", text="", title="")
    raise _unknown_type(name)


def _require_kind(name: str, actual: str) -> None:
    extension = Path(name).suffix.lower()
    if KIND_OF_EXTENSION.get(extension) != actual:
        raise _mismatch(name, actual)


def _image_format(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def _contains(stream: IO[bytes], needle: bytes, chunk: int = 1024 * 1024) -> bool:
    stream.seek(0)
    tail = b""
    try:
        while block := stream.read(chunk):
            if needle in tail + block:
                return True
            tail = block[-len(needle) :]
        return False
    finally:
        stream.seek(0)


def _check_image(stream: IO[bytes], name: str) -> None:
    from PIL import Image

    try:
        with Image.open(stream) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise _image_too_large(name)
            image.verify()
    except DocumentRejected:
        raise
    except Image.DecompressionBombError as error:
        raise _image_too_large(name) from error
    except Exception as error:
        raise _malformed(name) from error


# ZIP containers: .docx and .odt.


def _check_zip(stream: IO[bytes], name: str) -> Extracted:
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise _malformed(name) from error
    with archive:
        infos = archive.infolist()
        _check_directory(infos, name)
        names = {info.filename for info in infos}
        if "mimetype" in names:
            kind = _odf_kind(archive, name)
        elif "[Content_Types].xml" in names:
            kind = _ooxml_kind(archive, name)
        else:
            kind = None
        if kind is None:
            raise _unknown_type(name)
    _require_kind(name, kind)
    stream.seek(0)
    return _extract_docx(stream, name) if kind == "docx" else _extract_odt(stream, name)


def _check_directory(infos: list[zipfile.ZipInfo], name: str) -> None:
    """Refuse archive bombs from the ZIP's table of contents alone, before unpacking anything."""
    if len(infos) > MAX_ZIP_ENTRIES:
        raise _archive_bomb(name)
    if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED_BYTES:
        raise _archive_bomb(name)
    for info in infos:
        if info.flag_bits & 0x1:
            raise _encrypted(name)
        if info.file_size > RATIO_CHECK_FROM_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(
            info.compress_size, 1
        ):
            raise _archive_bomb(name)


def _read_small(archive: zipfile.ZipFile, part: str, name: str) -> bytes:
    try:
        info = archive.getinfo(part)
        if info.file_size > MAX_SMALL_PART_BYTES:
            raise _malformed(name)
        return archive.read(info)
    except DocumentRejected:
        raise
    except Exception as error:
        raise _malformed(name) from error


def _entry_contains(archive: zipfile.ZipFile, part: str, needles: Iterable[bytes], name: str) -> bool:
    """Whether an entry holds any of the needles, read in chunks (content.xml may be large)."""
    needles = tuple(needles)
    overlap = max(len(needle) for needle in needles)
    try:
        with archive.open(part) as entry:
            tail = b""
            while block := entry.read(1024 * 1024):
                window = tail + block
                if any(needle in window for needle in needles):
                    return True
                tail = block[-overlap:]
    except KeyError:
        return False
    except Exception as error:
        raise _malformed(name) from error
    return False


def _ooxml_kind(archive: zipfile.ZipFile, name: str) -> str | None:
    try:
        types = SafeElementTree.fromstring(_read_small(archive, "[Content_Types].xml", name))
    except DocumentRejected:
        raise
    except Exception as error:
        raise _malformed(name) from error
    content_types = {element.get("ContentType", "") for element in types}
    lowered = [part.filename.lower() for part in archive.infolist()]
    if any("macroenabled" in kind.lower() or "vbaproject" in kind.lower() for kind in content_types) or any(
        part.endswith(("vbaproject.bin", "vbadata.xml")) or "/activex/" in part for part in lowered
    ):
        raise _macro(name)
    return "docx" if DOCX_MAIN in content_types else None


def _odf_kind(archive: zipfile.ZipFile, name: str) -> str | None:
    mimetype = _read_small(archive, "mimetype", name).strip().decode("ascii", "replace")
    if not mimetype.startswith("application/vnd.oasis.opendocument."):
        return None
    for part in archive.namelist():
        folder, _slash, rest = part.partition("/")
        if folder == "Scripts" and rest and not rest.endswith("/"):
            raise _macro(name)
        if folder == "Basic" and rest and not rest.endswith(("/", "script-lc.xml", "script-lb.xml")):
            raise _macro(name)
    for part in ("content.xml", "styles.xml"):
        if _entry_contains(archive, part, [b"script:event-listener", b"vnd.sun.star.script:"], name):
            raise _macro(name)
    if _entry_contains(archive, "META-INF/manifest.xml", [b"encryption-data"], name):
        raise _encrypted(name)
    return "odt" if mimetype == ODT_MIMETYPE else None


# Reading the text.


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u00a0]+")


def clean_text(text: str) -> str:
    """NFC, no control characters (PostgreSQL refuses NUL), tidy spaces; line breaks are kept."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text)
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n")).strip()


def _title(text: str) -> str:
    title = " ".join(clean_text(text).split())
    if len(title) <= TITLE_MAX_CHARS:
        return title
    cut = title[: TITLE_MAX_CHARS - 1]
    return cut[: cut.rfind(" ")] if " " in cut else cut


class _TextCollector:
    """Gathers paragraphs up to MAX_TEXT_CHARS."""

    def __init__(self) -> None:
        self.paragraphs: list[str] = []
        self.length = 0
        self.truncated = False

    @property
    def full(self) -> bool:
        return self.truncated

    def add(self, paragraph: str) -> None:
        paragraph = clean_text(paragraph)
        if not paragraph or self.truncated:
            return
        room = MAX_TEXT_CHARS - self.length
        if len(paragraph) > room:
            paragraph = paragraph[:room]
            self.truncated = True
        self.paragraphs.append(paragraph)
        self.length += len(paragraph) + 2
        if self.length >= MAX_TEXT_CHARS:
            self.truncated = True

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def _reading(name: str, read: Callable[[], Extracted]) -> Extracted:
    """Run a library's reader; whatever it trips over in a broken file becomes a clear refusal."""
    try:
        return read()
    except DocumentRejected:
        raise
    except Exception as error:
        raise _malformed(name) from error


def _extract_docx(stream: IO[bytes], name: str) -> Extracted:
    import docx
    from docx.table import Table

    def read() -> Extracted:
        document = docx.Document(stream)
        collector = _TextCollector()
        title = ""
        for block in document.iter_inner_content():
            if collector.full:
                break
            if isinstance(block, Table):
                for row in _docx_rows(block):
                    collector.add(row)
                continue
            style = block.style.name if block.style is not None else ""
            if not title and (style == "Title" or (style or "").startswith("Heading")) and block.text.strip():
                title = _title(block.text)
            collector.add(block.text)
        properties = document.core_properties
        title = title or _title(properties.title or "")
        written = _plausible_date(properties.created) or _plausible_date(properties.modified)
        return Extracted(kind="docx", text=collector.text, title=title, truncated=collector.truncated, written=written)

    return _reading(name, read)


def _docx_rows(table: Any) -> Iterator[str]:
    for row in table.rows:
        cells = []
        seen = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is listed once per column it spans
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(paragraph.text.strip() for paragraph in cell.paragraphs).strip())
        if any(cells):
            yield " | ".join(cells)


def _extract_odt(stream: IO[bytes], name: str) -> Extracted:
    from odf import opendocument, teletype
    from odf.namespaces import DCNS, TABLENS, TEXTNS

    def walk(element: Any, collector: _TextCollector, headings: list[str]) -> None:
        for child in element.childNodes:
            if collector.full:
                return
            qname = getattr(child, "qname", None)
            if qname in ((TEXTNS, "p"), (TEXTNS, "h")):
                text = teletype.extractText(child)
                if qname == (TEXTNS, "h") and text.strip():
                    headings.append(text)
                collector.add(text)
            elif qname == (TABLENS, "table-row"):
                cells = [
                    " ".join(teletype.extractText(p) for p in cell.childNodes if getattr(p, "qname", None))
                    for cell in child.childNodes
                    if getattr(cell, "qname", None) == (TABLENS, "table-cell")
                ]
                if any(cell.strip() for cell in cells):
                    collector.add(" | ".join(cell.strip() for cell in cells))
            elif qname is not None:
                walk(child, collector, headings)

    def read() -> Extracted:
        document = opendocument.load(stream)
        collector = _TextCollector()
        headings: list[str] = []
        walk(document.text, collector, headings)
        title = headings[0] if headings else ""
        if not title:
            titles = [node for node in document.meta.childNodes if getattr(node, "qname", None) == (DCNS, "title")]
            title = teletype.extractText(titles[0]) if titles else ""
        return Extracted(
            kind="odt",
            text=collector.text,
            title=_title(title),
            truncated=collector.truncated,
            written=_odt_date(document),
        )

    return _reading(name, read)


# PDF: no paragraphs in the file, only lines; put the lines of a paragraph back together.

_SENTENCE_END = re.compile(r"[.:;!?…”\")»]$")
_LIST_ITEM = re.compile(r"^([-\u2013\u2014\u2022+*]\s|\d+(\.\d+)*[.)]\s|[a-zđ][).]\s|[IVXLC]+[.)]\s)")


def _is_heading_line(line: str) -> bool:
    letters = [char for char in line if char.isalpha()]
    return bool(letters) and all(char.isupper() for char in letters)


def pdf_paragraphs(page_text: str) -> list[str]:
    """Join the wrapped lines of a PDF page into paragraphs: a line ends its paragraph when it ends a
    sentence, is a heading in capitals, or when the next line starts a list item. Best effort."""
    paragraphs: list[str] = []
    current: list[str] = []
    for raw in page_text.splitlines():
        line = raw.strip()
        if not line:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        if current and (_SENTENCE_END.search(current[-1]) or _is_heading_line(current[-1]) or _LIST_ITEM.match(line)):
            paragraphs.append(" ".join(current))
            current = []
        current.append(line)
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def _pdf_date(reader: Any) -> datetime.date | None:
    try:
        metadata = reader.metadata
        if not metadata:
            return None
        return _plausible_date(metadata.creation_date) or _plausible_date(metadata.modification_date)
    except Exception:  # a malformed date in otherwise readable metadata
        return None


def _odt_date(document: Any) -> datetime.date | None:
    from odf import teletype
    from odf.namespaces import DCNS, METANS

    for qname in ((METANS, "creation-date"), (DCNS, "date")):
        for node in document.meta.childNodes:
            if getattr(node, "qname", None) == qname:
                try:
                    return _plausible_date(datetime.datetime.fromisoformat(teletype.extractText(node).strip()[:19]))
                except ValueError:
                    continue
    return None


def _pdf_metadata_title(reader: Any) -> str:
    try:
        title = str((reader.metadata or {}).get("/Title") or "")
    except Exception:
        return ""
    title = re.sub(r"^Microsoft (Word|PowerPoint) - ", "", title.strip())
    if re.search(r"\.(docx?|odt|pdf|rtf)$", title, re.IGNORECASE):
        return ""  # a file name, not a title
    return _title(title)


def _extract_pdf(stream: IO[bytes], name: str) -> Extracted:
    from pypdf import PasswordType, PdfReader

    def read() -> Extracted:
        reader = PdfReader(stream, strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception as error:
                raise _encrypted(name) from error
            if opened == PasswordType.NOT_DECRYPTED:
                raise _encrypted(name)
        collector = _TextCollector()
        first_paragraph = ""
        pages = reader.pages
        for number, page in enumerate(pages):
            if collector.full:
                break
            if number >= MAX_PDF_PAGES:
                collector.truncated = True
                break
            page_text = page.extract_text() or ""
            for paragraph in pdf_paragraphs(page_text):
                first_paragraph = first_paragraph or paragraph
                collector.add(paragraph)
        title = _pdf_metadata_title(reader) or _title(first_paragraph)
        return Extracted(
            kind="pdf", text=collector.text, title=title, truncated=collector.truncated, written=_pdf_date(reader)
        )

    return _reading(name, read)
